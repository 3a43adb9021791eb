// `seqsync apply PLANFILE` end to end (built CLI -> undici -> emulator): any edit to the file is
// refused; the plan is stale when anything it was computed from moved; an interrupted apply of the
// same file applies exactly the remainder; changes are decided from the write answers; the verdict
// re-plans the manifests. Every refusal: exit 1, the items listed, zero write requests.
import {readFile, writeFile} from 'node:fs/promises'
import {join} from 'node:path'

import {describe, expect, it} from 'vitest'

import {hashFileContent} from '../../src/services/plan-file.js'
import {
  AE_MAILBOX,
  ENT,
  MID,
  SDR_MAILBOX,
  SMB,
  expectExamplesConverged,
  expectNoWrites,
  id,
  savePlan,
  withEnv,
} from '../helpers/apply-env.js'
import {expectedMembers, generateCase} from '../../scripts/bench/generate.js'
import {caseFiles} from '../../scripts/bench/harness.js'
import {smallGeneratedCase} from '../helpers/gen-case.js'
import {membersOf, statusIn, validateAgainstSchema, writeCalls} from '../helpers/e2e-env.js'
import type {ApplyReportJson, E2eEnv, PlanJson} from '../helpers/e2e-env.js'

/** The parts of a plan file (format 2) the tests edit. */
interface PlanFileJson {
  formatVersion: number
  apiHost: string
  toolVersion: string
  batchSize: number
  createdAt: string
  fileHash?: string
  plan: {
    sequences: {
      id: string
      liveMembers: number
      changes: {kind: string; contactId: string | null; liveStatus: string}[]
    }[]
  }
  basis: {
    sequenceId: string
    mailboxId: string
    members: Record<string, string>
    desired: {prune: string; entries?: {ref: {kind: string; email: string; id?: string}}[]}
  }[]
}

/** The apply report fields these tests read beyond ApplyReportJson. */
interface ReportJson extends ApplyReportJson {
  readonly summary: ApplyReportJson['summary'] & {alreadyDone: number; differences: number}
  readonly manifestsChanged: boolean | null
  readonly verified: boolean
  readonly sequences: (ApplyReportJson['sequences'][number] & {
    alreadyDone: {kind: string; contactId: string | null}[]
    differences: {kind: string; contactId: string | null}[]
  })[]
}

async function readPlanFile(env: E2eEnv, file = 'plan.json'): Promise<PlanFileJson> {
  return JSON.parse(await readFile(join(env.dir, file), 'utf8')) as PlanFileJson
}

async function writePlanFile(env: E2eEnv, file: string, value: PlanFileJson): Promise<void> {
  await writeFile(join(env.dir, file), JSON.stringify(value))
}

/** What a forger would do: recompute the fileHash over the edited content (it is no secret). */
function forgeFileHash(value: PlanFileJson): PlanFileJson {
  return {...value, fileHash: hashFileContent(value as unknown as Record<string, unknown>)}
}

describe('apply PLANFILE: any edit to the file is refused, nothing written', () => {
  it('refuses an edit of any field, even one apply only compares or records', async () => {
    await withEnv({}, async (env) => {
      await savePlan(env)
      const original = await readPlanFile(env)
      const edits: [string, (f: PlanFileJson) => void][] = [
        ['liveMembers raised (the percent brake reads it)', (f) => (f.plan.sequences[0]!.liveMembers += 100)],
        ['apiHost', (f) => (f.apiHost = 'api.apollo.io')],
        ['toolVersion', (f) => (f.toolVersion = 'seqsync/9.9.9')],
        ['batchSize', (f) => (f.batchSize = 1000)],
        ['createdAt', (f) => (f.createdAt = '2030-01-01T00:00:00.000Z')],
        ['a change', (f) => (f.plan.sequences[0]!.changes.find((c) => c.kind === 'add')!.contactId = id('41'))],
        ['a basis member', (f) => (f.basis[0]!.members[id('01')] = 'paused')],
        ['the embedded manifest', (f) => (f.basis[0]!.desired.prune = 'none')],
        ['the fileHash itself', (f) => (f.fileHash = `sha256:${'0'.repeat(64)}`)],
      ]
      for (const [what, edit] of edits) {
        const edited = structuredClone(original)
        edit(edited)
        await writePlanFile(env, 'edited.json', edited)
        await expectNoWrites(env, async () => {
          const res = await env.cli(['apply', 'edited.json'])
          expect(res.code, what).toBe(1)
          expect(res.stderr, what).toContain('its content was edited after it was made (fileHash mismatch)')
          expect(res.stderr, what).not.toMatch(/unexpected/i)
        })
      }
    })
  })

  it('a forged fileHash does not help: the changes, their live statuses and the member counts are checked too', async () => {
    await withEnv({}, async (env) => {
      await savePlan(env)
      const original = await readPlanFile(env)
      const forgeries: [string, (f: PlanFileJson) => void, RegExp][] = [
        ['liveMembers', (f) => (f.plan.sequences[0]!.liveMembers += 100), /liveMembers does not match its basis/],
        [
          'a change',
          (f) => (f.plan.sequences[0]!.changes.find((c) => c.kind === 'add')!.contactId = id('41')),
          /plan hash does not match its changes/,
        ],
        [
          'a live status',
          (f) => (f.plan.sequences[0]!.changes.find((c) => c.kind === 'remove')!.liveStatus = 'finished'),
          /does not match its basis/,
        ],
      ]
      for (const [what, edit, message] of forgeries) {
        const edited = structuredClone(original)
        edit(edited)
        await writePlanFile(env, 'forged.json', forgeFileHash(edited))
        await expectNoWrites(env, async () => {
          const res = await env.cli(['apply', 'forged.json'])
          expect(res.code, what).toBe(1)
          expect(res.stderr, what).toMatch(message)
        })
      }
    })
  })

  it('a forged basis that shrinks a sequence below the percent rule does not help: apply counts Apollo itself', async () => {
    const gen = generateCase({sequences: 1, contactsPerSequence: 30, drift: 0.4, seed: 7, pruneModes: ['remove']})
    const safety = {maxAdds: 1000, maxRemovals: 1000, maxRemovalPercent: 5, minSequenceSize: 10}
    await withEnv({seed: gen.seed, files: caseFiles(gen, {safety})}, async (env) => {
      const {removals} = await savePlan(env)
      expect(removals).toBeGreaterThan(1)
      const original = await readPlanFile(env)
      const [sequence] = original.plan.sequences
      const [basis] = original.basis
      if (!sequence || !basis) throw new Error('the case plans one sequence')
      expect(sequence.liveMembers).toBeGreaterThanOrEqual(safety.minSequenceSize)
      // The forger keeps only the members the plan changes (fewer than minSequenceSize), drops the
      // manifest entries of the others, and recomputes the fileHash.
      const changed = new Set(sequence.changes.map((c) => c.contactId))
      const members = Object.fromEntries(Object.entries(basis.members).filter(([id]) => changed.has(id)))
      expect(Object.keys(members).length).toBeLessThan(safety.minSequenceSize)
      const dropped = new Set(Object.keys(basis.members).filter((id) => !changed.has(id)))
      const droppedEmails = new Set(
        gen.seed.contacts.flatMap((c) => (dropped.has(c.id) && c.email !== null ? [c.email.toLowerCase()] : [])),
      )
      const forged = structuredClone(original)
      forged.plan.sequences[0]!.liveMembers = Object.keys(members).length
      forged.basis[0]!.members = members
      const entries = forged.basis[0]!.desired.entries ?? []
      forged.basis[0]!.desired.entries = entries.filter((e) =>
        e.ref.kind === 'email' ? !droppedEmails.has(e.ref.email.toLowerCase()) : !dropped.has(e.ref.id ?? ''),
      )
      await writePlanFile(env, 'forged.json', forgeFileHash(forged))
      await expectNoWrites(env, async () => {
        const res = await env.cli(['apply', 'forged.json', '--auto-approve'])
        expect(res.code, res.stderr).toBe(1)
        expect(res.stderr).toMatch(/more than safety\.maxRemovalPercent/)
      })
    })
  })

  it('refuses a plan file of the previous format: made by an older seqsync, run plan again', async () => {
    await withEnv({}, async (env) => {
      await savePlan(env)
      const {fileHash: _hash, basis: _basis, ...v1} = await readPlanFile(env)
      await writeFile(join(env.dir, 'old.json'), JSON.stringify({...v1, formatVersion: 1}))
      await expectNoWrites(env, async () => {
        const res = await env.cli(['apply', 'old.json'])
        expect(res.code).toBe(1)
        expect(res.stderr).toContain('made by an older seqsync (plan file formatVersion 1')
        expect(res.stderr).toContain('run plan again')
      })
    })
  })
})

describe('apply PLANFILE: stale when anything the plan was computed from moved', () => {
  it('refuses an archived, renamed or (de)activated sequence, a mailbox deactivated or gone, a moved contact', async () => {
    await withEnv({}, async (env) => {
      await savePlan(env)
      const {emulator} = env
      const cases: [string, () => void, () => void, RegExp[]][] = [
        [
          'archived',
          () => emulator.updateSequence(ENT, {archived: true}),
          () => emulator.updateSequence(ENT, {archived: false}),
          [/stale: sequence "Q4 Enterprise Outreach" \(66f0c1e2a4b5c6d7e8f90101\) was archived/],
        ],
        [
          'renamed',
          () => emulator.updateSequence(SMB, {name: 'SMB Nurture v2'}),
          () => emulator.updateSequence(SMB, {name: 'SMB Trial Nurture'}),
          [/stale: sequence "SMB Trial Nurture" \(\w+\) was renamed to "SMB Nurture v2"/],
        ],
        [
          'deactivated',
          () => emulator.updateSequence(MID, {active: false}),
          () => emulator.updateSequence(MID, {active: true}),
          [/stale: sequence "Mid-Market Follow-up" \(\w+\) was deactivated/],
        ],
        [
          'mailbox deactivated',
          () => emulator.updateMailbox(SDR_MAILBOX, {active: false}),
          () => emulator.updateMailbox(SDR_MAILBOX, {active: true}),
          [
            /stale: the mailbox sdr@acme\.example \(6a1b2c3d4e5f60718293a401\) of sequence "Q4 Enterprise Outreach" \(\w+\) was deactivated/,
            /stale: the mailbox sdr@acme\.example \(6a1b2c3d4e5f60718293a401\) of sequence "SMB Trial Nurture" \(\w+\) was deactivated/,
          ],
        ],
        [
          'a looked-at contact moved',
          () => emulator.setMembership(id('20'), SMB, 'paused'),
          () => emulator.setMembership(id('20'), SMB, 'active'),
          [/stale: george\.adams@dunder\.example in "SMB Trial Nurture" \(\w+\): planned against active, now paused/],
        ],
        [
          // The member count stays the same: the member who left is caught, not the count.
          'one member out, another in',
          () => {
            emulator.setMembership(id('01'), ENT, 'absent')
            emulator.setMembership(id('42'), ENT, 'active')
          },
          () => {
            emulator.setMembership(id('42'), ENT, 'absent')
            emulator.setMembership(id('01'), ENT, 'active')
          },
          [
            /stale: id 5f0d9de3a1b2c3d4e5f60001 in "Q4 Enterprise Outreach" \(\w+\): planned against active, now absent/,
          ],
        ],
        [
          'mailbox gone',
          () => emulator.removeMailbox(AE_MAILBOX),
          () => undefined,
          [
            /stale: the mailbox 6a1b2c3d4e5f60718293a402 of sequence "Mid-Market Follow-up" \(\w+\) no longer exists/,
            /stale: the mailbox 6a1b2c3d4e5f60718293a402 of sequence "Dormant Accounts Re-engagement" \(\w+\) no longer exists/,
          ],
        ],
      ]
      for (const [what, change, revert, messages] of cases) {
        change()
        await expectNoWrites(env, async () => {
          const res = await env.cli(['apply', 'plan.json'])
          expect(res.code, `${what}: ${res.stderr}`).toBe(1)
          expect(res.stderr, what).toMatch(/The saved plan is stale: \d+ items? changed in Apollo/)
          for (const m of messages) expect(res.stderr, what).toMatch(m)
          expect(res.stderr.match(/^stale: /gm), `${what}: ${res.stderr}`).toHaveLength(messages.length)
        })
        revert()
      }
    })
  })
})

describe('apply PLANFILE: resume and verification', () => {
  it('after a quota stop mid-apply, the same file (same --expect-plan-hash) applies exactly the remainder', async () => {
    const gen = smallGeneratedCase()
    const limits = {minute: null, hour: null, day: null, perEndpoint: {'emailer_campaigns/add_contact_ids': {hour: 3}}}
    const files = caseFiles(gen, {batchSize: 5})
    await withEnv({seed: gen.seed, files, emulator: {rateLimits: limits}}, async (env) => {
      const planRes = await env.cli(['plan', '--json', '--out', 'plan.json'])
      expect(planRes.code, planRes.stderr).toBe(0)
      const plan = env.json<PlanJson & {cost: {applyCalls: Record<string, number>}}>(planRes)
      const args = ['apply', 'plan.json', '--expect-plan-hash', plan.planHash, '--format', 'json']

      env.emulator.resetStats()
      const first = await env.cli(args, {timeoutMs: 60_000})
      expect(first.code, first.stderr).toBe(3)
      expect(first.stdout).toMatch(/hourly quota for emailer_campaigns\/add_contact_ids is exhausted; resume at/)
      const firstStats = env.emulator.stats()
      const addCalls = 'emailer_campaigns/add_contact_ids'
      const sentAdds = (firstStats.requests[addCalls] ?? 0) - (firstStats.rateLimited[addCalls] ?? 0)
      const firstReport = env.json<ReportJson>(first)

      env.emulator.setRateLimits(null)
      env.emulator.resetStats()
      const second = await env.cli(args, {timeoutMs: 60_000})
      expect(second.code, second.stderr).toBe(0)
      const report = env.json<ReportJson>(second)
      expect(validateAgainstSchema('apply-report.schema.json', report)).toEqual([])
      expect(report.converged).toBe(true)
      // Everything the first run did is done, not stale; only the rest was written.
      expect(report.summary.alreadyDone).toBe(firstReport.summary.applied)
      expect(report.summary.alreadyDone + report.summary.applied).toBe(
        plan.summary.add + plan.summary.remove + plan.summary.finish + plan.summary.stop,
      )
      const stats = env.emulator.stats()
      expect(stats.requests['emailer_campaigns/remove_or_stop_contact_ids'] ?? 0).toBe(0)
      expect(stats.requests[addCalls]).toBe((plan.cost.applyCalls[addCalls] ?? 0) - sentAdds)
      const snap = env.emulator.snapshot()
      for (const seqId of gen.expected.managedSequenceIds)
        expect(membersOf(snap, seqId), seqId).toEqual(expectedMembers(gen.expected, seqId))
    })
  })

  it("writes in the plan file's batch size, whatever the checkout's config says now", async () => {
    const gen = smallGeneratedCase()
    await withEnv({seed: gen.seed, files: caseFiles(gen, {batchSize: 5})}, async (env) => {
      const plan = env.json<PlanJson & {cost: {applyCalls: Record<string, number>}}>(
        await env.cli(['plan', '--json', '--out', 'plan.json']),
      )
      const config = join(env.dir, 'seqsync.config.yaml')
      await writeFile(config, (await readFile(config, 'utf8')).replace('batchSize: 5', 'batchSize: 1000'))
      env.emulator.resetStats()
      const res = await env.cli(['apply', 'plan.json', '--format', 'json'])
      expect(res.code, res.stderr).toBe(0)
      const addCalls = 'emailer_campaigns/add_contact_ids'
      expect(plan.cost.applyCalls[addCalls]).toBeGreaterThan(gen.expected.managedSequenceIds.length)
      expect(env.emulator.stats().requests[addCalls]).toBe(plan.cost.applyCalls[addCalls])
      // Before its stale check reads the changed sequences, apply says what that read costs, as plan does.
      expect(res.stderr).toMatch(/^Reading Apollo by a sweep of the [\d,]+ members of the sequences/m)
      expect(res.stderr).toMatch(/^ {2}contacts\/search: ~\d+ more calls/m)
    })
  })

  it('decides every change from the write answers: no read after the writes', async () => {
    await withEnv({}, async (env) => {
      await savePlan(env)
      env.emulator.resetStats()
      const res = await env.cli(['apply', 'plan.json', '--format', 'json'])
      expect(res.code, res.stderr).toBe(0)
      expect(env.json<ReportJson>(res).converged).toBe(true)
      // The stale check's one read of the changed sequences (one page of members), the writes, nothing else.
      const {requests} = env.emulator.stats()
      expect(requests['contacts/search']).toBe(1)
      expect(requests['contacts/show'] ?? 0).toBe(0)
      expect(requests['users/api_profile']).toBe(1)
      expect(requests['email_accounts']).toBe(1)
      expectExamplesConverged(env.emulator.snapshot())
    })
  })

  it('a lost write answer is re-read, that contact only, and the change counts as applied', async () => {
    const manifest =
      'apiVersion: seqsync/v1\nkind: SequenceMembership\nsequence:\n  name: Q4 Enterprise Outreach\nmailbox: sdr@acme.example\nprune: none\n' +
      'contacts:\n  - priya.raman@cyberdyne.example\n'
    const files = {'m/a.yaml': manifest, 'seqsync.config.yaml': 'manifests:\n  - "m/*.yaml"\n'}
    await withEnv({files, env: {SEQSYNC_RATE_WINDOW_SCALE: '0.02'}}, async (env) => {
      await savePlan(env)
      // The add is written, then every answer to it (and to its retries) is a 500.
      env.emulator.setFaults({seed: 1, error500After: 1, endpoints: ['emailer_campaigns/add_contact_ids']})
      env.emulator.resetStats()
      const res = await env.cli(['apply', 'plan.json', '--format', 'json'])
      expect(res.code, res.stderr).toBe(0)
      const report = env.json<ReportJson>(res)
      expect(report.converged).toBe(true)
      expect(report.sequences.find((s) => s.id === ENT)?.applied).toEqual([
        expect.objectContaining({kind: 'add', contactId: id('07')}),
      ])
      const {requests} = env.emulator.stats()
      expect(requests['contacts/show']).toBe(1)
      expect(requests['contacts/search']).toBe(1) // the stale check only
      expect(statusIn(env.emulator.snapshot(), id('07'), ENT)).toBe('active')
    })
  })
})

describe('apply PLANFILE: the verdict is the full desired state', () => {
  it('a member that appeared since the plan in a pruned sequence: the plan is applied, then exit 3 naming it', async () => {
    await withEnv({}, async (env) => {
      await savePlan(env)
      // Rosa joins the pruned enterprise sequence by hand: not stale (the plan never looked at her).
      env.emulator.setMembership(id('42'), ENT, 'active')
      const res = await env.cli(['apply', 'plan.json', '--format', 'json'])
      expect(res.code, res.stderr).toBe(3)
      const report = env.json<ReportJson>(res)
      expect(validateAgainstSchema('apply-report.schema.json', report)).toEqual([])
      expect(report).toMatchObject({converged: false, summary: {skipped: 0, failed: 0, differences: 1}})
      expect(report.sequences.find((s) => s.id === ENT)?.differences).toEqual([
        {kind: 'remove', contactId: id('42'), email: 'rosa.diaz@initrode.example'},
      ])
      // Applied again, everything of the plan is done; the text says the same, and the next plan is that difference.
      env.emulator.resetStats()
      const text = await env.cli(['apply', 'plan.json'])
      expect(text.code, text.stderr).toBe(3)
      expect(writeCalls(env.emulator.stats())).toBe(0)
      expect(text.stdout).toMatch(/Apply complete: 0 applied, 16 already done, 0 skipped, 0 failed\./)
      expect(text.stdout).toContain('The reviewed plan was applied; 1 difference appeared since it was made: run plan.')
      const plan = env.json<PlanJson>(await env.cli(['plan', '--json']))
      expect(plan.sequences.flatMap((s) => s.changes.map((c) => [c.kind, c.contactId]))).toEqual([['remove', id('42')]])
    })
  })

  it('a saved plan with no changes: nothing read or written, and the verdict says membership was not re-read', async () => {
    await withEnv({}, async (env) => {
      expect((await env.cli(['apply', '--auto-approve'])).code).toBe(0)
      await savePlan(env)
      const nothing = /Nothing to apply: the saved plan has no changes\. Sequence membership was not read again/
      await expectNoWrites(env, async () => {
        const res = await env.cli(['apply', 'plan.json'])
        expect(res.code, res.stderr).toBe(0)
        expect(res.stdout).toMatch(nothing)
        expect(env.emulator.stats().requests['contacts/search'] ?? 0).toBe(0)
        const json = await env.cli(['apply', 'plan.json', '--json'])
        expect(env.json<ReportJson>(json)).toMatchObject({converged: true, verified: false})
      })
      // Planned from the manifests just now, "no changes" is a finding: verified.
      const now = await env.cli(['apply', '--auto-approve', '--json'])
      expect(env.json<ReportJson>(now)).toMatchObject({converged: true, verified: true})
      // The manifests moved since the empty plan: exit 3, and the text says why.
      const file = join(env.dir, 'sequences', 'nurture.yaml')
      await writeFile(file, (await readFile(file, 'utf8')).replace('  - kofi.mensah@sterling.example\n', ''))
      const moved = await env.cli(['apply', 'plan.json'])
      expect(moved.code, moved.stderr).toBe(3)
      expect(moved.stdout).toMatch(nothing)
      expect(moved.stdout).toContain('The manifests on this branch changed since the plan was made: run plan.')
    })
  })

  it('manifests of this checkout changed since the plan: the reviewed plan is applied, then exit 3', async () => {
    await withEnv({}, async (env) => {
      await savePlan(env)
      const file = join(env.dir, 'sequences', 'nurture.yaml')
      await writeFile(file, (await readFile(file, 'utf8')).replace('  - kofi.mensah@sterling.example\n', ''))
      const res = await env.cli(['apply', 'plan.json'])
      expect(res.code, res.stderr).toBe(3)
      expect(res.stdout).toContain('The manifests on this branch changed since the plan was made: run plan.')
      expect(writeCalls(env.emulator.stats())).toBeGreaterThan(0)
      // The reviewed plan was applied in full (kofi was in it).
      expectExamplesConverged(env.emulator.snapshot())
      const json = await env.cli(['apply', 'plan.json', '--json'])
      expect(env.json<ReportJson>(json)).toMatchObject({converged: false, manifestsChanged: true})
    })
  })
})
