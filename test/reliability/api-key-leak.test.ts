// The API key must never appear in any output or file: run validate/plan/apply in every format,
// with --verbose, --out/--markdown-out files, DEBUG stacks, and the error paths (401, 5xx
// exhaustion, hourly quota, bad manifest), then scan stdout, stderr and every file written.
import {readdir, readFile, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {setUpCase} from '../helpers/gen-case.js'
import type {CaseFixture} from '../helpers/gen-case.js'
import {runCli} from '../helpers/run-cli.js'
import type {RunCliResult} from '../helpers/run-cli.js'

const KEY = 'sk-LEAKCHECK-4f2a9c7e1d5b'
const WRONG_KEY = 'sk-LEAKCHECK-wrong-9b8e7d6c'
// Fragments that betray a partial print (prefix/suffix) of either key.
const NEEDLES = [KEY, WRONG_KEY, '4f2a9c7e', '1d5b', 'wrong-9b8e', 'LEAKCHECK']

function findLeaks(text: string): string[] {
  return NEEDLES.filter((n) => text.includes(n))
}

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = []
  for (const entry of await readdir(dir, {withFileTypes: true})) {
    const full = join(dir, entry.name)
    if (entry.isDirectory()) out.push(...(await listFiles(full)))
    else out.push(full)
  }
  return out
}

describe('the API key never leaks', () => {
  let fx: CaseFixture
  const runs: {name: string; result: RunCliResult}[] = []
  const run = async (name: string, args: string[], env: NodeJS.ProcessEnv = fx.env): Promise<RunCliResult> => {
    const result = await runCli(args, {cwd: fx.dir, env, timeoutMs: 90_000})
    runs.push({name, result})
    return result
  }

  beforeAll(async () => {
    fx = await setUpCase(
      {sequences: 3, contactsPerSequence: 20, drift: 0.5, seed: 5, groupSize: 3},
      {apiKey: KEY, config: {batchSize: 4}},
    )
  })
  afterAll(async () => {
    await fx?.cleanup()
  })

  it('in no stdout, stderr or file, on success and error paths', async () => {
    const verbose = {...fx.env, DEBUG: '1'}
    const wrong = {...fx.env, APOLLO_API_KEY: WRONG_KEY, DEBUG: '1'}
    // Read-only runs, in parallel: every format, files, --verbose, DEBUG; and 401 with a key Apollo
    // does not know (it must not be echoed either).
    const readOnly = await Promise.all([
      run('validate', ['validate']),
      run('validate json', ['validate', '--format', 'json']),
      run('validate github', ['validate', '--format', 'github']),
      run('plan text verbose', ['plan', '--verbose'], verbose),
      run('plan json + files', ['plan', '--json', '--out', 'plan.json', '--markdown-out', 'plan.md', '--verbose']),
      run('plan markdown', ['plan', '--format', 'markdown', '--verbose']),
      run('401 text', ['plan', '--verbose'], wrong),
      run('401 json', ['plan', '--json', '--verbose'], wrong),
      run('401 apply', ['apply', '--auto-approve', '--format', 'json', '--verbose'], wrong),
    ])
    expect(readOnly.map((r) => r.code)).toEqual([0, 0, 0, 0, 0, 0, 1, 1, 1])
    // Writes: the saved plan, then plan-then-apply (nothing left), then a plan.
    const applied = await run(
      'apply plan file json',
      ['apply', 'plan.json', '--auto-approve', '--format', 'json', '--verbose'],
      verbose,
    )
    expect(applied.code, applied.stderr).toBe(0)
    expect((await run('apply text', ['apply', '--auto-approve', '--verbose'])).code).toBe(0)
    expect((await run('plan again, json', ['plan', '--json', '--verbose'])).code).toBe(0)

    // Hourly quota exhausted: a terminal 429.
    fx.emulator.setRateLimits({minute: null, hour: 0, day: null})
    expect((await run('quota', ['plan', '--verbose'], verbose)).code).toBe(1)
    fx.emulator.setRateLimits(null)

    // 5xx until the client gives up (reads fail every time).
    fx.emulator.setFaults({
      seed: 3,
      error500Before: 1,
      endpoints: ['contacts/search', 'emailer_campaigns/search', 'email_accounts'],
    })
    expect((await run('5xx exhaustion', ['plan', '--json', '--verbose'], verbose)).code).toBe(1)
    fx.emulator.setFaults(null)

    // A bad manifest (and one that tries to carry the key: it must be refused without echoing it).
    await writeFile(
      join(fx.dir, 'manifests', 'zz-bad.yaml'),
      'apiVersion: seqsync/v1\nkind: SequenceMembership\nsequence: [unclosed\n',
    )
    expect((await run('bad manifest validate', ['validate', '--format', 'github'])).code).toBe(1)
    expect((await run('bad manifest plan', ['plan', '--json'], verbose)).code).toBe(1)
    await writeFile(
      join(fx.dir, 'manifests', 'zz-bad.yaml'),
      `apiVersion: seqsync/v1\nkind: SequenceMembership\nsequence: {name: x}\nmailbox: a@b.co\napiKey: ${KEY}\ncontacts: [a@b.co]\n`,
    )
    const secretRun = await run('manifest with the key', ['validate'])
    expect(secretRun.code).toBe(1)
    // The manifest file itself contains the key (the user put it there); every OTHER file must not.
    await writeFile(join(fx.dir, 'manifests', 'zz-bad.yaml'), '')

    const leaks: string[] = []
    for (const {name, result} of runs) {
      const found = findLeaks(result.stdout + result.stderr)
      if (found.length > 0) leaks.push(`${name}: ${found.join(', ')}`)
    }
    const files = await listFiles(fx.dir)
    expect(files.some((f) => f.endsWith('plan.json'))).toBe(true)
    expect(files.some((f) => f.endsWith('plan.md'))).toBe(true)
    for (const file of files) {
      const found = findLeaks(await readFile(file, 'utf8'))
      if (found.length > 0) leaks.push(`${file}: ${found.join(', ')}`)
    }
    expect(leaks).toEqual([])
    // The error paths really were exercised (not passing for a trivial reason): they said why.
    const byName = new Map(runs.map((r) => [r.name, r.result]))
    expect(byName.get('401 text')?.stderr).toMatch(/401|key|unauthori[sz]ed/i)
    expect(byName.get('5xx exhaustion')?.stderr + (byName.get('5xx exhaustion')?.stdout ?? '')).toMatch(
      /500|5xx|server|unexpected/i,
    )
  }, 150_000)
})
