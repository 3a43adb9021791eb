// The pull-request side of plan and apply, end to end (built CLI -> undici -> emulator): the
// comment a reviewer reads (read back through a GFM renderer), a failed plan that still explains
// itself, `--format github`, output paths, and masking in apply.
import {existsSync} from 'node:fs'
import {readdir} from 'node:fs/promises'
import {join} from 'node:path'

import {describe, expect, it} from 'vitest'

import type {EmulatorSeed, SeedContact} from '../../src/emulator/types.js'
import {runnerCommands} from '../helpers/github-commands.js'
import {readExampleSeed, readText, startE2eEnv} from '../helpers/e2e-env.js'
import {readMarkdown} from '../helpers/markdown-structure.js'

const MAILBOX = {id: 'ab00000000000000000000aa', email: 'sdr@acme.example', active: true}
const BIG = '5e0000000000000000000001'
const SMALL = '5e0000000000000000000002'
const LINK_BASE = 'https://github.com/acme/sequences/blob/4f2e0c1d9b8a7f6e5d4c3b2a1f0e9d8c7b6a5f4e'

const doc = (name: string, body: string): string =>
  `apiVersion: seqsync/v1\nkind: SequenceMembership\nsequence:\n  name: ${name}\nmailbox: ${MAILBOX.email}\n${body}`

/** 1,500 adds into "Big", and two members tombstoned in "Small". */
function bigPlanCase(): {seed: EmulatorSeed; files: Record<string, string>} {
  const adds: SeedContact[] = Array.from({length: 1_500}, (_, i) => ({
    id: `c1${i.toString(16).padStart(22, '0')}`,
    email: `new${i}@acme.example`,
  }))
  const leaving: SeedContact[] = [0, 1].map((i) => ({
    id: `c2${i.toString(16).padStart(22, '0')}`,
    email: `leaving${i}@acme.example`,
    memberships: [{sequence_id: SMALL, status: 'active', mailbox_id: MAILBOX.id}],
  }))
  return {
    seed: {
      apiKeys: ['pr-key'],
      emailAccounts: [MAILBOX],
      sequences: [
        {id: BIG, name: 'Big', active: true},
        {id: SMALL, name: 'Small', active: true},
      ],
      contacts: [...adds, ...leaving],
    },
    files: {
      'seqsync.config.yaml': 'manifests:\n  - "sequences/*.yaml"\nsafety:\n  maxRemovals: 50\n',
      'sequences/a-big.yaml': doc('Big', `contacts:\n${adds.map((c) => `  - ${c.email}`).join('\n')}\n`),
      'sequences/b-small.yaml': doc('Small', 'removed:\n  - leaving0@acme.example\n  - leaving1@acme.example\n'),
    },
  }
}

describe('the PR comment', () => {
  it('puts the two removals behind 1,500 adds first, opens them, warns, and links each line to the head commit', async () => {
    const {seed, files} = bigPlanCase()
    const env = await startE2eEnv({seed, files})
    try {
      const res = await env.cli(['plan', '--markdown-out', 'plan.md'], {env: {SEQSYNC_LINK_BASE: LINK_BASE}})
      expect(res.code, res.stderr).toBe(0)
      const md = await readText(env.dir, 'plan.md')
      expect(md.length).toBeLessThanOrEqual(60_000)
      const comment = readMarkdown(md)
      expect(comment.foreignHtml).toEqual([])
      expect(comment.headings).toEqual(['seqsync plan'])
      expect(comment.text).toContain('[!WARNING]')
      expect(comment.text).toContain('This plan removes 2 contacts.')
      expect(comment.tables[0]).toEqual({
        header: ['Sequence', 'Remove', 'Add'],
        rows: [
          ['Big (5e0000000000000000000001)', '0', '1500'],
          ['Small (5e0000000000000000000002)', '2', '0'],
        ],
      })
      expect(comment.details.map((d) => [d.open, d.summary])).toEqual([
        [false, 'API cost'],
        [true, 'Small (5e0000000000000000000002): 2 to remove'],
        [false, 'Big (5e0000000000000000000001): 1500 to add'],
      ])
      expect(comment.code.find((c) => c.lang === 'diff')).toEqual({
        lang: 'diff',
        text: '- leaving0@acme.example  # sequences/b-small.yaml:7\n- leaving1@acme.example  # sequences/b-small.yaml:8',
      })
      // The adds are cut, with a note, and their count stays exact.
      expect(md).toMatch(/… \d+ more changes not shown; see the CI log\./)
      expect(comment.links.map((l) => l.href)).toEqual([
        `${LINK_BASE}/sequences/b-small.yaml#L3`,
        `${LINK_BASE}/sequences/a-big.yaml#L3`,
      ])

      const flag = await env.cli(['plan', '--format', 'markdown', '--link-base', `${LINK_BASE}/`])
      expect(flag.stdout).toContain(`](${LINK_BASE}/sequences/b-small.yaml#L3)`)
    } finally {
      await env.close()
    }
  })

  it('refuses a link base that is not plain https, before any request', async () => {
    const env = await startE2eEnv()
    try {
      for (const base of [
        'http://github.com/acme/x/blob/abc',
        'https://user:token@github.com/acme/x',
        'javascript:alert(1)',
      ]) {
        const res = await env.cli(['plan', '--format', 'markdown', '--link-base', base])
        expect(res.code).toBe(1)
        expect(res.stderr).toMatch(/^Error: --link-base \(or SEQSYNC_LINK_BASE\) is refused: /m)
        expect(res.stderr).not.toContain('token')
        expect(res.stderr).not.toMatch(/^\s+at /m)
      }
      expect(env.emulator.stats().requests).toEqual({})
    } finally {
      await env.close()
    }
  })

  it("a plan error in a file named like a workflow command runs no command in the job's log", async () => {
    const manifest = doc('Q4 Enterprise Outreach', 'contacts:\n  - jane.cooper@umbrella.example\n').replace(
      `mailbox: ${MAILBOX.email}`,
      'mailbox: nobody@acme.example',
    )
    const env = await startE2eEnv({files: {'::warning::pwned.yaml': manifest}})
    try {
      for (const format of ['text', 'github']) {
        const res = await env.cli(['plan', '::warning::pwned.yaml', '--format', format])
        expect(res.code).toBe(1)
        expect(res.stderr).toMatch(/^\.\/::warning::pwned\.yaml:\d+:\d+: error: /m)
        const commands = runnerCommands(res.stdout + res.stderr)
        expect(commands.filter((c) => c.command === 'warning' && c.properties === '')).toEqual([])
      }
    } finally {
      await env.close()
    }
  })

  it('a failed plan still writes the comment, with every error and its file:line, and GitHub annotations', async () => {
    const manifest = doc(
      'Q4 Enterprise Outreach',
      'contacts:\n  - jane.cooper@umbrella.example\n  - ghost.one@nowhere.example\n  - ghost.two@nowhere.example\n',
    ).replace(`mailbox: ${MAILBOX.email}`, 'mailbox: nobody@acme.example')
    const env = await startE2eEnv({files: {'m/a.yaml': manifest}})
    try {
      const res = await env.cli([
        'plan',
        'm',
        '--format',
        'markdown',
        '--markdown-out',
        'plan.md',
        '--link-base',
        LINK_BASE,
      ])
      expect(res.code).toBe(1)
      const md = await readText(env.dir, 'plan.md')
      expect(md.trimEnd()).toBe(res.stdout.trimEnd())
      const comment = readMarkdown(md)
      expect(comment.foreignHtml).toEqual([])
      expect(md.startsWith('<!-- seqsync:plan -->\n')).toBe(true)
      expect(comment.headings).toEqual(['seqsync plan failed', 'Errors (3)'])
      expect(comment.text).toContain('The plan could not be made; nothing was written to Apollo.')
      expect(comment.links.map((l) => [l.text, l.href])).toEqual([
        ['m/a.yaml:5:1', `${LINK_BASE}/m/a.yaml#L5`],
        ['m/a.yaml:8:5', `${LINK_BASE}/m/a.yaml#L8`],
        ['m/a.yaml:9:5', `${LINK_BASE}/m/a.yaml#L9`],
      ])
      expect(comment.text).toContain('Mailbox nobody@acme.example is not an Apollo email account')
      expect(comment.text).toContain('No Apollo contact has the email ghost.two@nowhere.example')
      // stderr still carries the usual error lines.
      expect(res.stderr).toContain('Error: Cannot plan: 3 problems')

      const github = await env.cli(['plan', 'm', '--format', 'github'])
      expect(github.code).toBe(1)
      expect(github.stdout.split('\n').filter((l) => l.startsWith('::error '))).toEqual([
        expect.stringMatching(/^::error file=m\/a\.yaml,line=5,col=1::Mailbox nobody@acme\.example /),
        expect.stringMatching(/^::error file=m\/a\.yaml,line=8,col=5::No Apollo contact has the email ghost\.one@/),
        expect.stringMatching(/^::error file=m\/a\.yaml,line=9,col=5::No Apollo contact has the email ghost\.two@/),
      ])
    } finally {
      await env.close()
    }
  })

  it('an invalid manifest fails with its file:line:col in the comment, without reading Apollo', async () => {
    const env = await startE2eEnv({files: {'m/a.yaml': doc('X', 'prune: sometimes\ncontacts:\n  - not-an-email\n')}})
    try {
      const res = await env.cli(['plan', 'm', '--markdown-out', 'plan.md'])
      expect(res.code).toBe(1)
      const comment = readMarkdown(await readText(env.dir, 'plan.md'))
      expect(comment.headings[0]).toBe('seqsync plan failed')
      expect(comment.text).toMatch(/m\/a\.yaml:6:\d+/)
      expect(comment.text).toMatch(/m\/a\.yaml:8:\d+/)
      expect(env.emulator.stats().requests).toEqual({})
    } finally {
      await env.close()
    }
  })

  it('a failed plan with --format markdown and --markdown-out prints the comment it writes', async () => {
    const env = await startE2eEnv({files: {'m/a.yaml': doc('X', 'prune: sometimes\ncontacts:\n  - not-an-email\n')}})
    try {
      const res = await env.cli(['plan', 'm', '--format', 'markdown', '--markdown-out', 'plan.md'])
      expect(res.code).toBe(1)
      const written = await readText(env.dir, 'plan.md')
      expect(readMarkdown(written).headings[0]).toBe('seqsync plan failed')
      expect(written).toMatch(/m\/a\.yaml:6:\d+/)
      expect(res.stdout.trimEnd()).toBe(written.trimEnd())
    } finally {
      await env.close()
    }
  })

  it('--format github annotates plan warnings at their manifest line, then prints the plan', async () => {
    const env = await startE2eEnv()
    try {
      const res = await env.cli(['plan', '--format', 'github'])
      expect(res.code, res.stderr).toBe(0)
      const lines = res.stdout.split('\n')
      expect(lines).toContain(
        '::warning file=sequences/enterprise.yaml,line=16,col=5::Sequence "Q4 Enterprise Outreach": carl.mendez@soylent.example: already finished in this sequence: Apollo cannot re-enroll it',
      )
      expect(lines.filter((l) => l.startsWith('::warning ')).length).toBeLessThanOrEqual(10)
      expect(lines.find((l) => !l.startsWith('::'))).toMatch(/^Target: /)
      expect(lines[lines.findIndex((l) => l.startsWith('Target: ')) - 1]).toMatch(/^::stop-commands::[0-9a-f]{64}$/)
      // The plan text (Apollo's names and emails) is fenced off: the runner runs the annotations only.
      const end = res.stdout.trimEnd().split('\n')
      expect(end.at(-2)).toBe('Plan: 8 to add, 2 to remove, 2 to finish, 2 to stop, 0 skips forecast.')
      expect(end.at(-1)).toMatch(/^::[0-9a-f]{64}::$/)
      expect(new Set(runnerCommands(res.stdout).map((c) => c.command))).toEqual(new Set(['warning']))
    } finally {
      await env.close()
    }
  })

  it('--markdown-out goes through the filter stdout goes through: no API key, no unmasked email', async () => {
    // Apollo data that carries the key and an email (here the key owner's name): shown in the target line.
    const seed = readExampleSeed()
    const key = seed.apiKeys[0]!
    const [user] = seed.users ?? []
    if (user === undefined) throw new Error('the example seed has a user')
    const env = await startE2eEnv({
      seed: {...seed, users: [{...user, first_name: `Ops ${key}`, last_name: 'x.y@z.example'}]},
    })
    try {
      const res = await env.cli(['plan', '--markdown-out', 'plan.md', '--mask-emails'])
      expect(res.code, res.stderr).toBe(0)
      expect(res.stdout).toContain('key owner Ops [REDACTED]')
      const md = await readText(env.dir, 'plan.md')
      expect(md).toContain('key owner Ops [REDACTED]')
      for (const out of [res.stdout, md]) {
        expect(out).not.toContain(key)
        expect(out).not.toContain('x.y@')
      }
    } finally {
      await env.close()
    }
  })

  it('--out and --markdown-out into a missing directory: exit 1, a clear message, no file, no request', async () => {
    const env = await startE2eEnv()
    try {
      for (const flag of ['--out', '--markdown-out']) {
        const res = await env.cli(['plan', flag, 'missing/dir/plan.out'])
        expect(res.code).toBe(1)
        expect(res.stderr).toContain(
          'Error: Cannot write missing/dir/plan.out: the directory missing/dir does not exist',
        )
        expect(res.stderr).not.toContain('unexpected error')
        expect(res.stderr).not.toContain('ENOENT')
      }
      const dirAsFile = await env.cli(['plan', '--out', 'sequences'])
      expect(dirAsFile.code).toBe(1)
      expect(dirAsFile.stderr).toContain('Error: Cannot write sequences: it is a directory')
      expect(existsSync(join(env.dir, 'missing'))).toBe(false)
      expect((await readdir(env.dir)).filter((f) => f.endsWith('.tmp'))).toEqual([])
      expect(env.emulator.stats().requests).toEqual({})
    } finally {
      await env.close()
    }
  })
})

describe('apply --mask-emails', () => {
  const EMAILS = [
    'priya.raman@',
    'tom.baker@',
    'eve.lin@',
    'omar.haddad@',
    'sofia.rossi@',
    'ivan.petrov@',
    'leo.martin@',
    'olivia.reyes@',
  ]

  it('masks every email of the plan, progress, report and target, in text and JSON, by flag or by config', async () => {
    const env = await startE2eEnv()
    try {
      const text = await env.cli(['apply', '--auto-approve', '--mask-emails'])
      expect(text.code, text.stderr).toBe(0)
      expect(text.stdout).toContain('- t***@hooli.example  # pruned: not declared in the manifest')
      expect(text.stdout).toContain('1 unmanaged member (prune: none): l***@gekko.example')
      for (const email of EMAILS) {
        expect(text.stdout, email).not.toContain(email)
        expect(text.stderr, email).not.toContain(email)
      }
    } finally {
      await env.close()
    }
    const configured = await startE2eEnv({
      files: {'seqsync.config.yaml': "manifests:\n  - 'sequences/**/*.yaml'\nmaskEmails: true\n"},
      copyExamples: true,
    })
    try {
      const json = await configured.cli(['apply', '--auto-approve', '--json'])
      expect(json.code, json.stderr).toBe(0)
      const report = configured.json<{
        target: {keyOwner: {email: string}}
        sequences: {applied: {email: string | null}[]}[]
      }>(json)
      expect(report.target.keyOwner.email).toBe('o***@acme.example')
      expect(report.sequences.flatMap((s) => s.applied.map((a) => a.email))).toContain('t***@hooli.example')
      for (const email of EMAILS) expect(json.stdout + json.stderr, email).not.toContain(email)
    } finally {
      await configured.close()
    }
  })
})
