import {describe, expect, it} from 'vitest'

import {PlanError, StalePlanError, UnsafePlanError, UsageError} from '../errors.js'
import {apiKeyValue, argvAsksForJson, redactSecrets, toErrorDocument} from './base-command.js'

describe('toErrorDocument', () => {
  it('carries what a plan, stale or unsafe error is about, not only its summary', () => {
    const plan = new PlanError('Cannot plan: 1 problem', [
      {message: 'Sequence "Q4" was not found', source: {file: 'a.yaml', line: 3, col: 1}},
    ])
    expect(toErrorDocument(plan).error['details']).toEqual(['a.yaml:3:1: error: Sequence "Q4" was not found'])
    expect(
      toErrorDocument(new StalePlanError(['jane@acme.com in "Q4": planned against absent, now active'])).error[
        'details'
      ],
    ).toEqual(['stale: jane@acme.com in "Q4": planned against absent, now active'])
    expect(toErrorDocument(new UnsafePlanError(['60 removals over the limit of 50'], 60)).error).toMatchObject({
      code: 'PLAN_UNSAFE',
      details: ['unsafe: 60 removals over the limit of 50'],
    })
  })

  it('has no details field when there is nothing to list', () => {
    expect(toErrorDocument(new UsageError('APOLLO_API_KEY is not set', {hint: 'export it'}))).toEqual({
      error: {code: 'USAGE', message: 'APOLLO_API_KEY is not set', hint: 'export it'},
    })
  })
})

describe('argvAsksForJson (used only when oclif could not parse the arguments)', () => {
  it.each([
    [['plan', '--json'], true],
    [['plan', '--format', 'json'], true],
    [['plan', '--format=json'], true],
    [['plan', '-f', 'json'], true],
    [['plan', '-fjson'], true],
    [['plan', '-f=json'], true],
    [['plan', '--format', 'text'], false],
    [['plan', '-f', 'markdown', 'json'], false],
    [['plan', 'json'], false],
    [['plan', '--', '--json'], false],
    [[], false],
  ])('%j -> %s', (argv, expected) => {
    expect(argvAsksForJson(argv)).toBe(expected)
  })
})

describe('the API key from APOLLO_API_KEY', () => {
  it('is the same trimmed value for the request and for redaction (a `$(cat key)` newline included)', () => {
    const env = {APOLLO_API_KEY: '  sk-live-1234abcd\n'}
    expect(redactSecrets('Apollo said: bad key sk-live-1234abcd (x)', env)).toBe('Apollo said: bad key [REDACTED] (x)')
    expect(apiKeyValue(env)).toBe('sk-live-1234abcd')
    expect(apiKeyValue({APOLLO_API_KEY: ' \n'})).toBeNull()
    expect(redactSecrets('nothing to hide', {APOLLO_API_KEY: ' \n'})).toBe('nothing to hide')
    // As a Markdown comment shows it, too.
    expect(redactSecrets('owner sk&#95;live&#95;9f8e7d', {APOLLO_API_KEY: 'sk_live_9f8e7d'})).toBe('owner [REDACTED]')
  })
})
