// What a reviewer is told, end to end (built CLI -> undici -> emulator): forecasts that say how
// sure they are, warnings that stay readable at scale, a tombstone loop that closes, pruneScope,
// the target header. The PR comment and masking have their own file (pr-comment.test.ts).
import {writeFile} from 'node:fs/promises'
import {join} from 'node:path'

import {describe, expect, it} from 'vitest'

import type {EmulatorSeed, SeedContact} from '../../src/emulator/types.js'
import {membersOf, readText, startE2eEnv, validateAgainstSchema} from '../helpers/e2e-env.js'
import type {ApplyReportJson, PlanJson} from '../helpers/e2e-env.js'

const MAILBOX = {
  id: 'ab00000000000000000000aa',
  email: 'sdr@acme.example',
  active: true,
  user_id: 'a5e100000000000000000001',
}
const KEY_USER = {id: 'a5e100000000000000000001', email: 'ops@acme.example', first_name: 'Ops', last_name: 'Bot'}
const REP_USER = {id: 'a5e100000000000000000002', email: 'rep@acme.example', first_name: 'Rita', last_name: 'Rep'}
const OTHER_SEQ = '5e00000000000000000000ff'

const seqId = (i: number): string => `5e${i.toString(16).padStart(22, '0')}`
const contactId = (i: number): string => `c0${i.toString(16).padStart(22, '0')}`

function membershipDoc(name: string, body: string): string {
  return `apiVersion: seqsync/v1\nkind: SequenceMembership\nsequence:\n  name: ${name}\nmailbox: ${MAILBOX.email}\n${body}`
}

interface PlannedAdd {
  readonly definite: boolean
  readonly possible: boolean
}

/**
 * A generated account where the old forecast overclaimed: organisations shared by several contacts
 * (some already in the sequences), contacts the plan creates, and email statuses Apollo does not
 * document, next to the documented cases (unverified, no email, active/finished elsewhere).
 * `definite`: the adds a documented rule skips on data the seed holds (`sequenceId/email-or-id`),
 * worked out here, independently of the planner.
 */
function forecastCase(): {seed: EmulatorSeed; files: Record<string, string>; definite: Set<string>} {
  const statuses = ['verified', 'verified', 'verified', 'unverified', 'guessed', 'unavailable', null] as const
  const contacts: SeedContact[] = []
  const sequences = [0, 1, 2].map((i) => ({id: seqId(i + 1), name: `Forecast ${i}`, active: true}))
  const declared: string[][] = [[], [], []]
  const definite = new Set<string>()
  for (let i = 0; i < 90; i++) {
    const sequence = i % 3
    const elsewhere = i % 11 === 0 ? ('active' as const) : i % 13 === 0 ? ('finished' as const) : null
    const member = i % 9 === 4
    const status = statuses[i % statuses.length] ?? null
    const email = i % 17 === 5 ? null : `person${i}@org${i % 12}.example`
    contacts.push({
      id: contactId(i + 1),
      email,
      organization_name: `Org ${i % 12}`,
      email_status: email === null ? null : status,
      memberships: [
        ...(elsewhere ? [{sequence_id: OTHER_SEQ, status: elsewhere, mailbox_id: MAILBOX.id}] : []),
        ...(member ? [{sequence_id: sequences[sequence]!.id, status: 'active' as const, mailbox_id: MAILBOX.id}] : []),
      ],
    })
    if (member) continue
    declared[sequence]!.push(email === null ? `  - id: "${contactId(i + 1)}"` : `  - ${email}`)
    if (email === null || status === 'unverified' || elsewhere !== null) {
      definite.add(`${sequences[sequence]!.id}/${email ?? contactId(i + 1)}`)
    }
  }
  // Contacts this plan creates, some of an organisation already in the sequence.
  for (let k = 0; k < 12; k++) {
    declared[k % 3]!.push(`  - email: new${k}@org${k % 6}.example\n    organization: Org ${k % 6}`)
  }
  const files: Record<string, string> = {'seqsync.config.yaml': 'manifests:\n  - "sequences/*.yaml"\n'}
  sequences.forEach((s, i) => {
    const contactsList = `missingContacts: create\ncontacts:\n${declared[i]!.join('\n')}\n`
    files[`sequences/forecast-${i}.yaml`] = membershipDoc(s.name, contactsList)
  })
  return {
    seed: {
      apiKeys: ['forecast-key'],
      users: [KEY_USER],
      emailAccounts: [MAILBOX],
      sequences: [...sequences, {id: OTHER_SEQ, name: 'Someone else', active: true}],
      contacts,
    },
    files,
    definite,
  }
}

const keyOf = (email: string | null, id: string | null): string => (email ?? id ?? '').toLowerCase()

describe('skip forecasts say how sure they are', () => {
  it('definite forecasts are all skipped, and every skip was forecast (definite or possible)', async () => {
    const {seed, files, definite: documented} = forecastCase()
    const env = await startE2eEnv({seed, files})
    try {
      const planned = await env.cli(['plan', '--json'])
      expect(planned.code, planned.stderr).toBe(0)
      const plan = env.json(planned)
      expect(validateAgainstSchema('plan.schema.json', plan)).toEqual([])
      const adds = new Map<string, PlannedAdd>()
      for (const s of plan.sequences) {
        for (const c of s.changes) {
          if (c.kind !== 'add') continue
          adds.set(`${s.id}/${keyOf(c.email, c.contactId)}`, {
            definite: c.forecastSkip !== undefined,
            possible: c.possibleSkip !== undefined,
          })
        }
      }
      // Definite exactly where a documented rule meets known data: never a contact this plan creates,
      // an undocumented status, or the same-company rule alone (all of these were definite before).
      expect(new Set([...adds].filter(([, a]) => a.definite).map(([key]) => key))).toEqual(documented)
      const definite = [...adds.values()].filter((a) => a.definite).length
      const possible = [...adds.values()].filter((a) => a.possible).length
      expect(plan.summary).toMatchObject({skipsForecast: definite, skipsPossible: possible})
      expect(definite).toBeGreaterThan(0)
      expect(possible).toBeGreaterThan(0)

      const applied = await env.cli(['apply', '--auto-approve', '--json'])
      expect(applied.code, applied.stderr).toBe(3)
      const report = env.json<ApplyReportJson>(applied)
      const skipped = new Set(
        report.sequences.flatMap((s) =>
          s.skipped.filter((k) => k.kind === 'add').map((k) => `${s.id}/${keyOf(k.email, k.contactId)}`),
        ),
      )
      // The overclaim is gone: no add forecast as definitely skipped was enrolled ...
      for (const [key, add] of adds) if (add.definite) expect(skipped.has(key), key).toBe(true)
      // ... and Apollo skipped nothing the plan did not at least call possible.
      for (const key of skipped) expect(adds.get(key)?.definite || adds.get(key)?.possible, key).toBe(true)
      expect(definite).toBeLessThanOrEqual(report.summary.skipped)
      expect(definite + possible).toBeGreaterThanOrEqual(report.summary.skipped)
      expect(definite).toBeLessThan(plan.summary.add)

      const text = await env.cli(['plan'])
      expect(text.stdout.trimEnd().split('\n').at(-1)).toMatch(
        /^Plan: \d+ to add, 0 to remove, 0 to finish, 0 to stop, \d+ skips forecast\.( \d+ possible skips\.)?$/,
      )
    } finally {
      await env.close()
    }
  })
})

describe('warnings do not drown the plan', () => {
  it('tens of thousands of warnings render to a few lines with exact counts; JSON keeps every one', async () => {
    // 10,000 contacts already finished in the sequence, declared in `contacts` (a plan warning each),
    // and declared in a second sequence too (a validation warning each): 20,000 warnings.
    const n = 10_000
    const contacts: SeedContact[] = Array.from({length: n}, (_, i) => ({
      id: contactId(i + 1),
      email: `done${i}@acme.example`,
      memberships: [{sequence_id: seqId(1), status: 'finished', mailbox_id: MAILBOX.id}],
    }))
    const list = contacts.map((c) => `  - ${c.email}`).join('\n')
    const env = await startE2eEnv({
      seed: {
        apiKeys: ['warn-key'],
        users: [KEY_USER],
        emailAccounts: [MAILBOX],
        sequences: [
          {id: seqId(1), name: 'Finished Already', active: true},
          {id: seqId(2), name: 'Second', active: true},
        ],
        contacts,
      },
      files: {
        'seqsync.config.yaml': 'manifests:\n  - "m/*.yaml"\n',
        'm/a.yaml': membershipDoc('Finished Already', `contacts:\n${list}\n`),
        'm/b.yaml': membershipDoc('Second', `enroll:\n  finishedInOtherSequences: true\ncontacts:\n${list}\n`),
      },
    })
    try {
      const text = await env.cli(['plan', '--markdown-out', 'plan.md'], {timeoutMs: 90_000})
      expect(text.code, text.stderr.slice(0, 2000)).toBe(0)
      // stderr: validation warnings grouped (3 in full, one count); stdout: the adds to "Second", one warning line.
      expect(text.stderr.split('\n').filter((l) => l !== '').length).toBeLessThanOrEqual(8)
      expect(text.stderr).toContain(`warning: ${n - 3} more active-in-other-sequence warnings like these`)
      const warnings = text.stdout.split('\n').filter((l) => l.includes('warning:'))
      expect(warnings).toEqual([
        expect.stringMatching(
          new RegExp(
            `^ {2}warning: ${n} contacts: already finished in this sequence: Apollo cannot re-enroll it: .* and ${n - 3} more$`,
          ),
        ),
      ])
      // One line per change (the adds to "Second") and a few more: headers, the warning, safety, totals.
      expect(text.stdout.split('\n').length).toBeLessThan(n + 30)

      const md = await readText(env.dir, 'plan.md')
      expect(md.length).toBeLessThanOrEqual(60_000)
      expect(md).toContain(`(${n} contacts, \`already-finished\`)`)
      expect(md).toContain(`**Plan: ${n} to add, 0 to remove, 0 to finish, 0 to stop, 0 skips forecast.**`)

      const json = await env.cli(['plan', '--json'], {timeoutMs: 90_000})
      const plan = env.json(json)
      expect(plan.sequences[0]?.warnings.filter((w) => w.code === 'already-finished')).toHaveLength(n)
    } finally {
      await env.close()
    }
  })
})

describe('a lifted tombstone converges', () => {
  it('plan -> apply -> report with the remedy -> follow it -> the plan is empty', async () => {
    const eve: SeedContact = {
      id: contactId(1),
      email: 'eve@hooli.example',
      memberships: [{sequence_id: seqId(1), status: 'active', mailbox_id: MAILBOX.id}],
    }
    const jane: SeedContact = {id: contactId(2), email: 'jane@acme.example'}
    const manifest = (lists: string) => membershipDoc('Tombstones', lists)
    const env = await startE2eEnv({
      seed: {
        apiKeys: ['tomb-key'],
        users: [KEY_USER],
        emailAccounts: [MAILBOX],
        sequences: [{id: seqId(1), name: 'Tombstones', active: true}],
        contacts: [eve, jane],
      },
      files: {
        'seqsync.config.yaml': 'manifests:\n  - "m/*.yaml"\n',
        'm/a.yaml': manifest('contacts:\n  - jane@acme.example\nremoved:\n  - eve@hooli.example\n'),
      },
    })
    try {
      const removed = await env.cli(['apply', '--auto-approve'])
      expect(removed.code, removed.stderr).toBe(0)
      expect(membersOf(env.emulator.snapshot(), seqId(1))).toEqual({[jane.id]: 'active'})

      // The tombstone is lifted: the live read shows eve absent, so the plan adds her ...
      await writeFile(join(env.dir, 'm/a.yaml'), manifest('contacts:\n  - jane@acme.example\n  - eve@hooli.example\n'))
      const lifted = await env.cli(['plan'])
      expect(lifted.stdout).toMatch(/^ {2}\+ eve@hooli\.example/m)

      // ... Apollo refuses, and the report says why and what to do.
      const text = await env.cli(['apply', '--auto-approve'])
      expect(text.code).toBe(3)
      expect(text.stdout).toContain('skipped eve@hooli.example (add): Apollo says it is already in this sequence')
      expect(text.stdout).toContain(
        'remedy: keep the contact under `removed:` (or drop it from the manifest) so plans stop adding it, or enroll it in a new or cloned sequence',
      )
      const json = await env.cli(['apply', '--auto-approve', '--json'])
      expect(json.code).toBe(3)
      const report = env.json<ApplyReportJson>(json)
      expect(validateAgainstSchema('apply-report.schema.json', report)).toEqual([])
      expect(report.sequences[0]?.skipped).toEqual([
        expect.objectContaining({
          reason: 'contacts_already_exists_in_current_campaign',
          remedy: expect.stringContaining('removed:'),
        }),
      ])

      // Following the remedy closes the loop: a scheduled drift check comes back to zero.
      await writeFile(
        join(env.dir, 'm/a.yaml'),
        manifest('contacts:\n  - jane@acme.example\nremoved:\n  - eve@hooli.example\n'),
      )
      const drift = await env.cli(['plan', '--detailed-exitcode'])
      expect(drift.code, drift.stdout + drift.stderr).toBe(0)
      expect(drift.stdout).toContain('No changes. Apollo matches the manifests.')
    } finally {
      await env.close()
    }
  })
})

describe('pruneScope: owned', () => {
  it('prunes only members the key user added; members added by another user are reported and never touched', async () => {
    const member = (i: number, addedBy: string | null): SeedContact => ({
      id: contactId(i),
      email: `m${i}@acme.example`,
      memberships: [{sequence_id: seqId(1), status: 'active', mailbox_id: MAILBOX.id, added_by_user_id: addedBy}],
    })
    const env = await startE2eEnv({
      seed: {
        apiKeys: ['scope-key'],
        users: [KEY_USER, REP_USER],
        emailAccounts: [MAILBOX],
        sequences: [{id: seqId(1), name: 'Shared With Reps', active: true}],
        contacts: [member(1, KEY_USER.id), member(2, KEY_USER.id), member(3, REP_USER.id), member(4, null)],
      },
      files: {
        'seqsync.config.yaml': 'manifests:\n  - "m/*.yaml"\n',
        'm/a.yaml': membershipDoc(
          'Shared With Reps',
          'prune: remove\npruneScope: owned\ncontacts:\n  - m1@acme.example\n',
        ),
      },
    })
    try {
      const text = await env.cli(['plan'])
      expect(text.code, text.stderr).toBe(0)
      expect(text.stdout).toContain(
        "  prune: remove, pruneScope: owned (only undeclared members the API key's user added)",
      )
      expect(text.stdout).toMatch(/^ {2}- m2@acme\.example {2}# pruned/m)
      expect(text.stdout).toContain(
        '  2 members added by another Apollo user, left alone (pruneScope: owned): m3@acme.example, m4@acme.example',
      )
      const json = env.json<PlanJson & {sequences: {pruneScope: string; unmanagedMembers: {reason: string}[]}[]}>(
        await env.cli(['plan', '--json']),
      )
      expect(validateAgainstSchema('plan.schema.json', json)).toEqual([])
      expect(json.sequences[0]).toMatchObject({pruneScope: 'owned', unmanaged: 2})
      expect(json.sequences[0]?.unmanagedMembers.map((m) => m.reason)).toEqual([
        'added-by-another-user',
        'added-by-another-user',
      ])
      const md = await env.cli(['plan', '--format', 'markdown'])
      expect(md.stdout).toContain('prune: remove, pruneScope: owned')
      expect(md.stdout).toContain('Left alone: 2 undeclared members added by another Apollo user (pruneScope: owned).')

      const applied = await env.cli(['apply', '--auto-approve'])
      expect(applied.code, applied.stderr).toBe(0)
      expect(membersOf(env.emulator.snapshot(), seqId(1))).toEqual({
        [contactId(1)]: 'active',
        [contactId(3)]: 'active',
        [contactId(4)]: 'active',
      })
    } finally {
      await env.close()
    }
  })
})

describe('plan and apply say where they run', () => {
  it('the header names the API host, the team and the key owner in text, JSON and Markdown', async () => {
    const env = await startE2eEnv()
    try {
      const host = new URL(env.emulator.url).host
      const owner = 'key owner Olivia Reyes <olivia.reyes@acme.example> (user 5f0d9de3a1b2c3d4e5f60900)'
      const text = await env.cli(['plan'])
      const [first] = text.stdout.split('\n')
      expect(first?.startsWith(`Target: ${host}, team `)).toBe(true)
      expect(first?.endsWith(`, ${owner}`)).toBe(true)
      const json = env.json<PlanJson & {target: unknown}>(await env.cli(['plan', '--json']))
      expect(json.target).toEqual({
        apiHost: host,
        keyOwner: {
          userId: '5f0d9de3a1b2c3d4e5f60900',
          teamId: expect.any(String),
          email: 'olivia.reyes@acme.example',
          name: 'Olivia Reyes',
        },
      })
      const md = await env.cli(['plan', '--format', 'markdown'])
      expect(md.stdout).toMatch(
        /^Target: 127\.0\.0\.1:\d+ · team \w+ · key owner Olivia Reyes \(user 5f0d9de3a1b2c3d4e5f60900, olivia\.reyes&#64;acme\.example\)$/m,
      )

      await env.cli(['plan', '--out', 'plan.json'])
      const applied = await env.cli(['apply', 'plan.json'])
      expect(applied.code, applied.stderr).toBe(0)
      expect(applied.stdout.split('\n')[0]).toContain(`Target: ${host}, team`)
      const again = env.json<{target: unknown}>(await env.cli(['apply', '--auto-approve', '--json']))
      expect(again.target).toEqual(json.target)
    } finally {
      await env.close()
    }
  })
})
