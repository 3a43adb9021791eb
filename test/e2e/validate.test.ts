// `seqsync validate` through the real process (build first: `npm run build`; `npm test` does it).
import {existsSync, readdirSync} from 'node:fs'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {lines, sequenceManifest, tempTree} from '../helpers/manifest-files.js'
import {runnerCommands} from '../helpers/github-commands.js'
import {REPO_ROOT, runCli} from '../helpers/run-cli.js'

const seq = sequenceManifest
const GOOD = {
  'sequences/q4.yaml': seq(
    'Q4',
    'contacts:',
    '  - jane@acme.com',
    '  - list: champs',
    'finished:',
    '  - carol@acme.com',
  ),
  'sequences/lists.yaml': lines(
    'apiVersion: seqsync/v1',
    'kind: ContactList',
    'name: champs',
    'contacts:',
    '  - ana@umbrella.com',
    '  - bo@stark.com',
  ),
  'seqsync.config.yaml': 'manifests: ["sequences/**/*.yaml"]\n',
}

function expectNoStack(out: string): void {
  expect(out).not.toMatch(/\n\s+at .+:\d+:\d+/)
}

describe('seqsync validate (e2e)', () => {
  it('validates the config globs: exit 0 with a summary', async () => {
    const cwd = tempTree(GOOD)
    const result = await runCli(['validate'], {cwd})
    expect(result.stdout).toBe('OK: 2 files, 1 sequence, 4 contacts\n')
    expect(result.code).toBe(0)
  })

  it('reports every error class with exact FILE:LINE:COL and exits 1', async () => {
    const cwd = tempTree({
      ...GOOD,
      'sequences/bad.yaml': lines(
        'apiVersion: seqsync/v1',
        'kind: SequenceMembership',
        'sequence:',
        '  name: Q4',
        'mailbox: sdr@acme.com',
        'prune: sometimes',
        'contacts:',
        '  - jane@acme',
        '  - list: champ',
        '  - dup@x.com',
        'finished:',
        '  - DUP@x.com',
        'contact: []',
      ),
      'sequences/syntax.yaml': 'apiVersion: seqsync/v1\nkind: [ContactList\n',
      'sequences/dupkey.yaml': lines('apiVersion: seqsync/v1', 'kind: ContactList', 'name: a', 'name: b'),
      'sequences/kind.yaml': lines('apiVersion: seqsync/v2', 'kind: SequenceMembershp'),
      'sequences/q4b.yaml': seq('Q4'),
      'sequences/list2.yaml': lines('apiVersion: seqsync/v1', 'kind: ContactList', 'name: champs'),
      'sequences/secret.yaml': lines(
        'apiVersion: seqsync/v1',
        'kind: ContactList',
        'name: s',
        // A fake credential, assembled so that secret scanners do not flag the test itself.
        `api_key: ${'Xy7kPq2LmN9v' + 'Rt4WzA8bC3dE'}`,
      ),
    })
    const result = await runCli(['validate'], {cwd})
    expect(result.code).toBe(1)
    expect(result.stdout).toBe(
      lines(
        'sequences/bad.yaml:6:8: error: prune must be one of none, remove, finish, stop (got "sometimes")',
        'sequences/bad.yaml:8:5: error: malformed email "jane@acme"',
        // All at once: the schema errors of bad.yaml do not hide its other errors.
        'sequences/bad.yaml:9:5: error: unknown list "champ"; did you mean "champs"?',
        'sequences/bad.yaml:12:5: error: "DUP@x.com" is declared twice for sequence "Q4": in contacts at sequences/bad.yaml:10:5 and in finished at sequences/bad.yaml:12:5',
        'sequences/bad.yaml:13:1: error: unknown key "contact"; did you mean "contacts"?',
        'sequences/dupkey.yaml:4:1: error: duplicate key: map keys must be unique',
        'sequences/kind.yaml:1:13: error: unknown apiVersion "seqsync/v2"; did you mean seqsync/v1?',
        'sequences/kind.yaml:2:7: error: unknown kind "SequenceMembershp"; did you mean SequenceMembership?',
        'sequences/lists.yaml:3:7: error: ContactList "champs" is already declared at sequences/list2.yaml:3:7',
        'sequences/q4.yaml:3:1: error: sequence "Q4" is already managed by the manifest at sequences/bad.yaml:3:1',
        'sequences/q4b.yaml:3:1: error: sequence "Q4" is already managed by the manifest at sequences/bad.yaml:3:1',
        'sequences/secret.yaml:4:1: error: key "api_key" looks like a credential; secrets must not be stored in manifests (the Apollo API key belongs only in the APOLLO_API_KEY environment variable, never in a file)',
        'sequences/syntax.yaml:3:1: error: YAML syntax error: Flow sequence in block collection must be sufficiently indented and end with a ]',
        '13 errors, 0 warnings in 9 files',
      ),
    )
    expect(result.stdout + result.stderr).not.toContain('Xy7kPq2LmN9vRt4WzA8bC3dE')
  })

  it('a duplicate key or a broken list hides no other error, and raises no spurious one', async () => {
    const cwd = tempTree({
      'q4.yaml': seq(
        'Q4',
        'prune: sometimes',
        'contacts:',
        '  - list: schema-broken',
        '  - list: yaml-broken',
        '  - list: nowhere',
        '  - a@x.com',
        '  - A@x.com',
        'mailbox: other@acme.com',
      ),
      'lists.yaml': lines(
        'apiVersion: seqsync/v1',
        'kind: ContactList',
        'name: schema-broken',
        'contacts:',
        '  - not-an-email',
        '  - b@x.com',
        '---',
        'apiVersion: seqsync/v1',
        'kind: ContactList',
        'name: yaml-broken',
        'contacts: [c@x.com',
      ),
    })
    const result = await runCli(['validate', '.'], {cwd})
    expect(result.stdout).toBe(
      lines(
        'lists.yaml:5:5: error: malformed email "not-an-email"',
        'lists.yaml:12:1: error: YAML syntax error: Flow sequence in block collection must be sufficiently indented and end with a ]',
        'q4.yaml:6:8: error: prune must be one of none, remove, finish, stop (got "sometimes")',
        'q4.yaml:10:5: error: unknown list "nowhere"',
        'q4.yaml:12:5: error: "A@x.com" is declared twice for sequence "Q4": in contacts at q4.yaml:11:5 and in contacts at q4.yaml:12:5',
        'q4.yaml:13:1: error: duplicate key: map keys must be unique',
        '6 errors, 0 warnings in 2 files',
      ),
    )
    expect(result.code).toBe(1)
  })

  it('reports duplicates and unknown lists inside one sequence', async () => {
    const cwd = tempTree({
      'a.yaml': seq('A', 'contacts:', '  - list: champ', '  - dup@x.com', 'finished:', '  - DUP@x.com'),
    })
    const result = await runCli(['validate', 'a.yaml'], {cwd})
    expect(result.stdout).toBe(
      lines(
        'a.yaml:7:5: error: unknown list "champ"',
        'a.yaml:10:5: error: "DUP@x.com" is declared twice for sequence "A": in contacts at a.yaml:8:5 and in finished at a.yaml:10:5',
        '2 errors, 0 warnings in 1 file',
      ),
    )
    expect(result.code).toBe(1)
  })

  it('exits 0 with warnings only', async () => {
    const cwd = tempTree({
      'a.yaml': seq('A', 'prune: remove'),
      'b.yaml': seq('B', 'contacts:', '  - x@y.com'),
      'c.yaml': seq('C', 'contacts:', '  - X@y.com'),
    })
    const result = await runCli(['validate', '.'], {cwd})
    expect(result.stdout).toBe(
      lines(
        'a.yaml:6:1: warning: prune: remove with an empty contacts list will remove every live member of sequence "A"',
        'c.yaml:7:5: warning: "X@y.com" is also in contacts of sequence "B" (b.yaml:7:5); Apollo will skip adding it here while it is active there unless enroll.activeInOtherSequences is true',
        'OK: 3 files, 3 sequences, 1 contact (2 warnings)',
      ),
    )
    expect(result.code).toBe(0)
  })

  it('prints the JSON document with --format json and --json', async () => {
    const cwd = tempTree({'a.yaml': seq('A', 'contacts:', '  - bad@', '  - bad@')})
    const result = await runCli(['validate', 'a.yaml', '--format', 'json'], {cwd})
    expect(result.code).toBe(1)
    const doc = JSON.parse(result.stdout)
    expect(doc).toMatchObject({formatVersion: 1, valid: false, files: ['a.yaml']})
    expect(doc.issues).toEqual([
      {
        severity: 'error',
        file: 'a.yaml',
        line: 7,
        col: 5,
        code: 'invalid-email',
        message: 'malformed email "bad@"',
        related: [],
      },
      {
        severity: 'error',
        file: 'a.yaml',
        line: 8,
        col: 5,
        code: 'invalid-email',
        message: 'malformed email "bad@"',
        related: [],
      },
    ])
    const short = await runCli(['validate', 'a.yaml', '--json'], {cwd})
    expect(short.stdout).toBe(result.stdout)
    const ok = JSON.parse((await runCli(['validate', '--json'], {cwd: tempTree(GOOD)})).stdout)
    expect(ok).toMatchObject({valid: true, issues: [], summary: {sequences: 1, contacts: 4}})
  })

  it('prints GitHub annotations with --format github (at most 10 per severity)', async () => {
    const files: Record<string, string> = {}
    for (let i = 0; i < 12; i++) files[`f${String(i).padStart(2, '0')}.yaml`] = 'kind: [\n'
    const cwd = tempTree(files)
    const result = await runCli(['validate', '.', '--format', 'github'], {cwd})
    expect(result.code).toBe(1)
    const out = result.stdout.split('\n')
    expect(out[0]).toMatch(/^::error file=f00\.yaml,line=2,col=1::YAML syntax error: /)
    expect(out.filter((l) => l.startsWith('::error '))).toHaveLength(10)
    expect(out).toContain('::notice::2 more errors; see the log below')
    expect(out).toContain('12 errors, 0 warnings in 12 files')
  })

  it('a file named to forge workflow commands or drive the terminal does neither', async () => {
    const hostile = 'x\n::error::pwned\u001b[2J.yaml'
    const cwd = tempTree({[hostile]: seq('Q4', 'contacts:', '  - jane@acme'), '::warning::b.yaml': 'kind: [\n'})
    for (const format of ['text', 'github']) {
      const result = await runCli(['validate', '.', '--format', format], {cwd})
      expect(result.code).toBe(1)
      const out = result.stdout + result.stderr
      expect(out).not.toContain('\u001b')
      expect(out).toContain('x ::error::pwned [2J.yaml:7:5: error: ')
      expect(out).toContain('./::warning::b.yaml:2:1: error: YAML syntax error')
      // Under GitHub Actions the runner runs exactly the two annotations seqsync wrote.
      const commands = runnerCommands(out)
      if (format === 'text') expect(commands).toEqual([])
      else {
        expect(commands.map((c) => `${c.command} ${c.properties}`)).toEqual([
          'error file=%3A%3Awarning%3A%3Ab.yaml,line=2,col=1',
          'error file=x %3A%3Aerror%3A%3Apwned [2J.yaml,line=7,col=5',
        ])
      }
    }
  })

  it('handles huge, binary, non-UTF-8, alias-bomb and deeply nested files without a stack trace', async () => {
    const bomb = lines(
      'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
      ...'bcdefghi'.split('').map((c, i) => `${c}: &${c} [${Array(9).fill(`*${'abcdefgh'[i]}`).join(',')}]`),
    )
    const cwd = tempTree({
      'huge.yaml': Buffer.alloc(6 * 1024 * 1024, 0x61),
      'binary.yaml': Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x01]),
      'latin1.yaml': Buffer.from([0x6e, 0x61, 0x6d, 0x65, 0x3a, 0x20, 0xe9, 0x0a]),
      'bomb.yaml': bomb,
      'deep.yaml': 'a: ' + '['.repeat(200_000),
    })
    // Named explicitly: a directory walk would skip bomb.yaml and deep.yaml (no apiVersion, no kind).
    const named = ['huge.yaml', 'binary.yaml', 'latin1.yaml', 'bomb.yaml', 'deep.yaml']
    const result = await runCli(['validate', ...named], {cwd, timeoutMs: 20_000})
    expect(result.code).toBe(1)
    const out = result.stdout.split('\n')
    expect(out).toContain(
      'binary.yaml:1:5: error: binary file (contains a NUL byte); manifests must be UTF-8 YAML text',
    )
    expect(out).toContain(
      'bomb.yaml:2:8: error: YAML aliases (*name) are not allowed in seqsync files; write the value out',
    )
    expect(out).toContain('deep.yaml:1:36: error: nesting deeper than 32 levels (or indentation over 128 spaces)')
    expect(out).toContain(
      'huge.yaml:1:1: error: file is 6.0 MB; manifests are limited to 5 MB (split it into several files)',
    )
    expect(out).toContain(
      'latin1.yaml:1:7: error: file is not valid UTF-8 (invalid byte at offset 6); save it as UTF-8',
    )
    expectNoStack(result.stdout + result.stderr)
  })

  // How fast is measured by `npm run bench` (validate of 2,000 files), not here.
  it('validates a directory of 2,000 small files', async () => {
    const files: Record<string, string> = {}
    for (let i = 0; i < 2000; i++) {
      files[`many/d${i % 20}/s${i}.yaml`] = seq(`S${i}`, 'contacts:', `  - c${i}@x.com`, `  - d${i}@x.com`)
    }
    const cwd = tempTree(files)
    const result = await runCli(['validate', 'many'], {cwd, timeoutMs: 60_000})
    expect(result.stdout).toBe('OK: 2000 files, 2000 sequences, 4000 contacts\n')
    expect(result.code).toBe(0)
  })

  it('fails cleanly on bad usage and bad config, with no stack', async () => {
    const noInput = await runCli(['validate'], {cwd: tempTree({})})
    expect(noInput.code).toBe(1)
    expect(noInput.stderr).toContain('Error: no manifests to read')
    const badFlag = await runCli(['validate', '--nope'], {cwd: tempTree({})})
    expect(badFlag.code).toBe(1)
    expect(badFlag.stderr).toContain('Nonexistent flag: --nope')
    const badFormat = await runCli(['validate', '--format', 'xml'], {cwd: tempTree({})})
    expect(badFormat.code).toBe(1)
    const cfg = await runCli(['validate'], {cwd: tempTree({'seqsync.config.yaml': 'batchSize: 0\ntoken: abc\n'})})
    expect(cfg.code).toBe(1)
    expect(cfg.stderr).toBe(
      lines(
        'seqsync.config.yaml:1:12: error: batchSize must be >= 1',
        'seqsync.config.yaml:2:1: error: key "token" looks like a credential; secrets must not be stored in config files (the Apollo API key belongs only in the APOLLO_API_KEY environment variable, never in a file)',
        'Error: invalid config file seqsync.config.yaml',
      ),
    )
    const js = await runCli(['validate', '--config', 'seqsync.config.js'], {
      cwd: tempTree({'seqsync.config.js': 'process.exit(7)'}),
    })
    expect(js.code).toBe(1)
    expect(js.stderr).toContain('refusing to load seqsync.config.js')
    for (const r of [noInput, badFlag, cfg, js]) expectNoStack(r.stderr)
  })

  it('never prints the API key, even when it appears in a manifest', async () => {
    const key = 'plainkeyvalue1'
    const cwd = tempTree({'a.yaml': seq('A', 'contacts:', `  - ${key}`)})
    const result = await runCli(['validate', 'a.yaml'], {cwd, env: {APOLLO_API_KEY: key}})
    expect(result.code).toBe(1)
    expect(result.stdout).toContain('malformed email "[REDACTED]"')
    expect(result.stdout + result.stderr).not.toContain(key)
  })

  it('shows help with examples', async () => {
    const result = await runCli(['validate', '--help'])
    expect(result.code).toBe(0)
    expect(result.stdout).toContain('seqsync validate --format github')
    expect(result.stdout).toContain('--[no-]color')
  })

  const examples = path.join(REPO_ROOT, 'examples')
  const exampleFiles = existsSync(examples)
    ? readdirSync(examples, {recursive: true})
        .map(String)
        .filter((f) => /\.ya?ml$/.test(f))
    : []
  it.skipIf(exampleFiles.length === 0)('every examples/ manifest validates clean', async () => {
    // examples/ has its own seqsync.config.yaml whose globs select the manifests.
    const result = await runCli(['validate'], {cwd: examples})
    expect(result.stdout).toMatch(/^OK: \d+ files?, \d+ sequences?, \d+ contacts?\n$/)
    expect(result.code).toBe(0)
  })
})
