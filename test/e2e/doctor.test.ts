// `seqsync doctor` through the real CLI against the emulator (issue 14.6): one line per check, exit 1
// on any fail, read-only, and without manifests the manifest checks are skipped.
import {afterEach, describe, expect, it} from 'vitest'

import {WRITE_ENDPOINTS} from '../../src/apollo/endpoints.js'
import type {EmulatorOptions} from '../../src/emulator/types.js'
import {readExampleSeed, startE2eEnv} from '../helpers/e2e-env.js'
import type {E2eEnv, E2eEnvOptions} from '../helpers/e2e-env.js'

interface DoctorJson {
  readonly ok: boolean
  readonly checks: {check: string; status: string; message: string; hint: string | null}[]
}

const envs: E2eEnv[] = []
afterEach(async () => {
  for (const env of envs.splice(0)) await env.close()
})

async function start(options: E2eEnvOptions = {}): Promise<E2eEnv> {
  const env = await startE2eEnv(options)
  envs.push(env)
  return env
}

async function doctor(env: E2eEnv, args: string[] = []): Promise<{code: number; report: DoctorJson}> {
  const res = await env.cli(['doctor', '--json', ...args])
  return {code: res.code, report: env.json<DoctorJson>(res)}
}

const statusOf = (report: DoctorJson, check: string) => report.checks.find((c) => c.check === check)

describe('seqsync doctor', () => {
  it('on the examples: every check ok, one line each, and nothing written to Apollo', async () => {
    const env = await start({emulator: {rateLimits: {minute: 200, hour: 400, day: 2000}}})
    const before = env.emulator.snapshot()
    const text = await env.cli(['doctor'])
    expect(text.code, text.stdout + text.stderr).toBe(0)
    expect(text.stdout).toMatch(
      /^ok {4}key: acts as Olivia Reyes <olivia\.reyes@acme\.example> \(user \w+, team \w+\)$/m,
    )
    for (const check of [
      'scope contacts/bulk_create: the key may call it',
      'scope emailer_campaigns/remove_or_stop_contact_ids: the key may call it',
      'manifests: 4 files, 4 managed sequences',
      'mailbox sdr@acme.example: email account 6a1b2c3d4e5f60718293a401, active',
      'sort: Apollo sorts contacts/search by contact_created_at both ways (ties by id)',
      'display cap: Apollo refuses pages past 50,000 records with a 422 naming its display cap',
      'account: 28 contacts, 16 distinct members in the managed sequences',
      'quota contacts/search:',
    ])
      expect(text.stdout).toContain(`ok    ${check}`)
    expect(text.stdout).toMatch(/ok {4}filter: Apollo applies emailer_campaign_ids/)
    expect(text.stdout).toMatch(
      /ok {4}plan cost: a full plan reads by scan of 28 contacts: ~1 contacts\/search calls, within one hour of Apollo's 400/,
    )
    expect(text.stdout.trimEnd().split('\n').at(-1)).toBe('doctor: 30 ok, 0 warn, 0 fail, 0 skip')
    // Write endpoints were probed with requests that cannot change anything.
    for (const e of WRITE_ENDPOINTS.filter((w) => w !== 'contacts/create'))
      expect(env.emulator.stats().requests[e], e).toBe(1)
    expect(env.emulator.snapshot()).toEqual(before)
  })

  it('a key without a scope, an inactive and a revoked mailbox: fail lines with what to do, exit 1', async () => {
    const seed = readExampleSeed()
    const env = await start({
      seed: {...seed, restrictedKeys: {'scoped-key': ['emailer_campaigns/remove_or_stop_contact_ids']}},
      env: {APOLLO_API_KEY: 'scoped-key'},
    })
    env.emulator.updateMailbox('6a1b2c3d4e5f60718293a401', {active: false})
    env.emulator.updateMailbox('6a1b2c3d4e5f60718293a402', {revokedAt: '2026-11-30T08:00:00Z'})
    const {code, report} = await doctor(env)
    expect(code).toBe(1)
    expect(report.ok).toBe(false)
    expect(statusOf(report, 'scope emailer_campaigns/remove_or_stop_contact_ids')).toEqual({
      check: 'scope emailer_campaigns/remove_or_stop_contact_ids',
      status: 'fail',
      message: 'the key lacks the scope api/v1/emailer_campaigns/remove_or_stop_contact_ids',
      hint: expect.stringMatching(/configured scopes .* master key/),
    })
    expect(statusOf(report, 'mailbox sdr@acme.example')).toMatchObject({
      status: 'fail',
      message: expect.stringMatching(/not active/),
    })
    expect(statusOf(report, 'mailbox ae@acme.example')).toMatchObject({
      status: 'fail',
      message: expect.stringMatching(/revoked at 2026-11-30T08:00:00Z/),
      hint: expect.stringMatching(/Reconnect the mailbox/),
    })
  })

  it('without manifests: the manifest checks are skipped with a note, and Apollo is still checked', async () => {
    const env = await start({files: {}})
    const {code, report} = await doctor(env)
    expect(code).toBe(0)
    expect(statusOf(report, 'manifests')).toMatchObject({
      status: 'skip',
      message: expect.stringMatching(/no manifests/),
    })
    expect(statusOf(report, 'mailboxes')?.status).toBe('skip')
    expect(statusOf(report, 'filter')).toMatchObject({status: 'ok', message: expect.stringMatching(/1 sequence id/)})
    expect(statusOf(report, 'account')).toMatchObject({status: 'ok', message: '28 contacts'})
    expect(statusOf(report, 'plan cost')?.status).toBe('skip')
  })

  it('an Apollo that ignores the filter or a sort, a cap of 1,000, a tight quota: named, with what to do', async () => {
    const emulators: Omit<EmulatorOptions, 'seed'>[] = [
      {ignoredParams: ['emailer_campaign_ids']},
      {ignoredParams: ['sort_ascending']},
      {displayCap: 1_000},
      {rateLimits: {minute: null, hour: null, day: null, perEndpoint: {'contacts/search': {hour: 5}}}},
    ]
    const [filter, sort, cap, quota] = await Promise.all(
      emulators.map(async (emulator) => doctor(await start({emulator}))),
    )
    expect(filter!.code).toBe(1)
    expect(statusOf(filter!.report, 'filter')).toMatchObject({
      status: 'fail',
      message: expect.stringMatching(/did not confirm the emailer_campaign_ids filter/),
    })
    expect(statusOf(sort!.report, 'sort')).toMatchObject({
      status: 'fail',
      message: expect.stringMatching(/ignored sort_ascending/),
    })
    expect(cap!.code).toBe(0)
    expect(statusOf(cap!.report, 'display cap')).toMatchObject({
      status: 'warn',
      message: expect.stringMatching(/display cap is 1,000 records, not the documented 50,000/),
    })
    // 5 contacts/search calls an hour, all used by doctor's own checks: the plan does not fit.
    expect(statusOf(quota!.report, 'quota contacts/search')).toMatchObject({
      status: 'warn',
      message: '0 of 5 left this hour',
    })
    expect(statusOf(quota!.report, 'plan cost')).toMatchObject({
      status: 'warn',
      message: expect.stringMatching(
        /needs ~1 contacts\/search calls, 0 left this hour: it will wait ~1 h with --wait-for-quota, or stop/,
      ),
      hint: expect.stringMatching(/--wait-for-quota/),
    })
  })

  it('an Apollo that fails some endpoints: scopes it could not check, the mailbox listing that failed, quota unknown', async () => {
    const env = await start({
      emulator: {faults: {seed: 1, error500Before: 1, endpoints: ['usage_stats/api_usage_stats', 'email_accounts']}},
      // Shortens the client's retry backoff (loopback emulator only).
      env: {SEQSYNC_RATE_WINDOW_SCALE: '0.01'},
    })
    const {code, report} = await doctor(env)
    expect(code).toBe(1)
    for (const endpoint of ['usage_stats/api_usage_stats', 'email_accounts']) {
      expect(statusOf(report, `scope ${endpoint}`)).toMatchObject({
        status: 'warn',
        message: expect.stringMatching(/^could not check: Apollo gave no answer about the scope \(HTTP 500/),
      })
    }
    expect(statusOf(report, 'scope contacts/search')?.status).toBe('ok')
    expect(statusOf(report, 'mailboxes')).toMatchObject({
      status: 'fail',
      message: expect.stringMatching(/email_accounts failed: HTTP 500/),
    })
    expect(statusOf(report, 'quota')).toMatchObject({
      status: 'ok',
      message: expect.stringMatching(/^usage stats are unknown/),
    })
    expect(statusOf(report, 'plan cost')?.status).toBe('ok')
  })

  it('plan cost: what doctor says a plan spends is what plan then spends, under the cap Apollo showed, look-ups by id included', async () => {
    // 50 members (48 declared by email), 250 other contacts, the last two of them declared by id;
    // a display cap of 100, so the 300 contacts cannot be scanned: a sweep and two look-ups by id.
    const SEQ = '5e9000000000000000000001'
    const MAILBOX = {id: '6a1100000000000000000001', email: 'sdr@cost.example', active: true}
    const hex = (prefix: string, n: number) => `${prefix}${n.toString(16).padStart(22, '0')}`
    const members = Array.from({length: 50}, (_, i) => ({
      id: hex('c0', i),
      email: `member${i}@cost.example`,
      memberships: [{sequence_id: SEQ, status: 'active' as const, mailbox_id: MAILBOX.id}],
    }))
    const others = Array.from({length: 250}, (_, i) => ({id: hex('d0', i), email: `other${i}@cost.example`}))
    const pinned = others.slice(-2).map((c) => c.id)
    const manifest = [
      'apiVersion: seqsync/v1',
      'kind: SequenceMembership',
      `sequence:\n  id: "${SEQ}"`,
      `mailbox: ${MAILBOX.email}`,
      'contacts:',
      ...members.slice(0, 48).map((c) => `  - ${c.email}`),
      ...pinned.map((id) => `  - id: "${id}"`),
      '',
    ].join('\n')
    const hour = {minute: null, hour: 600, day: null, windowScale: 0.001}
    const env = await start({
      seed: {
        apiKeys: ['cost-key'],
        emailAccounts: [MAILBOX],
        sequences: [{id: SEQ, name: 'Cost', active: true}],
        contacts: [...members, ...others],
      },
      files: {'seqsync.config.yaml': 'manifests:\n  - "sequences/*.yaml"\n', 'sequences/cost.yaml': manifest},
      emulator: {displayCap: 100, rateLimits: hour},
      env: {SEQSYNC_RATE_WINDOW_SCALE: '0.001'},
    })
    const {report} = await doctor(env)
    expect(statusOf(report, 'plan cost')).toMatchObject({
      status: 'ok',
      message:
        "a full plan reads by sweep of 50 members, look-ups of at most 2 declared contacts: ~2 contacts/search calls and ~2 contacts/show calls, within one hour of Apollo's 600",
    })
    const plan = await env.cli(['plan', '--json'])
    expect(plan.code, plan.stderr).toBe(0)
    const spent = env.json<{cost: {planCalls: Record<string, number>}}>(plan).cost.planCalls
    expect({search: spent['contacts/search'], show: spent['contacts/show']}).toEqual({search: 2, show: 2})
  })

  it('plan cost: the time a plan takes of the hourly quota is in the window Apollo (or the emulator) uses', async () => {
    // 1,000 members at 8 contacts/search calls an hour, an hour of 3.6 s: 10 calls take ~5 s of quota
    // (not 1 h 15 min).
    const SEQ = '5e9000000000000000000001'
    const MAILBOX = {id: '6a1100000000000000000001', email: 'sdr@cost.example', active: true}
    const members = Array.from({length: 1_000}, (_, i) => ({
      id: `c0${i.toString(16).padStart(22, '0')}`,
      email: `member${i}@cost.example`,
      memberships: [{sequence_id: SEQ, status: 'active' as const, mailbox_id: MAILBOX.id}],
    }))
    const manifest = `apiVersion: seqsync/v1\nkind: SequenceMembership\nsequence:\n  id: "${SEQ}"\nmailbox: ${MAILBOX.email}\ncontacts:\n  - ${members[0]!.email}\n`
    const env = await start({
      seed: {
        apiKeys: ['cost-key'],
        emailAccounts: [MAILBOX],
        sequences: [{id: SEQ, name: 'Cost', active: true}],
        contacts: members,
      },
      files: {'seqsync.config.yaml': 'manifests:\n  - "sequences/*.yaml"\n', 'sequences/cost.yaml': manifest},
      emulator: {
        rateLimits: {
          minute: null,
          hour: null,
          day: null,
          windowScale: 0.001,
          perEndpoint: {'contacts/search': {hour: 8}},
        },
      },
      env: {SEQSYNC_RATE_WINDOW_SCALE: '0.001'},
    })
    const {report} = await doctor(env)
    expect(statusOf(report, 'plan cost')?.message).toMatch(
      /^a full plan reads by sweep of 1,000 members: ~10 contacts\/search calls; at Apollo's 8 an hour that is 5 s of its quota/,
    )
  })

  it('a wrong key: one failing line, exit 1, the key never echoed', async () => {
    const env = await start({env: {APOLLO_API_KEY: 'sk_wrong_but_secret_123'}})
    const res = await env.cli(['doctor'])
    expect(res.code).toBe(1)
    expect(res.stdout).toMatch(/^fail {2}key: Apollo does not accept the key/m)
    expect(res.stdout + res.stderr).not.toContain('sk_wrong_but_secret_123')
  })
})
