// The live read through the real CLI (issue 11 items 1, 2 and 4, issue 13 item 7): Apollo changing
// between two pages of a read, a display cap lower than documented, an Apollo that ignores a sort,
// and a quota that runs out (--wait-for-quota, --max-wait, the preflight estimate).
import {afterEach, describe, expect, it} from 'vitest'

import type {EmulatorOptions, EmulatorSeed, SeedContact} from '../../src/emulator/types.js'
import {startE2eEnv} from '../helpers/e2e-env.js'
import type {E2eEnv, PlanJson} from '../helpers/e2e-env.js'

const KEY = 'reads-key-not-secret'
const SEQ = '5e9000000000000000000001'
const MAILBOX = {id: '6a1100000000000000000001', email: 'sdr@reads.example', active: true}

function member(n: number): SeedContact {
  return {
    id: `c0${n.toString(16).padStart(22, '0')}`,
    email: `member${n}@reads.example`,
    memberships: [{sequence_id: SEQ, status: 'active', mailbox_id: MAILBOX.id}],
  }
}

/**
 * One sequence with `members` active members, all declared except the last `undeclared`, under
 * `prune`, and `adds` more contacts (in no sequence) declared to be added.
 */
function sequenceCase(
  members: number,
  options: {undeclared?: number; prune?: 'remove' | 'none'; adds?: number; batchSize?: number} = {},
) {
  const outside: SeedContact[] = Array.from({length: options.adds ?? 0}, (_, i) => ({
    id: `a0${i.toString(16).padStart(22, '0')}`,
    email: `prospect${i}@reads.example`,
  }))
  const contacts = [...Array.from({length: members}, (_, i) => member(i)), ...outside]
  const declared = [...contacts.slice(0, members - (options.undeclared ?? 0)), ...outside]
  const seed: EmulatorSeed = {
    apiKeys: [KEY],
    emailAccounts: [MAILBOX],
    sequences: [{id: SEQ, name: 'Reads', active: true}],
    contacts,
  }
  const manifest = [
    'apiVersion: seqsync/v1',
    'kind: SequenceMembership',
    'sequence:',
    `  id: "${SEQ}"`,
    `mailbox: ${MAILBOX.email}`,
    `prune: ${options.prune ?? 'remove'}`,
    'contacts:',
    ...declared.map((c) => `  - ${c.email}`),
    '',
  ].join('\n')
  const files = {
    'seqsync.config.yaml': `manifests:\n  - "sequences/**/*.yaml"\nbatchSize: ${options.batchSize ?? 100}\nsafety:\n  maxRemovals: 1000\n  maxRemovalPercent: 100\n`,
    'sequences/reads.yaml': manifest,
  }
  return {seed, files}
}

const envs: E2eEnv[] = []
afterEach(async () => {
  for (const env of envs.splice(0)) await env.close()
})

async function start(
  c: ReturnType<typeof sequenceCase>,
  emulator: Omit<EmulatorOptions, 'seed'> = {},
): Promise<E2eEnv> {
  const env = await startE2eEnv({seed: c.seed, files: c.files, emulator})
  envs.push(env)
  return env
}

function removes(plan: PlanJson): string[] {
  return plan.sequences.flatMap((s) => s.changes.filter((ch) => ch.kind === 'remove').map((ch) => ch.email ?? ''))
}

describe('Apollo changing during a read', () => {
  it('a contact created mid-read is not missed: the total is re-checked and the pages read again', async () => {
    // 300 members = 3 pages. The 3rd contacts/search request (scan page 2, after both probes) sees a
    // new member: its total (301) disagrees with page 1's, so the read re-checks and takes page 4.
    const env = await start(sequenceCase(300))
    env.emulator.onRequest('contacts/search', 3, () =>
      env.emulator.addContact({...member(1000), email: 'newcomer@reads.example'}),
    )
    const res = await env.cli(['plan', '--json'])
    expect(res.code, res.stderr).toBe(0)
    const plan = env.json(res)
    // Undeclared under prune: remove: the newcomer is planned for removal (the read saw it).
    expect(removes(plan)).toEqual(['newcomer@reads.example'])
    expect(env.emulator.stats().requests['contacts/search']).toBe(2 + 2 + 1 + 1)
    // The same plan as a read of the settled state.
    expect(env.json(await env.cli(['plan', '--json'])).planHash).toBe(plan.planHash)
  })

  it('a contact deleted mid-read does not fail the plan, nor leave a gap', async () => {
    // 301 members, one undeclared (the newest, member 300). Member 5 is deleted before scan page 2.
    const env = await start(sequenceCase(301, {undeclared: 1}))
    env.emulator.onRequest('contacts/search', 3, () => env.emulator.deleteContact(member(5).id))
    const res = await env.cli(['plan', '--json'])
    // The deleted contact was declared: the plan now correctly reports it missing.
    expect(res.code).toBe(1)
    expect(res.stdout + res.stderr).toMatch(/member5@reads\.example/)
    expect(res.stderr).not.toMatch(/changed during the read/)
  })

  it('an undeclared contact deleted mid-read: the plan is that of the settled state', async () => {
    const env = await start(sequenceCase(301, {undeclared: 2}))
    env.emulator.onRequest('contacts/search', 3, () => env.emulator.deleteContact(member(299).id))
    const res = await env.cli(['plan', '--json'])
    expect(res.code, res.stderr).toBe(0)
    const plan = env.json(res)
    expect(removes(plan)).toEqual(['member300@reads.example'])
    expect(env.json(await env.cli(['plan', '--json'])).planHash).toBe(plan.planHash)
  })

  it('Apollo that keeps changing: fails closed after three re-checks, naming it, exit 1', async () => {
    const env = await start(sequenceCase(300))
    // A new contact before every other request: no read adds up.
    for (let n = 3; n <= 41; n += 2)
      env.emulator.onRequest('contacts/search', n, () => env.emulator.addContact(member(2000 + n)))
    const res = await env.cli(['plan'])
    expect(res.code).toBe(1)
    expect(res.stderr).toMatch(/and again on each of 3 re-checks: live state changed during the read; run again/)
    expect(res.stderr).not.toMatch(/\n\s+at /)
  })
})

describe("Apollo's display cap", () => {
  it('a cap of 1,000 (not 50,000) is learned from the 422 and read around: the plan is complete', async () => {
    // 1,500 members, 100 undeclared: ascending pages 11-15 are refused, then read from the other end.
    for (const pastDisplayCap of ['error', 'empty'] as const) {
      const env = await start(sequenceCase(1_500, {undeclared: 100}), {displayCap: 1_000, pastDisplayCap})
      const res = await env.cli(['plan', '--json'])
      expect(res.code, `${pastDisplayCap}: ${res.stderr}`).toBe(0)
      expect(env.json(res).summary.remove).toBe(100)
    }
  })

  it('a sequence over twice the cap is refused as a display-cap read, not "rejected as invalid"', async () => {
    const env = await start(sequenceCase(500), {displayCap: 200})
    const res = await env.cli(['plan'])
    expect(res.code).toBe(1)
    expect(res.stderr).toMatch(/has 500 contacts, more than Apollo's search can list from both ends/)
    expect(res.stderr).not.toMatch(/rejected the request as invalid/)
  })
})

describe('an Apollo that ignores a parameter the read relies on', () => {
  it('sort_ascending ignored: exit 1 naming it, never a plan', async () => {
    const env = await start(sequenceCase(150), {ignoredParams: ['sort_ascending']})
    const res = await env.cli(['plan', '--json'])
    expect(res.code).toBe(1)
    expect(env.json<{error: {code: string; message: string}}>(res).error).toMatchObject({
      code: 'LIVE_STATE_INCOMPLETE',
      message: expect.stringMatching(/ignored sort_ascending/),
    })
  })
})

describe('usage stats Apollo cannot give', () => {
  it('plan and apply go on without them: the quota is unknown, the rate-limit headers pace', async () => {
    // A sweep, then a look-up by id (contacts/show, not called yet: its quota is asked of usage_stats).
    const c = sequenceCase(50, {undeclared: 2})
    const pinned = 'b00000000000000000000001'
    const outside = Array.from({length: 1_000}, (_, i) => ({id: `d0${i.toString(16).padStart(22, '0')}`, email: null}))
    const seed = {...c.seed, contacts: [...c.seed.contacts, ...outside, {id: pinned, email: 'pinned@reads.example'}]}
    const files = {...c.files, 'sequences/reads.yaml': `${c.files['sequences/reads.yaml']}  - id: "${pinned}"\n`}
    const env = {SEQSYNC_RATE_WINDOW_SCALE: '0.01'}
    const failing = await start(
      {seed, files},
      {
        rateLimits: {minute: null, hour: 1_000, day: null, windowScale: 0.01},
        faults: {seed: 1, error500Before: 1, endpoints: ['usage_stats/api_usage_stats']},
      },
    )
    const plan = await failing.cli(['plan', '--json'], {env})
    expect(plan.code, plan.stderr).toBe(0)
    expect(failing.json<PlanJson>(plan).summary).toMatchObject({add: 1, remove: 2})
    const asked = failing.emulator.stats().requests['usage_stats/api_usage_stats']
    expect(asked).toBeGreaterThan(0)
    const apply = await failing.cli(['apply', '--auto-approve', '--format', 'json'], {env})
    expect(apply.code, apply.stderr).toBe(0)
    expect(failing.emulator.stats().rateLimited).toEqual({})
  })
})

describe('a quota that runs out', () => {
  // One hour of the emulator = 1.8 s (window scale 0.0005), for the client too.
  const scale = 0.0005
  const env = {SEQSYNC_RATE_WINDOW_SCALE: String(scale)}
  const hourly = (endpoint: string, hour: number) => ({
    rateLimits: {minute: null, hour: null, day: null, windowScale: scale, perEndpoint: {[endpoint]: {hour}}},
  })

  it('plan: warns before reading, stops with the flag named; --wait-for-quota waits with a countdown and completes', async () => {
    // 1,500 members: 2 probes + 14 scan pages, 10 contacts/search calls an hour.
    const c = sequenceCase(1_500, {undeclared: 3})
    const stopped = await start(c, hourly('contacts/search', 10))
    const stop = await stopped.cli(['plan'], {env})
    expect(stop.code).toBe(1)
    expect(stop.stderr).toMatch(
      /warning: needs ~14 contacts\/search calls, 8 left this hour: it will wait ~\d s with --wait-for-quota, or stop/,
    )
    expect(stop.stderr).toMatch(/hourly quota for contacts\/search is exhausted; resume at \d\d:\d\d UTC \(in \d s\)/)
    expect(stop.stderr).toMatch(/pass --wait-for-quota/)

    const waiting = await start(c, hourly('contacts/search', 10))
    const res = await waiting.cli(['plan', '--json', '--wait-for-quota'], {env})
    expect(res.code, res.stderr).toBe(0)
    const plan = waiting.json<PlanJson & {cost: {read: {strategy: string; phase: string; warnings: string[]}[]}}>(res)
    expect(plan.summary.remove).toBe(3)
    expect(plan.cost.read).toMatchObject([
      {
        strategy: 'scan',
        phase: 'pages',
        warnings: [expect.stringMatching(/^needs ~14 contacts\/search calls, 8 left this hour/)],
      },
    ])
    // Not redrawn (no terminal): one line when the wait starts, one when it ends.
    expect(res.stderr).toMatch(
      /waiting for Apollo's hourly quota of contacts\/search: resumes at \d\d:\d\d UTC \(in \d s\)\n/,
    )
    expect(res.stderr).toMatch(/hourly quota of contacts\/search reset: resuming/)
    // Pages read before the wait stay read: 16 calls in all, and never a 429.
    expect(waiting.emulator.stats().requests['contacts/search']).toBe(16)
    expect(waiting.emulator.stats().rateLimited).toEqual({})
  })

  it('a window resetting later than --max-wait stops at once, saying so', async () => {
    const waiting = await start(sequenceCase(1_500), hourly('contacts/search', 10))
    const res = await waiting.cli(['plan', '--wait-for-quota', '--max-wait', '1s'], {env})
    expect(res.code).toBe(1)
    expect(res.stderr).toMatch(/longer than --max-wait \(1 s\)/)
    expect(waiting.emulator.stats().requests['contacts/search']).toBe(10)
    const bad = await waiting.cli(['plan', '--wait-for-quota', '--max-wait', 'soon'], {env})
    expect(bad.code).toBe(1)
    expect(bad.stderr).toMatch(/--max-wait "soon" is not a duration/)
  })

  it('--max-wait bounds all the waits of a run together: the wait that would pass it stops the run, saying so', async () => {
    // 2,500 members: 2 probes + 24 scan pages at 10 an hour, so two hourly waits of ~1.8 s each; each
    // fits in 2 s, both together do not.
    const waiting = await start(sequenceCase(2_500), hourly('contacts/search', 10))
    const res = await waiting.cli(['plan', '--wait-for-quota', '--max-wait', '2s'], {env})
    expect(res.code, res.stderr).toBe(1)
    expect(res.stderr).toMatch(/hourly quota for contacts\/search is exhausted; resume at/)
    expect(res.stderr).toMatch(
      /already waited \d s for Apollo's quota, and waiting for this window too would pass --max-wait \(2 s\)/,
    )
    // One wait, then the stop before the second: 20 calls, no 429.
    expect(res.stderr.match(/waiting for Apollo's hourly quota/g)).toHaveLength(1)
    expect(waiting.emulator.stats().requests['contacts/search']).toBe(20)
    expect(waiting.emulator.stats().rateLimited).toEqual({})
  })

  it('import --wait-for-quota: the sweep waits for the hourly window and the manifest is written', async () => {
    // 1,500 members: 15 contacts/search calls at 10 an hour.
    const c = sequenceCase(1_500)
    const stopped = await start(c, hourly('contacts/search', 10))
    const stop = await stopped.cli(['import', '--sequence', SEQ, '--out-dir', 'adopted'], {env})
    expect(stop.code).toBe(1)
    expect(stop.stderr).toMatch(/pass --wait-for-quota/)
    // Before the bulk of the sweep, import says what it costs against the quota, as plan does.
    expect(stop.stderr).toMatch(/^Reading Apollo by a sweep of the 1,500 members of the sequences/m)
    expect(stop.stderr).toMatch(
      /^ {2}warning: needs ~14 contacts\/search calls, 9 left this hour: it will wait ~.+ with --wait-for-quota, or stop$/m,
    )
    const waiting = await start(c, hourly('contacts/search', 10))
    const res = await waiting.cli(['import', '--sequence', SEQ, '--out-dir', 'adopted', '--wait-for-quota'], {env})
    expect(res.code, res.stderr).toBe(0)
    expect(res.stdout).toContain(`"Reads" (${SEQ}), 1500 members`)
    expect(res.stderr).toMatch(/waiting for Apollo's hourly quota of contacts\/search/)
    expect(waiting.emulator.stats().rateLimited).toEqual({})
  })

  it('apply --wait-for-quota: the adds wait for the hourly window of add_contact_ids and converge, with no 429', async () => {
    // 30 adds in batches of 5: 6 add calls at 2 an hour.
    const waiting = await start(
      sequenceCase(20, {adds: 30, batchSize: 5}),
      hourly('emailer_campaigns/add_contact_ids', 2),
    )
    const res = await waiting.cli(['apply', '--auto-approve', '--wait-for-quota', '--format', 'json'], {
      env,
      timeoutMs: 60_000,
    })
    expect(res.code, res.stderr).toBe(0)
    expect(waiting.json<{converged: boolean}>(res).converged).toBe(true)
    expect(waiting.emulator.stats().requests['emailer_campaigns/add_contact_ids']).toBe(6)
    expect(waiting.emulator.stats().rateLimited).toEqual({})
    const plan = await waiting.cli(['plan', '--detailed-exitcode'], {env})
    expect(plan.code, plan.stdout).toBe(0)
  })
})
