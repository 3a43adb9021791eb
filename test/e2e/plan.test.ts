// `seqsync plan` end to end: the built CLI in a child process -> undici -> the emulator over loopback.
// Expected values come from reading examples/apollo-seed.json and the manifests by hand (README's
// decision table), not from seqsync's planner.
import {readFileSync} from 'node:fs'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {EmulatorSeed} from '../../src/emulator/types.js'
import {generateCase} from '../../scripts/bench/generate.js'
import {caseFiles} from '../../scripts/bench/harness.js'
import {readExampleSeed, readText, startE2eEnv, validateAgainstSchema} from '../helpers/e2e-env.js'
import type {E2eEnv, PlanJsonChange as JsonChange, PlanJsonSequence as JsonSequence} from '../helpers/e2e-env.js'

const SEQ = {
  enterprise: '66f0c1e2a4b5c6d7e8f90101',
  midMarket: '66f0c1e2a4b5c6d7e8f90102',
  smb: '66f0c1e2a4b5c6d7e8f90103',
  dormant: '66f0c1e2a4b5c6d7e8f90104',
  archived: '66f0c1e2a4b5c6d7e8f90106',
}

/** 1-based line of the first line of `file` (under examples/) containing `needle`. */
function exampleLine(file: string, needle: string): number {
  const lines = readFileSync(join(import.meta.dirname, '../../examples', file), 'utf8').split('\n')
  const i = lines.findIndex((l) => l.includes(needle))
  if (i < 0) throw new Error(`${needle} not in ${file}`)
  return i + 1
}

function sequenceOf(plan: {sequences: readonly JsonSequence[]}, id: string): JsonSequence {
  const s = plan.sequences.find((x) => x.id === id)
  if (!s) throw new Error(`sequence ${id} not in the plan`)
  return s
}

function changeFor(seq: JsonSequence, kind: string, email: string): JsonChange | undefined {
  return seq.changes.find((c) => c.kind === kind && c.email?.toLowerCase() === email.toLowerCase())
}

describe('seqsync plan against the examples', () => {
  let env: E2eEnv
  beforeAll(async () => {
    env = await startE2eEnv()
  })
  afterAll(async () => {
    await env?.close()
  })

  it('--json matches the plan worked out from the seed and the manifests, and the schema', async () => {
    const res = await env.cli(['plan', '--json'])
    expect(res.code, res.stderr).toBe(0)
    const plan = env.json(res)
    expect(validateAgainstSchema('plan.schema.json', plan)).toEqual([])
    expect(plan.summary).toEqual({add: 8, remove: 2, finish: 2, stop: 2, create: 2, skipsForecast: 0, skipsPossible: 0})
    expect(plan.planHash).toMatch(/^sha256:[0-9a-f]{64}$/)

    const ent = sequenceOf(plan, SEQ.enterprise)
    expect(ent.name).toBe('Q4 Enterprise Outreach')
    // tom.baker: active, undeclared, prune: remove -> remove from pruning (no source).
    expect(changeFor(ent, 'remove', 'tom.baker@hooli.example')).toMatchObject({
      contactId: '5f0d9de3a1b2c3d4e5f60003',
      source: null,
    })
    // eve.lin: paused, tombstoned in `removed`.
    expect(changeFor(ent, 'remove', 'eve.lin@vandelay.example')).toMatchObject({
      contactId: '5f0d9de3a1b2c3d4e5f60004',
      source: {file: 'sequences/enterprise.yaml', line: exampleLine('sequences/enterprise.yaml', 'eve.lin@')},
    })
    expect(changeFor(ent, 'add', 'priya.raman@cyberdyne.example')).toMatchObject({
      contactId: '5f0d9de3a1b2c3d4e5f60007',
      source: {file: 'sequences/enterprise.yaml', line: exampleLine('sequences/enterprise.yaml', 'priya.raman@')},
    })
    // Bo comes from the list: provenance is the list file, manifest spelling kept.
    expect(changeFor(ent, 'add', 'bo.nakamura@stark.example')).toMatchObject({
      contactId: '5f0d9de3a1b2c3d4e5f60006',
      email: 'Bo.Nakamura@stark.example',
      source: {
        file: 'sequences/lists/enterprise-champions.yaml',
        line: exampleLine('sequences/lists/enterprise-champions.yaml', 'Bo.Nakamura@'),
      },
    })
    // raj and mei do not exist: created (no contact id), then added.
    for (const email of ['raj.patel@globex.example', 'mei.chen@wonka.example']) {
      expect(changeFor(ent, 'create', email)).toMatchObject({contactId: null})
      expect(changeFor(ent, 'add', email)).toBeDefined()
    }
    // jane, ana: already active -> nothing. carl: finished -> warning only.
    expect(ent.changes.filter((c) => /jane\.cooper|ana\.silva|carl\.mendez/.test(c.email ?? ''))).toEqual([])
    expect(ent.warnings.map((w) => [w.code, w.contactId])).toContainEqual([
      'already-finished',
      '5f0d9de3a1b2c3d4e5f60005',
    ])
    expect(ent.changes).toHaveLength(8)

    const mid = sequenceOf(plan, SEQ.midMarket)
    expect(changeFor(mid, 'finish', 'omar.haddad@tyrell.example')).toMatchObject({
      contactId: '5f0d9de3a1b2c3d4e5f60011',
      source: {file: 'sequences/mid-market.yaml', line: exampleLine('sequences/mid-market.yaml', 'omar.haddad@')},
    })
    // sofia: paused + undeclared + prune: finish. kim: already finished -> nothing.
    expect(changeFor(mid, 'finish', 'sofia.rossi@oscorp.example')).toMatchObject({
      contactId: '5f0d9de3a1b2c3d4e5f60012',
      source: null,
    })
    expect(mid.changes.find((c) => c.contactId === '5f0d9de3a1b2c3d4e5f60014')).toBeUndefined()
    // nina declared by id.
    expect(mid.changes.find((c) => c.kind === 'add' && c.contactId === '5f0d9de3a1b2c3d4e5f60016')?.source?.line).toBe(
      exampleLine('sequences/mid-market.yaml', '5f0d9de3a1b2c3d4e5f60016'),
    )
    expect(mid.warnings.map((w) => [w.code, w.contactId])).toContainEqual(['member-failed', '5f0d9de3a1b2c3d4e5f60013'])

    const smb = sequenceOf(plan, SEQ.smb)
    expect(changeFor(smb, 'stop', 'hana.sato@monarch.example')?.source?.line).toBe(
      exampleLine('sequences/nurture.yaml', 'hana.sato@'),
    )
    expect(changeFor(smb, 'stop', 'ivan.petrov@bluth.example')).toMatchObject({source: null})
    // julia is paused: prune: stop leaves paused members alone.
    expect(smb.changes.find((c) => c.contactId === '5f0d9de3a1b2c3d4e5f60023')).toBeUndefined()

    const dormant = sequenceOf(plan, SEQ.dormant)
    expect(dormant.unmanaged).toBe(1)
    expect(dormant.changes.map((c) => [c.kind, c.contactId])).toEqual([['add', '5f0d9de3a1b2c3d4e5f60032']])
    expect(dormant.warnings.map((w) => w.code)).toContain('sequence-inactive')
  })

  it('text output ends with the plan line; --detailed-exitcode exits 2 with changes', async () => {
    const res = await env.cli(['plan', '--detailed-exitcode'])
    expect(res.code, res.stderr).toBe(2)
    expect(res.stdout.trimEnd().split('\n').at(-1)).toBe(
      'Plan: 8 to add, 2 to remove, 2 to finish, 2 to stop, 0 skips forecast.',
    )
    expect(res.stdout).toContain('Sequence "Q4 Enterprise Outreach"')
    expect(res.stdout).toMatch(/^\s*- tom\.baker@hooli\.example/m)
    expect(res.stdout).toMatch(/^\s*\+ priya\.raman@cyberdyne\.example {2}# sequences\/enterprise\.yaml:17/m)
    expect(res.stdout).toMatch(/^\s*~ omar\.haddad@tyrell\.example/m)
    expect(res.stdout).not.toContain('\u001b[')
  })

  it('--out writes a plan file without the API key; --markdown-out writes the PR comment', async () => {
    const res = await env.cli(['plan', '--out', 'plan.json', '--markdown-out', 'plan.md'])
    expect(res.code, res.stderr).toBe(0)
    const file = await readText(env.dir, 'plan.json')
    expect(file).not.toContain(env.env['APOLLO_API_KEY'])
    const parsed = JSON.parse(file)
    expect(parsed.planHash).toMatch(/^sha256:[0-9a-f]{64}$/)
    expect(parsed.apiHost).toContain('127.0.0.1')
    const md = await readText(env.dir, 'plan.md')
    expect(md).toContain('<!-- seqsync:plan -->')
    expect(md).toContain(parsed.planHash)
    expect(md).toContain('Plan: 8 to add, 2 to remove, 2 to finish, 2 to stop, 0 skips forecast.')
    expect(md).not.toContain(env.env['APOLLO_API_KEY'])
  })

  it('--format markdown prints the marker, a diff block per sequence and balanced fences', async () => {
    const res = await env.cli(['plan', '--format', 'markdown'])
    expect(res.code, res.stderr).toBe(0)
    expect(res.stdout.startsWith('<!-- seqsync:plan -->')).toBe(true)
    expect(res.stdout.match(/^```diff$/gm)).toHaveLength(4)
    expect((res.stdout.match(/^ {0,3}```/gm) ?? []).length % 2).toBe(0)
    expect(res.stdout).toContain('<details>')
  })

  it('--sequence restricts the plan to the named sequences', async () => {
    const res = await env.cli(['plan', '--json', '--sequence', 'SMB Trial Nurture', '--sequence', SEQ.midMarket])
    expect(res.code, res.stderr).toBe(0)
    const plan = env.json(res)
    expect(plan.sequences.map((s: JsonSequence) => s.id).sort()).toEqual([SEQ.midMarket, SEQ.smb])
    expect(plan.summary).toEqual({add: 3, remove: 0, finish: 2, stop: 2, create: 0, skipsForecast: 0, skipsPossible: 0})
  })

  it('--sequence also takes the Apollo id of a sequence declared by name, and the name of one pinned by id', async () => {
    const res = await env.cli(['plan', '--json', '--sequence', SEQ.smb, '--sequence', 'Mid-Market Follow-up'])
    expect(res.code, res.stderr).toBe(0)
    const plan = env.json(res)
    expect(plan.sequences.map((s: JsonSequence) => s.id).sort()).toEqual([SEQ.midMarket, SEQ.smb])
    const unknown = await env.cli(['plan', '--sequence', '66f0c1e2a4b5c6d7e8f90105', '--sequence', 'Nope'])
    expect(unknown.code).toBe(1)
    expect(unknown.stderr).toContain('"66f0c1e2a4b5c6d7e8f90105", "Nope" matches no managed sequence')
  })

  it('piped stdin is not taken for a PATH', async () => {
    const res = await env.cli(['plan', '--detailed-exitcode'], {input: 'sequences/nurture.yaml\n'})
    expect(res.code, res.stderr).toBe(2)
    expect(res.stdout).toContain('Plan: 8 to add, 2 to remove, 2 to finish, 2 to stop, 0 skips forecast.')
  })

  it('--mask-emails leaves no full email in any output format', async () => {
    for (const format of ['text', 'json', 'markdown']) {
      const res = await env.cli(['plan', '--mask-emails', '--format', format])
      expect(res.code, res.stderr).toBe(0)
      expect(res.stdout).toContain('p***@cyberdyne.example')
      for (const email of [
        'priya.raman@',
        'tom.baker@',
        'eve.lin@',
        'omar.haddad@',
        'Bo.Nakamura@',
        'leo.martin@',
        'zoe.quinn@',
      ]) {
        expect(res.stdout, `${format}: ${email}`).not.toContain(email)
        expect(res.stderr, `${format}: ${email}`).not.toContain(email)
      }
    }
  })
})

const HEAD = (seq: string, extra = '') =>
  `apiVersion: seqsync/v1\nkind: SequenceMembership\nsequence:\n  ${seq}\nmailbox: sdr@acme.example\nprune: none\n${extra}`

describe('seqsync plan refusals and forecasts', () => {
  it('an unknown sequence name exits 1 with the manifest file:line', async () => {
    const env = await startE2eEnv({
      files: {'m/a.yaml': HEAD('name: No Such Sequence', 'contacts:\n  - jane.cooper@umbrella.example\n')},
    })
    try {
      const res = await env.cli(['plan', 'm'])
      expect(res.code).toBe(1)
      expect(res.stderr).toContain('No Such Sequence')
      expect(res.stderr).toMatch(/m\/a\.yaml:3\b/)
    } finally {
      await env.close()
    }
  })

  it('an error naming Apollo data cannot drive the terminal: control characters are flattened', async () => {
    const seed = readExampleSeed()
    const [mailbox] = seed.emailAccounts
    if (!mailbox) throw new Error('the example seed has a mailbox')
    // An inactive mailbox whose email (Apollo data) carries an escape sequence and a line break.
    const hostile = {...mailbox, email: 'sdr\u001b[2J\u001b]0;pwned\u0007@acme.example\nError: forged', active: false}
    const env = await startE2eEnv({
      seed: {...seed, emailAccounts: [hostile, ...seed.emailAccounts.slice(1)]},
      files: {
        'm/a.yaml': HEAD('name: Q4 Enterprise Outreach', 'contacts: []\n').replace(
          'mailbox: sdr@acme.example',
          `mailbox: ${mailbox.id}`,
        ),
      },
    })
    try {
      const res = await env.cli(['plan', 'm'])
      expect(res.code).toBe(1)
      expect(res.stderr).toContain('is not active in Apollo')
      // eslint-disable-next-line no-control-regex -- the control characters are what is checked for
      expect(res.stderr).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/)
      expect(res.stderr.split('\n').filter((l) => l.startsWith('Error: forged'))).toEqual([])
    } finally {
      await env.close()
    }
  })

  it('validation warnings are shown even when the plan then fails', async () => {
    const emptyPrune = HEAD('name: No Such Sequence', 'contacts: []\n').replace('prune: none', 'prune: remove')
    const env = await startE2eEnv({files: {'m/a.yaml': emptyPrune}})
    try {
      const res = await env.cli(['plan', 'm'])
      expect(res.code).toBe(1)
      expect(res.stderr).toMatch(/m\/a\.yaml:\d+:\d+: warning: .*prune/)
      expect(res.stderr).toContain('No Such Sequence')
    } finally {
      await env.close()
    }
  })

  it('an archived sequence pinned by id exits 1', async () => {
    const env = await startE2eEnv({
      files: {'m/a.yaml': HEAD(`id: "${SEQ.archived}"`, 'contacts:\n  - jane.cooper@umbrella.example\n')},
    })
    try {
      const res = await env.cli(['plan', 'm'])
      expect(res.code).toBe(1)
      expect(res.stderr).toMatch(/archived/i)
      expect(res.stderr).toMatch(/m\/a\.yaml:\d+/)
    } finally {
      await env.close()
    }
  })

  it('missingContacts: error lists every missing email with its file:line', async () => {
    const manifest = HEAD(
      'name: Q4 Enterprise Outreach',
      'missingContacts: error\ncontacts:\n  - jane.cooper@umbrella.example\n  - ghost.one@nowhere.example\n  - ghost.two@nowhere.example\n',
    )
    const env = await startE2eEnv({files: {'m/a.yaml': manifest}})
    try {
      const res = await env.cli(['plan', 'm'])
      expect(res.code).toBe(1)
      expect(res.stderr).toMatch(
        /m\/a\.yaml:10\b[^\n]*ghost\.one@nowhere\.example|ghost\.one@nowhere\.example[^\n]*m\/a\.yaml:10\b/,
      )
      expect(res.stderr).toMatch(
        /m\/a\.yaml:11\b[^\n]*ghost\.two@nowhere\.example|ghost\.two@nowhere\.example[^\n]*m\/a\.yaml:11\b/,
      )
    } finally {
      await env.close()
    }
  })

  it('--mask-emails also masks the emails of plan errors, in text and in the JSON error document', async () => {
    const manifest = HEAD(
      'name: Q4 Enterprise Outreach',
      'missingContacts: error\ncontacts:\n  - jane.cooper@umbrella.example\n  - ghost.one@nowhere.example\n',
    )
    const env = await startE2eEnv({files: {'m/a.yaml': manifest}})
    try {
      for (const format of ['text', 'json']) {
        const res = await env.cli(['plan', 'm', '--mask-emails', '--format', format])
        expect(res.code).toBe(1)
        expect(res.stdout + res.stderr, format).toContain('g***@nowhere.example')
        expect(res.stdout + res.stderr, format).not.toContain('ghost.one@')
        expect(res.stdout + res.stderr, format).toMatch(/m\/a\.yaml:10\b/)
      }
    } finally {
      await env.close()
    }
  })

  it('an email that matches two Apollo contacts exits 1 naming both ids', async () => {
    const seed = readExampleSeed()
    const twin = {
      id: '5f0d9de3a1b2c3d4e5f60999',
      email: 'priya.raman@cyberdyne.example',
      first_name: 'Priya',
      last_name: 'Twin',
    }
    const env = await startE2eEnv({
      seed: {...seed, contacts: [...seed.contacts, twin]},
      files: {'m/a.yaml': HEAD('name: Q4 Enterprise Outreach', 'contacts:\n  - priya.raman@cyberdyne.example\n')},
    })
    try {
      const res = await env.cli(['plan', 'm'])
      expect(res.code).toBe(1)
      expect(res.stderr).toContain('5f0d9de3a1b2c3d4e5f60007')
      expect(res.stderr).toContain('5f0d9de3a1b2c3d4e5f60999')
      expect(res.stderr).toMatch(/m\/a\.yaml:8\b/)
    } finally {
      await env.close()
    }
  })

  it('forecast skips (active elsewhere, unverified, no email) are skip-forecast warnings', async () => {
    const manifest = HEAD(
      'name: Q4 Enterprise Outreach',
      'contacts:\n  - luis.ortega@pied-piper.example\n  - sam.taylor@contoso.example\n  - id: "5f0d9de3a1b2c3d4e5f60044"\n',
    )
    const env = await startE2eEnv({files: {'m/a.yaml': manifest}})
    try {
      const res = await env.cli(['plan', 'm', '--json'])
      expect(res.code, res.stderr).toBe(0)
      const plan = env.json(res)
      expect(validateAgainstSchema('plan.schema.json', plan)).toEqual([])
      expect(plan.summary).toMatchObject({add: 3, skipsForecast: 3})
      const ent = sequenceOf(plan, SEQ.enterprise)
      const skips = ent.warnings.filter((w) => w.code === 'skip-forecast')
      expect(skips.map((w) => w.contactId).sort()).toEqual([
        '5f0d9de3a1b2c3d4e5f60015',
        '5f0d9de3a1b2c3d4e5f60043',
        '5f0d9de3a1b2c3d4e5f60044',
      ])
      const text = await env.cli(['plan', 'm'])
      expect(text.stdout).toMatch(/, 3 skips forecast\.$/m)
    } finally {
      await env.close()
    }
  })

  it('without APOLLO_API_KEY: exit 1 with a clear message and no request', async () => {
    const env = await startE2eEnv()
    try {
      const res = await env.cli(['plan'], {env: {APOLLO_API_KEY: ''}})
      expect(res.code).toBe(1)
      expect(res.stderr).toContain('APOLLO_API_KEY is not set')
      expect(env.emulator.stats().requests).toEqual({})
    } finally {
      await env.close()
    }
  })

  it('a wrong key: exit 1 naming the 401, no stack trace, no key echoed', async () => {
    const env = await startE2eEnv()
    try {
      const res = await env.cli(['plan'], {env: {APOLLO_API_KEY: 'wrong-key-123456'}})
      expect(res.code).toBe(1)
      expect(res.stderr).toContain('401')
      expect(res.stderr).not.toMatch(/^\s+at /m)
      expect(res.stderr + res.stdout).not.toContain('wrong-key-123456')
    } finally {
      await env.close()
    }
  })

  it('an invalid manifest: exit 1 with file:line:col and not one request to Apollo', async () => {
    const env = await startE2eEnv({
      files: {'m/a.yaml': HEAD('name: Q4 Enterprise Outreach', 'prune: sometimes\ncontacts:\n  - not-an-email\n')},
    })
    try {
      const res = await env.cli(['plan', 'm'])
      expect(res.code).toBe(1)
      expect(res.stderr).toMatch(/m\/a\.yaml:\d+:\d+/)
      expect(env.emulator.stats().requests).toEqual({})
    } finally {
      await env.close()
    }
  })
})

describe('seqsync plan at scale and with hostile Apollo data', () => {
  it('20 sequences x 200 contacts, every prune mode: the --json counts equal the generated truth', async () => {
    const gen = generateCase({
      sequences: 20,
      contactsPerSequence: 200,
      drift: 0.1,
      seed: 11,
      pruneModes: ['remove', 'finish', 'stop', 'none'],
    })
    // Each prune mode left its mark: unmanaged members (none), and every kind of change.
    const expectations = Object.values(gen.expected.perSequence)
    expect(expectations.some((s) => s.unmanaged > 0)).toBe(true)
    for (const kind of ['add', 'remove', 'finish', 'stop'] as const)
      expect(gen.expected.summary[kind]).toBeGreaterThan(0)
    const env = await startE2eEnv({seed: gen.seed, files: caseFiles(gen)})
    try {
      const res = await env.cli(['plan', '--json'], {timeoutMs: 60_000})
      expect(res.code, res.stderr).toBe(0)
      const plan = env.json(res)
      expect(plan.summary).toEqual({...gen.expected.summary, create: 0, skipsForecast: 0, skipsPossible: 0})
      const perSequence = Object.fromEntries(
        plan.sequences.map((s: JsonSequence) => {
          const count = (k: string) => s.changes.filter((c) => c.kind === k).length
          return [
            s.name,
            {
              add: count('add'),
              remove: count('remove'),
              finish: count('finish'),
              stop: count('stop'),
              unmanaged: s.unmanaged,
            },
          ]
        }),
      )
      expect(perSequence).toEqual(gen.expected.perSequence)
    } finally {
      await env.close()
    }
  })

  it('markdown escapes hostile sequence names and contact data', async () => {
    const hostile = '<script>alert(1)</script> ``` @here | x'
    const seed: EmulatorSeed = {
      apiKeys: ['k-hostile'],
      emailAccounts: [{id: 'ab00000000000000000000aa', email: 'sdr@acme.example', active: true}],
      sequences: [{id: '5e0000000000000000000001', name: hostile, active: true}],
      contacts: [
        {id: 'c00000000000000000000001', email: 'jane@acme.example', first_name: '<img src=x>'},
        {
          id: 'c00000000000000000000002',
          email: 'x```@here.example',
          memberships: [
            {sequence_id: '5e0000000000000000000001', status: 'active', mailbox_id: 'ab00000000000000000000aa'},
          ],
        },
      ],
    }
    const manifest = `apiVersion: seqsync/v1\nkind: SequenceMembership\nsequence:\n  id: "5e0000000000000000000001"\nmailbox: sdr@acme.example\nprune: remove\ncontacts:\n  - jane@acme.example\n`
    const env = await startE2eEnv({seed, files: {'m/a.yaml': manifest}})
    try {
      const res = await env.cli(['plan', 'm', '--format', 'markdown', '--markdown-out', 'plan.md'])
      expect(res.code, res.stderr).toBe(0)
      const md = await readText(env.dir, 'plan.md')
      expect(md.trimEnd()).toBe(res.stdout.trimEnd())
      expect(md).toContain('<!-- seqsync:plan -->')
      expect(md).not.toContain('<script>')
      expect(md).not.toContain('<img')
      // No mention outside code blocks (inside a fenced block GitHub does not ping).
      const outsideCode = md.replace(/^```[^\n]*\n[\s\S]*?^```$/gm, '')
      expect(outsideCode).toContain('&#64;here')
      expect(outsideCode).not.toMatch(/@here/)
      // Every fence line opens or closes a block: an even number, and none carries Apollo data.
      const fences = md.match(/^ {0,3}```.*$/gm) ?? []
      expect(fences.length % 2).toBe(0)
      expect(fences.every((f) => /^```(diff)?$/.test(f.trim()))).toBe(true)
      expect(md).toContain('Plan: 1 to add, 1 to remove, 0 to finish, 0 to stop, 0 skips forecast.')
    } finally {
      await env.close()
    }
  })
})
