import {describe, expect, it} from 'vitest'
import {ApolloApiError, ManifestError, PlanError} from '../errors.js'
import {readMarkdown} from '../../test/helpers/markdown-structure.js'
import {describePlanFailure, renderPlanFailureMarkdown} from './plan-failure.js'
import {renderPlanFailureGithub} from './plan-github.js'

const BASE = 'https://github.com/acme/seq/blob/abc'

describe('a failed plan in the PR comment', () => {
  it('lists every plan problem with its linked file:line, then the hint', () => {
    const error = new PlanError(
      'Cannot plan: 2 problems',
      [
        {message: 'Mailbox <b>x</b> is unknown', source: {file: 'm/a.yaml', line: 5, col: 1}},
        {message: 'No Apollo contact has the email ghost@nowhere.com', source: null},
      ],
      {hint: 'Nothing was written to Apollo.'},
    )
    const md = renderPlanFailureMarkdown(describePlanFailure(error), {maskEmails: true, linkBase: BASE})
    const doc = readMarkdown(md)
    expect(doc.foreignHtml).toEqual([])
    expect(doc.headings).toEqual(['seqsync plan failed', 'Errors (2)'])
    expect(doc.links).toEqual([{href: `${BASE}/m/a.yaml#L5`, text: 'm/a.yaml:5:1'}])
    expect(md).toContain(
      '- Mailbox &lt;b&gt;x&lt;/b&gt; is unknown ([m/a.yaml:5:1](https://github.com/acme/seq/blob/abc/m/a.yaml#L5))',
    )
    expect(md).not.toContain('<b>')
    expect(md).not.toContain('ghost@')
    expect(md.trimEnd().endsWith('Hint: Nothing was written to Apollo.')).toBe(true)
  })

  it('keeps manifest warnings apart from errors and stays under the cap with thousands of issues', () => {
    const issues = Array.from({length: 5_000}, (_, i) => ({
      severity: i % 2 === 0 ? ('error' as const) : ('warning' as const),
      file: 'm/a.yaml',
      line: i + 1,
      col: 3,
      code: 'schema',
      message: `problem ${i}`,
    }))
    const failure = describePlanFailure(new ManifestError(issues))
    const md = renderPlanFailureMarkdown(failure, {maskEmails: false, maxChars: 10_000})
    expect(md.length).toBeLessThanOrEqual(10_000)
    expect(readMarkdown(md).headings.slice(0, 2)).toEqual(['seqsync plan failed', 'Errors (2500)'])
    expect(md).toMatch(/… \d+ more errors not shown; see the CI log\./)
    expect(
      renderPlanFailureGithub(failure)
        .split('\n')
        .filter((l) => l.startsWith('::error ')),
    ).toHaveLength(10)
  })

  it('says what failed when the error has no location (an API error)', () => {
    const error = new ApolloApiError({
      method: 'GET',
      path: '/email_accounts',
      status: 401,
      apolloMessage: 'Invalid API key',
    })
    const failure = describePlanFailure(error)
    expect(failure.items).toEqual([])
    expect(renderPlanFailureMarkdown(failure, {maskEmails: false})).toContain(
      'nothing was written to Apollo.** Apollo GET /email&#95;accounts failed: HTTP 401: Invalid API key',
    )
  })
})
