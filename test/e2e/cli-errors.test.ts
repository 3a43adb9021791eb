// Errors as the user sees them from the real CLI (bin/run.js, built): JSON error documents whenever
// JSON was asked for, however it was spelled, and the emulator's bad flags, seeds and ports as one
// clear line with exit 1 and no stack.
import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import {createServer} from 'node:net'
import type {AddressInfo, Server} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {runCli} from '../helpers/run-cli.js'

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'seqsync-cli-errors-'))
})
afterAll(async () => {
  await rm(dir, {recursive: true, force: true})
})

/** A stack trace line, as Node prints them. */
const STACK = /\n\s+at /

describe('JSON error documents', () => {
  // No request is made: the manifests are checked before Apollo is read (the URL is a closed port).
  const env = {APOLLO_API_KEY: 'test-key-not-secret', SEQSYNC_API_URL: 'http://127.0.0.1:9/api/v1'}
  const invalid =
    'apiVersion: seqsync/v1\nkind: SequenceMembership\nsequence:\n  name: Q4\nmailbox: sdr@acme.com\ncontacts:\n  - not-an-email\n'

  it.each([[['-f', 'json']], [['-fjson']], [['--format=json']], [['--json']]])(
    'plan %j on an invalid manifest prints the error as JSON on stdout',
    async (flag) => {
      await writeFile(join(dir, 'm.yaml'), invalid)
      const res = await runCli(['plan', ...flag, 'm.yaml'], {cwd: dir, env})
      expect(res.code, res.stderr).toBe(1)
      const doc = JSON.parse(res.stdout) as {
        error: {code: string; issues: {file: string; line: number; code: string}[]}
      }
      expect(doc.error.code).toBe('MANIFEST_INVALID')
      expect(doc.error.issues).toMatchObject([{file: 'm.yaml', line: 7, code: 'invalid-email'}])
      expect(res.stderr).not.toContain('Error:')
    },
  )

  it('arguments oclif cannot parse give a USAGE document when JSON is asked for, text otherwise', async () => {
    const json = await runCli(['plan', '-f', 'json', '--nope'], {cwd: dir, env})
    expect(json.code).toBe(1)
    expect(JSON.parse(json.stdout)).toMatchObject({error: {code: 'USAGE', message: expect.stringMatching(/--nope/)}})
    const text = await runCli(['plan', '--nope'], {cwd: dir, env})
    expect(text.code).toBe(1)
    expect(text.stdout).toBe('')
    expect(text.stderr).toContain('Nonexistent flag: --nope')
  })
})

describe('seqsync emulator: bad input', () => {
  let busy: Server
  beforeAll(async () => {
    busy = createServer()
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve))
  })
  afterAll(async () => {
    await new Promise<void>((resolve) => busy.close(() => resolve()))
  })

  const seed = (contacts: unknown[]) => JSON.stringify({apiKeys: ['k'], emailAccounts: [], sequences: [], contacts})

  it.each<[string, () => Promise<string[]>, RegExp]>([
    [
      'a port already in use',
      () => Promise.resolve(['--port', String((busy.address() as AddressInfo).port)]),
      /cannot listen: .*EADDRINUSE/,
    ],
    ['a port that is not a number', () => Promise.resolve(['--port', 'abc']), /Expected an integer but received: abc/],
    [
      'a seed with the same contact twice',
      async () => {
        const file = join(dir, 'twice.json')
        await writeFile(
          file,
          seed([
            {id: 'c1', email: 'a@x.example'},
            {id: 'c1', email: 'a@x.example'},
          ]),
        )
        return ['--port', '0', '--seed', file]
      },
      /contact c1 already exists/,
    ],
    [
      'a seed that is not JSON',
      async () => {
        const file = join(dir, 'broken.json')
        await writeFile(file, '{"apiKeys": [')
        return ['--port', '0', '--seed', file]
      },
      /broken\.json is not valid JSON/,
    ],
    ['a seed that does not exist', () => Promise.resolve(['--port', '0', '--seed', join(dir, 'none.json')]), /ENOENT/],
    ['a bad --rate-limit', () => Promise.resolve(['--port', '0', '--rate-limit', '1,2']), /takes 3 comma-separated/],
  ])('%s: exit 1, one clear message, no stack', async (_what, args, message) => {
    const res = await runCli(['emulator', ...(await args())], {cwd: dir, timeoutMs: 20_000})
    expect(res.code, res.stdout).toBe(1)
    expect(res.stderr).toMatch(message)
    expect(res.stderr).not.toMatch(STACK)
    expect(res.stdout).not.toContain('listening')
  })
})
