// Property, through the real CLI and the emulator: for a random Apollo account (member statuses,
// contacts without an email, shared and duplicate emails, emails a manifest rejects, odd names,
// inactive sequences, inactive mailboxes), `import` of its sequences then `plan --detailed-exitcode`
// of what it wrote exits 0: the import validates and plans to no change. An account with no active
// mailbox cannot be imported: refused, nothing written. A bounded number of cases keeps it fast.
import {readdir, readFile} from 'node:fs/promises'
import {join} from 'node:path'
import fc from 'fast-check'
import {describe, expect, it} from 'vitest'

import type {EmulatorSeed, SeedContact} from '../../src/emulator/types.js'
import {startE2eEnv, TERMINAL_UNSAFE} from '../helpers/e2e-env.js'

const RUNS = 6
const STATUSES = ['active', 'paused', 'finished', 'failed'] as const
const hex = (prefix: string, n: number) => `${prefix}${n.toString(16).padStart(22, '0')}`

/** Text with the characters that break terminals, YAML comments and slugs (no NUL: not in argv). */
const oddText = fc.string({
  unit: fc.constantFrom('a', 'Z', '7', ' ', '-', '#', ':', '"', "'", '\n', '\u001b', '\u0007', 'é', '\u202e', '😀'),
  minLength: 1,
  maxLength: 12,
})

const emailKind = fc.constantFrom('plain', 'upper', 'idn', 'no-tld', 'none', 'other-contact')

const accountArb = fc.record({
  mailboxes: fc.array(fc.record({active: fc.boolean(), sameEmail: fc.boolean()}), {minLength: 1, maxLength: 3}),
  sequences: fc.array(fc.record({name: oddText, active: fc.boolean(), byName: fc.boolean(), archived: fc.boolean()}), {
    minLength: 1,
    maxLength: 4,
  }),
  contacts: fc.array(
    fc.record({
      email: emailKind,
      other: fc.boolean(), // also carries another contact's email as an additional email
      name: oddText,
      // per sequence: not a member, or a member with this status (and mailbox, and failure reason)
      memberships: fc.array(
        fc.option(fc.record({status: fc.constantFrom(...STATUSES), mailbox: fc.nat(2), reason: oddText})),
        {minLength: 4, maxLength: 4},
      ),
    }),
    {maxLength: 12},
  ),
})

type Account = typeof accountArb extends fc.Arbitrary<infer T> ? T : never

function toSeed(account: Account): EmulatorSeed {
  const mailboxes = account.mailboxes.map((m, i) => ({
    id: hex('ab', i),
    email: m.sameEmail && i > 0 ? 'sdr0@acme.example' : `sdr${i}@acme.example`, // two accounts, one email
    active: m.active,
  }))
  const sequences = account.sequences.map((s, i) => ({
    id: hex('5e', i),
    name: s.name,
    active: s.active,
    archived: s.archived,
  }))
  const emailOf = (i: number): string | null => {
    const kind = account.contacts[i]!.email
    switch (kind) {
      case 'plain':
        return `person${i}@acme.example`
      case 'upper':
        return `Person${i % 3}@Acme.Example` // may collide (case-insensitively) with `plain` ones
      case 'idn':
        return `josé${i}@acme.example`
      case 'no-tld':
        return `ops${i}@localhost`
      case 'none':
        return null
      case 'other-contact':
        return `person${(i + 1) % account.contacts.length}@acme.example`
    }
  }
  const contacts: SeedContact[] = account.contacts.map((c, i) => {
    const other = c.other ? emailOf((i + 1) % account.contacts.length) : null
    return {
      id: hex('c0', i),
      email: emailOf(i),
      first_name: c.name,
      ...(other === null ? {} : {other_emails: [other]}),
      memberships: c.memberships.flatMap((m, k) =>
        m === null || k >= sequences.length
          ? []
          : [
              {
                sequence_id: sequences[k]!.id,
                status: m.status,
                mailbox_id: mailboxes[m.mailbox % mailboxes.length]!.id,
                ...(m.status === 'failed' ? {failure_reason: m.reason} : {}),
              },
            ],
      ),
    }
  })
  return {apiKeys: ['roundtrip-key-not-secret'], emailAccounts: mailboxes, sequences, contacts}
}

/** What to pass to --sequence: the name when it names exactly one listed sequence and was picked, else the id. */
function sequenceArgs(account: Account, seed: EmulatorSeed): string[] {
  return seed.sequences.flatMap((s, i) => {
    if (s.archived) return [] // refused by import (its own test): a manifest of it could never plan
    const unique = seed.sequences.filter((t) => !t.archived && t.name === s.name).length === 1
    return ['--sequence', account.sequences[i]!.byName && unique ? s.name : s.id]
  })
}

describe('import then plan is empty (property, e2e)', () => {
  it(`holds for ${RUNS} random accounts`, async () => {
    await fc.assert(
      fc.asyncProperty(accountArb, async (account) => {
        const seed = toSeed(account)
        const args = sequenceArgs(account, seed)
        fc.pre(args.length > 0)
        const env = await startE2eEnv({seed, files: {}})
        try {
          const imported = await env.cli(['import', ...args, '--out-dir', 'adopted'])
          if (!seed.emailAccounts.some((m) => m.active)) {
            expect(imported.code).toBe(1)
            expect(imported.stderr).toContain('no active email account')
            await expect(readdir(join(env.dir, 'adopted'))).rejects.toThrow()
            return
          }
          expect(imported.code, imported.stderr).toBe(0)
          expect(imported.stdout + imported.stderr).not.toMatch(TERMINAL_UNSAFE)
          for (const file of await readdir(join(env.dir, 'adopted')))
            expect(await readFile(join(env.dir, 'adopted', file), 'utf8')).not.toMatch(TERMINAL_UNSAFE)
          const plan = await env.cli(['plan', 'adopted', '--detailed-exitcode'])
          expect(plan.code, `${plan.stdout}\n${plan.stderr}`).toBe(0)
          expect(plan.stdout + plan.stderr).not.toMatch(TERMINAL_UNSAFE)
        } finally {
          await env.close()
        }
      }),
      {numRuns: RUNS, seed: 20261201},
    )
  }, 120_000)
})
