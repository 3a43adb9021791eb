// The Apollo emulator over REAL HTTP (global fetch on 127.0.0.1): auth, shapes, skip reasons,
// memberships, search paging and the display cap, rate limits, faults, persistence, scale.
// Response bodies are untyped JSON on purpose (the assertions are the type check).

import {spawn} from 'node:child_process'
import {existsSync} from 'node:fs'
import {mkdtemp, readFile, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {afterEach, describe, expect, it} from 'vitest'

import {startEmulator} from '../../src/emulator/server.js'
import type {EmulatorOptions, EmulatorSeed, RunningEmulator, SeedContact} from '../../src/emulator/types.js'

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
const KEY = 'test-key-not-secret'
const S_ACTIVE = '64a000000000000000000001'
const S_OTHER = '64a000000000000000000002'
const S_INACTIVE = '64a000000000000000000003'
const S_ARCHIVED = '64a000000000000000000004'
const MB = '65b000000000000000000001'
const MB_OFF = '65b000000000000000000002'

function cid(n: number): string {
  return `66c${n.toString(16).padStart(21, '0')}`
}

function baseSeed(contacts: SeedContact[] = []): EmulatorSeed {
  return {
    apiKeys: [KEY],
    restrictedKeys: {'scoped-key': ['emailer_campaigns/add_contact_ids']},
    users: [{id: '67d000000000000000000001', email: 'owner@acme.test', first_name: 'Olive', last_name: 'Owner'}],
    emailAccounts: [
      {id: MB, email: 'sdr@acme.test', active: true, user_id: '67d000000000000000000001'},
      {id: MB_OFF, email: 'old@acme.test', active: false},
    ],
    sequences: [
      {id: S_ACTIVE, name: 'Q4 Enterprise Outreach', active: true},
      {id: S_OTHER, name: 'Q4 SMB Outreach', active: true},
      {id: S_INACTIVE, name: 'Dormant Nurture', active: false},
      {id: S_ARCHIVED, name: 'Old Enterprise Campaign', active: false, archived: true},
    ],
    contacts,
  }
}

const running: RunningEmulator[] = []
const dirs: string[] = []

async function start(options: Partial<EmulatorOptions> & {seed?: EmulatorSeed} = {}): Promise<RunningEmulator> {
  const emu = await startEmulator({seed: baseSeed(), ...options})
  running.push(emu)
  return emu
}

afterEach(async () => {
  await Promise.all(running.splice(0).map((e) => e.close()))
  await Promise.all(dirs.splice(0).map((d) => rm(d, {recursive: true, force: true})))
})

interface Reply {
  status: number
  headers: Headers
  text: string
  json: any
}

async function call(
  emu: RunningEmulator,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {'x-api-key': KEY},
): Promise<Reply> {
  const res = await fetch(`${emu.url}${path}`, {
    method,
    headers: {...headers, ...(body === undefined ? {} : {'content-type': 'application/json'})},
    ...(body === undefined ? {} : {body: JSON.stringify(body)}),
  })
  const text = await res.text()
  let json: unknown = null
  try {
    json = JSON.parse(text)
  } catch {
    json = null
  }
  return {status: res.status, headers: res.headers, text, json}
}

function contact(n: number, extra: Partial<SeedContact> = {}): SeedContact {
  return {
    id: cid(n),
    email: `person${n}@example.test`,
    first_name: `P${n}`,
    last_name: 'Test',
    organization_name: `Org ${n}`,
    ...extra,
  }
}

describe('auth', () => {
  it('rejects a missing, wrong or Bearer key with 401 text/plain and no rate-limit headers', async () => {
    const emu = await start({rateLimits: {minute: 10, hour: 100, day: 1000}})
    for (const headers of [{}, {'x-api-key': 'nope'}, {authorization: `Bearer ${KEY}`}]) {
      const r = await call(emu, 'GET', '/auth/health', undefined, headers)
      expect(r.status).toBe(401)
      expect(r.headers.get('content-type')).toMatch(/^text\/plain/)
      expect(r.text).toBe(
        'Invalid API key. See https://docs.apollo.io/reference/authentication for how to authenticate.',
      )
      expect(r.headers.get('x-minute-requests-left')).toBeNull()
    }
    // api_key in the query or the body is not accepted either.
    expect((await call(emu, 'GET', `/auth/health?api_key=${KEY}`, undefined, {})).status).toBe(401)
    expect((await call(emu, 'POST', '/contacts/search', {api_key: KEY}, {})).status).toBe(401)
    expect(emu.stats().requests['auth/health']).toBeUndefined()
  })

  it('answers 403 API_INACCESSIBLE for a key without the endpoint in its scope', async () => {
    const emu = await start()
    const r = await call(emu, 'POST', `/emailer_campaigns/${S_ACTIVE}/add_contact_ids`, {}, {'x-api-key': 'scoped-key'})
    expect(r.status).toBe(403)
    expect(r.json).toEqual({
      error:
        'This API key is not authorized to access api/v1/emailer_campaigns/add_contact_ids. Request an API key from your administrator that includes this endpoint in its configured scope.',
      error_code: 'API_INACCESSIBLE',
    })
    // The same key may call other endpoints.
    expect((await call(emu, 'GET', '/auth/health', undefined, {'x-api-key': 'scoped-key'})).status).toBe(200)
  })

  it('404s unknown paths with text, including the nested remove path, and serves the legacy /v1 prefix', async () => {
    const emu = await start()
    const r = await call(emu, 'POST', `/emailer_campaigns/${S_ACTIVE}/remove_or_stop_contact_ids`, {})
    expect(r.status).toBe(404)
    expect(r.text).toBe('The endpoint does not exist')
    expect((await call(emu, 'GET', '/nope')).status).toBe(404)
    const legacy = await fetch(emu.url.replace('/api/v1', '/v1') + '/auth/health', {headers: {'x-api-key': KEY}})
    expect(legacy.status).toBe(200)
    expect(await legacy.json()).toEqual({is_logged_in: true})
  })
})

describe("names of Object's own members as keys, ids and emails", () => {
  const NAMES = ['constructor', '__proto__', 'toString', 'hasOwnProperty']

  it('are unknown API keys (401), and unknown ids and emails, never a 500', async () => {
    const emu = await start()
    for (const name of NAMES) {
      expect((await call(emu, 'GET', '/users/api_profile', undefined, {'x-api-key': name})).status, name).toBe(401)
      expect((await call(emu, 'GET', `/emailer_campaigns/${name}`)).status, name).toBe(422)
      expect((await call(emu, 'GET', `/contacts/${name}`)).status, name).toBeLessThan(500)
      const search = await call(emu, 'POST', '/contacts/search', {q_keywords: `${name}@x.test`})
      expect(search.status, name).toBe(200)
      const added = await call(emu, 'POST', `/emailer_campaigns/${S_ACTIVE}/add_contact_ids`, {
        emailer_campaign_id: S_ACTIVE,
        contact_ids: [name],
        send_email_from_email_account_id: MB,
      })
      expect(added.status, name).toBe(200)
      // The unknown id is reported as skipped under its own name, not lost in a prototype.
      expect(JSON.parse(added.text).skipped_contact_ids, name).toEqual({[name]: 'contact_not_found'})
      expect(Object.keys(JSON.parse(added.text).skipped_contact_ids)).toEqual([name])
    }
  })
})

describe('simple endpoints', () => {
  it('serves api_profile, email_accounts and usage stats', async () => {
    const emu = await start({rateLimits: {minute: 50, hour: 400, day: 2000}})
    const profile = await call(emu, 'GET', '/users/api_profile')
    expect(profile.json).toMatchObject({
      id: '67d000000000000000000001',
      email: 'owner@acme.test',
      first_name: 'Olive',
      last_name: 'Owner',
    })
    expect(typeof profile.json.team_id).toBe('string')

    const accounts = await call(emu, 'GET', '/email_accounts')
    expect(accounts.json.email_accounts).toHaveLength(2)
    expect(accounts.json.email_accounts[0]).toMatchObject({
      id: MB,
      email: 'sdr@acme.test',
      type: 'gmail',
      active: true,
      default: true,
    })
    expect(accounts.json.email_accounts[1]).toMatchObject({id: MB_OFF, active: false, default: false})

    await call(emu, 'POST', '/contacts/search', {})
    const usage = await call(emu, 'POST', '/usage_stats/api_usage_stats', {})
    expect(usage.json['["api/v1/contacts", "search"]']).toEqual({
      day: {limit: 2000, consumed: 1, left_over: 1999},
      hour: {limit: 400, consumed: 1, left_over: 399},
      minute: {limit: 50, consumed: 1, left_over: 49},
    })
    expect(usage.json['["api/v1/email_accounts", "index"]'].minute).toEqual({limit: 50, consumed: 1, left_over: 49})
  })
})

describe('sequences', () => {
  it('searches by partial case-insensitive name, hides archived ones and pages with breadcrumbs', async () => {
    const emu = await start()
    const all = await call(emu, 'POST', '/emailer_campaigns/search', {})
    expect(all.json.emailer_campaigns.map((s: {id: string}) => s.id)).toEqual([S_ACTIVE, S_OTHER, S_INACTIVE])
    expect(all.json.breadcrumbs).toEqual([])
    expect(all.json.num_fetch_result).toBeNull()
    expect(all.json.emailer_campaigns[0]).toMatchObject({
      name: 'Q4 Enterprise Outreach',
      active: true,
      archived: false,
      unique_scheduled: 'loading',
    })

    const q = await call(emu, 'POST', '/emailer_campaigns/search', {q_name: 'enterprise'})
    expect(q.json.emailer_campaigns.map((s: {id: string}) => s.id)).toEqual([S_ACTIVE])
    expect(q.json.breadcrumbs).toEqual([
      {label: 'Name', signal_field_name: 'q_name', value: 'enterprise', display_name: 'enterprise'},
    ])

    const page2 = await call(emu, 'POST', '/emailer_campaigns/search?page=2&per_page=2', {})
    expect(page2.json.emailer_campaigns.map((s: {id: string}) => s.id)).toEqual([S_INACTIVE])
    expect(Number(page2.json.pagination.page)).toBe(2)
    expect(page2.json.pagination).toMatchObject({per_page: 2, total_entries: 3, total_pages: 2})
    const strings = await call(emu, 'POST', '/emailer_campaigns/search', {page: '1', per_page: '1'})
    expect(strings.json.emailer_campaigns).toHaveLength(1)

    const tooBig = await call(emu, 'POST', '/emailer_campaigns/search', {per_page: 101})
    expect(tooBig.status).toBe(422)
    expect(typeof tooBig.json.error).toBe('string')
  })

  it('shows any sequence by id, archived included, with live status counts; unknown id is 422', async () => {
    const emu = await start({
      seed: baseSeed([
        contact(1, {memberships: [{sequence_id: S_ARCHIVED, status: 'finished'}]}),
        contact(2, {memberships: [{sequence_id: S_ARCHIVED, status: 'failed', failure_reason: 'hard_bounced'}]}),
      ]),
    })
    const r = await call(emu, 'GET', `/emailer_campaigns/${S_ARCHIVED}`)
    expect(r.status).toBe(200)
    expect(r.json.emailer_campaign).toMatchObject({id: S_ARCHIVED, archived: true, active: false, num_contacts: 2})
    expect(r.json.emailer_campaign.contact_statuses).toMatchObject({finished: 1, failed: 1, active: 0, hard_bounced: 1})
    expect(r.json).toMatchObject({emailer_steps: [], emailer_touches: [], emailer_templates: []})
    const missing = await call(emu, 'GET', '/emailer_campaigns/64a0000000000000000000ff')
    expect(missing.status).toBe(422)
    expect(missing.json).toEqual({error: 'Sequence not found'})
  })
})

function addBody(
  sequenceId: string,
  contactIds: string[],
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {emailer_campaign_id: sequenceId, contact_ids: contactIds, send_email_from_email_account_id: MB, ...extra}
}

describe('add_contact_ids', () => {
  it('validates the request like Apollo', async () => {
    const emu = await start({seed: baseSeed([contact(1)])})
    const path = `/emailer_campaigns/${S_ACTIVE}/add_contact_ids`
    const noCampaign = await call(emu, 'POST', path, {contact_ids: [cid(1)], send_email_from_email_account_id: MB})
    expect(noCampaign.status).toBe(422)
    expect(noCampaign.json.error).toBe('Please specify a emailer_campaign_id and send_email_from_email_account_id.')
    const noMailbox = await call(emu, 'POST', path, {emailer_campaign_id: S_ACTIVE, contact_ids: [cid(1)]})
    expect(noMailbox.json.error).toBe('Please specify a emailer_campaign_id and send_email_from_email_account_id.')
    const noContacts = await call(emu, 'POST', path, {
      emailer_campaign_id: S_ACTIVE,
      send_email_from_email_account_id: MB,
    })
    expect(noContacts.json.error).toBe('Please specify either contact_ids or label_names.')
    const inactiveMailbox = await call(
      emu,
      'POST',
      path,
      addBody(S_ACTIVE, [cid(1)], {send_email_from_email_account_id: MB_OFF}),
    )
    expect(inactiveMailbox.status).toBe(422)
    expect(inactiveMailbox.json.error).toBe('These mailboxes are no longer active. old@acme.test')
    const unknownMailbox = await call(
      emu,
      'POST',
      path,
      addBody(S_ACTIVE, [cid(1)], {send_email_from_email_account_id: '65b0000000000000000000ff'}),
    )
    expect(unknownMailbox.status).toBe(422)
    const archived = await call(
      emu,
      'POST',
      `/emailer_campaigns/${S_ARCHIVED}/add_contact_ids`,
      addBody(S_ARCHIVED, [cid(1)]),
    )
    expect(archived.status).toBe(422)
    expect(archived.json).toEqual({error: 'Cannot add contacts to an archived sequence.'})
    expect(emu.snapshot().contacts[0]?.memberships).toBeUndefined()
  })

  it('enrolls active, with Apollo membership fields, and paused into an inactive sequence', async () => {
    const emu = await start({seed: baseSeed([contact(1), contact(2)])})
    const r = await call(emu, 'POST', `/emailer_campaigns/${S_ACTIVE}/add_contact_ids`, addBody(S_ACTIVE, [cid(1)]))
    expect(r.status).toBe(200)
    expect(r.json.skipped_contact_ids).toEqual({})
    expect(r.json.contacts).toHaveLength(1)
    const added = r.json.contacts[0]
    expect(added.emailer_campaign_ids).toEqual([S_ACTIVE])
    expect(added.contact_campaign_statuses[0]).toMatchObject({
      emailer_campaign_id: S_ACTIVE,
      status: 'active',
      inactive_reason: null,
      send_email_from_email_account_id: MB,
      send_email_from_email_address: 'sdr@acme.test',
    })
    expect(typeof added.contact_campaign_statuses[0].added_at).toBe('string')
    expect(r.json.emailer_campaign.id).toBe(S_ACTIVE)
    expect(r.json.team.id).toEqual(expect.any(String))

    const paused = await call(
      emu,
      'POST',
      `/emailer_campaigns/${S_INACTIVE}/add_contact_ids`,
      addBody(S_INACTIVE, [cid(2)]),
    )
    expect(paused.json.contacts[0].contact_campaign_statuses[0]).toMatchObject({
      status: 'paused',
      inactive_reason: 'Sequence inactive',
    })
  })

  it('reports the first skip reason in Apollo precedence, each switch unlocking the next', async () => {
    // One contact that trips every check after "already exists" and "not found".
    const trouble = contact(10, {
      email: 'trouble@globex.test',
      email_status: 'unverified',
      job_change: true,
      organization_name: 'Globex',
      memberships: [
        {sequence_id: S_OTHER, status: 'paused'},
        {sequence_id: S_INACTIVE, status: 'finished'},
      ],
    })
    const colleague = contact(11, {
      organization_name: 'globex',
      memberships: [{sequence_id: S_ACTIVE, status: 'active'}],
    })
    const emu = await start({seed: baseSeed([trouble, colleague])})
    const path = `/emailer_campaigns/${S_ACTIVE}/add_contact_ids`
    const steps: [Record<string, boolean>, string][] = [
      [{}, 'contacts_unverified_email'],
      [{sequence_unverified_email: true}, 'contacts_with_job_change'],
      [{sequence_unverified_email: true, sequence_job_change: true}, 'contacts_active_in_other_campaigns'],
      [
        {sequence_unverified_email: true, sequence_job_change: true, sequence_active_in_other_campaigns: true},
        'contacts_finished_in_other_campaigns',
      ],
      [
        {
          sequence_unverified_email: true,
          sequence_job_change: true,
          sequence_active_in_other_campaigns: true,
          sequence_finished_in_other_campaigns: true,
        },
        'contacts_in_same_company',
      ],
    ]
    for (const [switches, reason] of steps) {
      const r = await call(emu, 'POST', path, addBody(S_ACTIVE, [cid(10), cid(99), cid(11)], switches))
      expect(r.json.skipped_contact_ids).toEqual({
        [cid(10)]: reason,
        [cid(99)]: 'contact_not_found',
        [cid(11)]: 'contacts_already_exists_in_current_campaign',
      })
      expect(r.json.contacts).toEqual([])
    }
    const all = {
      sequence_unverified_email: true,
      sequence_job_change: true,
      sequence_active_in_other_campaigns: true,
      sequence_finished_in_other_campaigns: true,
      sequence_same_company_in_same_campaign: true,
    }
    const r = await call(emu, 'POST', path, addBody(S_ACTIVE, [cid(10)], all))
    expect(r.json.skipped_contact_ids).toEqual({})
    expect(r.json.contacts.map((c: {id: string}) => c.id)).toEqual([cid(10)])
  })

  it('skips contacts without email unless sequence_no_email, and same-company within one request', async () => {
    const emu = await start({
      seed: baseSeed([
        contact(1, {email: null, email_status: null}),
        contact(2, {organization_name: 'Initech'}),
        contact(3, {organization_name: 'INITECH '}),
      ]),
    })
    const path = `/emailer_campaigns/${S_ACTIVE}/add_contact_ids`
    const r = await call(emu, 'POST', path, addBody(S_ACTIVE, [cid(1), cid(2), cid(3)]))
    expect(r.json.skipped_contact_ids).toEqual({
      [cid(1)]: 'contacts_without_email',
      [cid(3)]: 'contacts_in_same_company',
    })
    expect(r.json.contacts.map((c: {id: string}) => c.id)).toEqual([cid(2)])
    const again = await call(emu, 'POST', path, addBody(S_ACTIVE, [cid(1)], {sequence_no_email: true}))
    expect(again.json.contacts.map((c: {id: string}) => c.id)).toEqual([cid(1)])
  })

  it('never re-adds a contact removed from the same sequence, nor a finished one', async () => {
    const emu = await start({
      seed: baseSeed([contact(1, {memberships: [{sequence_id: S_ACTIVE, status: 'active'}]}), contact(2)]),
    })
    await call(emu, 'POST', '/emailer_campaigns/remove_or_stop_contact_ids', {
      emailer_campaign_ids: [S_ACTIVE],
      contact_ids: [cid(1)],
      mode: 'remove',
    })
    const r = await call(
      emu,
      'POST',
      `/emailer_campaigns/${S_ACTIVE}/add_contact_ids`,
      addBody(S_ACTIVE, [cid(1), cid(2), cid(2)]),
    )
    // cid(2) is added once; its duplicate in the same request is then "already exists".
    expect(r.json.skipped_contact_ids).toEqual({
      [cid(1)]: 'contacts_already_exists_in_current_campaign',
      [cid(2)]: 'contacts_already_exists_in_current_campaign',
    })
    expect(r.json.contacts.map((c: {id: string}) => c.id)).toEqual([cid(2)])
    expect(emu.snapshot().contacts[0]?.removed_sequence_ids).toEqual([S_ACTIVE])
  })
})

describe('remove_or_stop_contact_ids', () => {
  function seedForRemoval(): EmulatorSeed {
    return baseSeed([
      contact(1, {
        memberships: [
          {sequence_id: S_ACTIVE, status: 'active'},
          {sequence_id: S_OTHER, status: 'active'},
        ],
      }),
      contact(2, {memberships: [{sequence_id: S_ACTIVE, status: 'paused'}]}),
      contact(3, {memberships: [{sequence_id: S_OTHER, status: 'active'}]}),
      contact(4),
    ])
  }
  const path = '/emailer_campaigns/remove_or_stop_contact_ids'

  function statusOf(emu: RunningEmulator, n: number, sequenceId: string): string {
    const c = emu.snapshot().contacts.find((x) => x.id === cid(n))
    return c?.memberships?.find((m) => m.sequence_id === sequenceId)?.status ?? 'absent'
  }

  it('removes across the cross product of sequences x contacts and forgets nothing else', async () => {
    const emu = await start({seed: seedForRemoval()})
    const r = await call(emu, 'POST', path, {
      emailer_campaign_ids: [S_ACTIVE, S_OTHER],
      contact_ids: [cid(1), cid(3), cid(4)],
      mode: 'remove',
    })
    expect(r.status).toBe(200)
    expect(r.json.emailer_campaigns).toEqual([{id: S_ACTIVE}, {id: S_OTHER}])
    expect(r.json.contact_statuses.active).toBe('loading')
    const c1 = r.json.contacts.find((c: {id: string}) => c.id === cid(1))
    expect(c1.emailer_campaign_ids).toEqual([])
    expect(c1.contact_campaign_statuses).toEqual([])
    expect(statusOf(emu, 1, S_OTHER)).toBe('absent')
    expect(statusOf(emu, 3, S_OTHER)).toBe('absent')
    expect(statusOf(emu, 2, S_ACTIVE)).toBe('paused') // not named: untouched
    // The filter no longer finds them.
    const search = await call(emu, 'POST', '/contacts/search', {emailer_campaign_ids: [S_OTHER]})
    expect(search.json.pagination.total_entries).toBe(0)
  })

  it('marks finished (active and paused) and stops only active members', async () => {
    const emu = await start({seed: seedForRemoval()})
    const fin = await call(emu, 'POST', path, {
      emailer_campaign_ids: [S_ACTIVE],
      contact_ids: [cid(1), cid(2)],
      mode: 'mark_as_finished',
    })
    const finished = fin.json.contacts[0].contact_campaign_statuses.find(
      (m: {emailer_campaign_id: string}) => m.emailer_campaign_id === S_ACTIVE,
    )
    expect(finished).toMatchObject({status: 'finished', inactive_reason: 'manually finished'})
    expect(finished.finished_at).toEqual(expect.any(String))
    expect(statusOf(emu, 2, S_ACTIVE)).toBe('finished')
    expect(statusOf(emu, 1, S_OTHER)).toBe('active')

    const stop = await call(emu, 'POST', path, {
      emailer_campaign_ids: [S_OTHER],
      contact_ids: [cid(1), cid(3), cid(4)],
      mode: 'stop',
    })
    expect(stop.status).toBe(200)
    expect(statusOf(emu, 1, S_OTHER)).toBe('paused')
    const c3 = emu.snapshot().contacts.find((x) => x.id === cid(3))
    expect(c3?.memberships?.[0]).toMatchObject({status: 'paused', inactive_reason: 'Manually stopped'})
    expect(statusOf(emu, 4, S_OTHER)).toBe('absent') // absent membership: no-op
  })

  it('rejects a bad mode and missing arrays with 422', async () => {
    const emu = await start({seed: seedForRemoval()})
    expect(
      (await call(emu, 'POST', path, {emailer_campaign_ids: [S_ACTIVE], contact_ids: [cid(1)], mode: 'delete'})).status,
    ).toBe(422)
    expect((await call(emu, 'POST', path, {contact_ids: [cid(1)], mode: 'remove'})).status).toBe(422)
    expect((await call(emu, 'POST', path, {emailer_campaign_ids: [S_ACTIVE], mode: 'remove'})).status).toBe(422)
    expect(statusOf(emu, 1, S_ACTIVE)).toBe('active')
  })
})

describe('contacts', () => {
  function manyContacts(n: number): SeedContact[] {
    return Array.from({length: n}, (_, i) =>
      contact(i + 1, {
        memberships: [
          ...(i % 2 === 0 ? [{sequence_id: S_ACTIVE, status: 'active' as const}] : []),
          ...(i % 3 === 0 ? [{sequence_id: S_OTHER, status: 'finished' as const}] : []),
        ],
      }),
    )
  }

  it('filters by several sequences with one breadcrumb per id, ignores unknown params and pages', async () => {
    const emu = await start({seed: baseSeed(manyContacts(30))})
    const r = await call(emu, 'POST', '/contacts/search', {
      emailer_campaign_ids: [S_ACTIVE, S_OTHER],
      per_page: 7,
      page: 2,
      contact_emailer_campaign_ids: ['x'],
      not_a_filter: true,
    })
    expect(r.status).toBe(200)
    expect(r.json.breadcrumbs).toEqual([
      {
        label: 'Sequence',
        signal_field_name: 'emailer_campaign_ids',
        value: S_ACTIVE,
        display_name: 'Q4 Enterprise Outreach',
      },
      {label: 'Sequence', signal_field_name: 'emailer_campaign_ids', value: S_OTHER, display_name: 'Q4 SMB Outreach'},
    ])
    // i even or i % 3 == 0 for i in 0..29: 15 + 5 (odd multiples of 3) = 20
    expect(r.json.pagination).toMatchObject({per_page: 7, total_entries: 20, total_pages: 3})
    expect(r.json).toMatchObject({
      partial_results_only: false,
      partial_results_limit: 10000,
      has_join: false,
      num_fetch_result: null,
    })
    expect(r.json.contacts).toHaveLength(7)
    for (const c of r.json.contacts) {
      expect(c.emailer_campaign_ids.some((id: string) => id === S_ACTIVE || id === S_OTHER)).toBe(true)
      expect(c.contact_emails[0]).toMatchObject({email: c.email, position: 0})
      expect(Array.isArray(c.contact_campaign_statuses)).toBe(true)
    }
    // Every member appears exactly once over all pages.
    const ids = new Set<string>()
    for (let page = 1; page <= 3; page += 1) {
      const p = await call(emu, 'POST', '/contacts/search', {
        emailer_campaign_ids: [S_ACTIVE, S_OTHER],
        per_page: 7,
        page,
      })
      for (const c of p.json.contacts) ids.add(c.id)
    }
    expect(ids.size).toBe(20)
  })

  it('shares contact_campaign_statuses ids across contacts like Apollo', async () => {
    const emu = await start({seed: baseSeed(manyContacts(4))})
    const r = await call(emu, 'POST', '/contacts/search', {emailer_campaign_ids: [S_ACTIVE]})
    const statusIds = r.json.contacts.map(
      (c: {contact_campaign_statuses: {id: string}[]}) => c.contact_campaign_statuses[0]?.id,
    )
    expect(statusIds).toHaveLength(2)
    expect(new Set(statusIds).size).toBe(1)
  })

  it('returns pagination.page as a number or a string, alternately', async () => {
    const emu = await start({seed: baseSeed(manyContacts(3))})
    const kinds = new Set<string>()
    for (let i = 0; i < 4; i += 1) {
      const r = await call(emu, 'POST', '/contacts/search', {})
      kinds.add(typeof r.json.pagination.page)
      expect(Number(r.json.pagination.page)).toBe(1)
    }
    expect(kinds).toEqual(new Set(['number', 'string']))
  })

  it('enforces the display cap: a 422 naming it (or empty pages with true totals); per_page > 100 is 422', async () => {
    const emu = await start({seed: baseSeed(manyContacts(30)), displayCap: 10})
    const p2 = await call(emu, 'POST', '/contacts/search', {per_page: 5, page: 2})
    expect(p2.json.contacts).toHaveLength(5)
    const p3 = await call(emu, 'POST', '/contacts/search', {per_page: 5, page: 3})
    expect(p3.status).toBe(422)
    expect(p3.json).toEqual({
      error:
        'The display limit for this search is 10 records (2 pages of 5 per page). Add more filters to narrow your search results.',
    })
    const big = await call(emu, 'POST', '/contacts/search', {per_page: 101})
    expect(big.status).toBe(422)
    expect(typeof big.json.error).toBe('string')

    const empty = await start({seed: baseSeed(manyContacts(30)), displayCap: 10, pastDisplayCap: 'empty'})
    const past = await call(empty, 'POST', '/contacts/search', {per_page: 5, page: 3})
    expect(past.json.contacts).toEqual([])
    expect(past.json.pagination).toMatchObject({total_entries: 30, total_pages: 6})
  })

  it('sorts by contact_created_at with ties broken by id, both ways, and can ignore a parameter', async () => {
    const emu = await start({seed: baseSeed([contact(3), contact(1), contact(2)])})
    // Seed contacts are created in seed order; two created through the API in the same request share
    // a millisecond or not: either way the order is (created_at, id).
    await call(emu, 'POST', '/contacts/bulk_create', {contacts: [{email: 'b@new.test'}, {email: 'a@new.test'}]})
    const asc = await call(emu, 'POST', '/contacts/search', {sort_by_field: 'contact_created_at', sort_ascending: true})
    const keys = asc.json.contacts.map((c: {created_at: string; id: string}) => [Date.parse(c.created_at), c.id])
    expect(keys.slice(0, 3).map((k: [number, string]) => k[1])).toEqual([cid(3), cid(1), cid(2)])
    const sorted = [...keys].sort((a, b) => a[0] - b[0] || (a[1] < b[1] ? -1 : 1))
    expect(keys).toEqual(sorted)
    const desc = await call(emu, 'POST', '/contacts/search', {
      sort_by_field: 'contact_created_at',
      sort_ascending: false,
    })
    expect(desc.json.contacts.map((c: {id: string}) => c.id)).toEqual(keys.map((k: [number, string]) => k[1]).reverse())

    const deaf = await start({seed: baseSeed([contact(1), contact(2)]), ignoredParams: ['sort_ascending']})
    const ignored = await call(deaf, 'POST', '/contacts/search', {
      sort_by_field: 'contact_created_at',
      sort_ascending: true,
    })
    expect(ignored.json.contacts.map((c: {id: string}) => c.id)).toEqual([cid(2), cid(1)])
  })

  it('lets tests change Apollo between two requests: onRequest, deleteContact', async () => {
    const emu = await start({
      seed: baseSeed([contact(1, {memberships: [{sequence_id: S_ACTIVE, status: 'active'}]}), contact(2)]),
    })
    emu.onRequest('contacts/search', 2, () => emu.deleteContact(cid(1)))
    const first = await call(emu, 'POST', '/contacts/search', {})
    expect(first.json.pagination.total_entries).toBe(2)
    const second = await call(emu, 'POST', '/contacts/search', {})
    expect(second.json.pagination.total_entries).toBe(1)
    const members = await call(emu, 'POST', '/contacts/search', {emailer_campaign_ids: [S_ACTIVE]})
    expect(members.json.contacts).toEqual([])
    expect(emu.snapshot().contacts.map((c) => c.id)).toEqual([cid(2)])
    expect((await call(emu, 'POST', '/contacts/search', {q_keywords: 'person1@example.test'})).json.contacts).toEqual(
      [],
    )
  })

  it('matches q_keywords over names, titles, companies and every email; sorts by creation', async () => {
    const emu = await start({
      seed: baseSeed([
        contact(1, {email: 'Jane@Acme.test', title: 'VP Sales'}),
        contact(2, {email: 'xjane@acme.test', other_emails: ['jane.doe@acme.test']}),
        contact(3, {email: 'raj@globex.test', organization_name: 'Globex Corp'}),
      ]),
    })
    const byEmail = await call(emu, 'POST', '/contacts/search', {q_keywords: 'jane@acme.test'})
    expect(byEmail.json.contacts.map((c: {id: string}) => c.id)).toEqual([cid(1), cid(2)])
    const byOther = await call(emu, 'POST', '/contacts/search', {q_keywords: 'JANE.DOE@acme.test'})
    expect(byOther.json.contacts.map((c: {id: string}) => c.id)).toEqual([cid(2)])
    expect(byOther.json.contacts[0].contact_emails.map((e: {email: string}) => e.email)).toEqual([
      'xjane@acme.test',
      'jane.doe@acme.test',
    ])
    expect((await call(emu, 'POST', '/contacts/search', {q_keywords: 'globex corp'})).json.contacts[0].id).toBe(cid(3))
    expect((await call(emu, 'POST', '/contacts/search', {q_keywords: 'vp sales'})).json.contacts[0].id).toBe(cid(1))
    const desc = await call(emu, 'POST', '/contacts/search', {sort_by_field: 'contact_created_at'})
    expect(desc.json.contacts.map((c: {id: string}) => c.id)).toEqual([cid(3), cid(2), cid(1)])
    const asc = await call(emu, 'POST', '/contacts/search', {sort_by_field: 'contact_created_at', sort_ascending: true})
    expect(asc.json.contacts.map((c: {id: string}) => c.id)).toEqual([cid(1), cid(2), cid(3)])
  })

  it('shows a contact by id (422 when unknown) and creates contacts, deduping in bulk', async () => {
    const emu = await start({
      seed: baseSeed([contact(1, {email: 'ana@umbrella.test', other_emails: ['ana@old.test']})]),
    })
    const shown = await call(emu, 'GET', `/contacts/${cid(1)}`)
    expect(shown.json.contact).toMatchObject({id: cid(1), email: 'ana@umbrella.test', email_status: 'verified'})
    const missing = await call(emu, 'GET', `/contacts/${cid(77)}`)
    expect(missing.status).toBe(422)
    expect(missing.json).toEqual({error: 'Oops! This contact does not exist in Apollo.'})

    const single = await call(emu, 'POST', '/contacts', {email: 'solo@new.test', first_name: 'Solo'})
    expect(single.json.contact).toMatchObject({email: 'solo@new.test', first_name: 'Solo', email_status: 'unverified'})

    const bulk = await call(emu, 'POST', '/contacts/bulk_create', {
      run_dedupe: true,
      contacts: [
        {email: 'ANA@OLD.test', first_name: 'Changed'},
        {email: 'bo@stark.test', first_name: 'Bo', organization_name: 'Stark'},
      ],
    })
    expect(bulk.status).toBe(200)
    expect(bulk.json.existing_contacts.map((c: {id: string}) => c.id)).toEqual([cid(1)])
    expect(bulk.json.existing_contacts[0].first_name).toBe('P1') // unchanged
    expect(bulk.json.created_contacts).toHaveLength(1)
    const bo = bulk.json.created_contacts[0]
    expect(bo).toMatchObject({
      email: 'bo@stark.test',
      organization_name: 'Stark',
      email_status: 'unverified',
      emailer_campaign_ids: [],
    })
    expect(bo.id).toMatch(/^[0-9a-f]{24}$/)
    expect((await call(emu, 'GET', `/contacts/${bo.id}`)).status).toBe(200)

    const tooMany = await call(emu, 'POST', '/contacts/bulk_create', {
      contacts: Array.from({length: 101}, (_, i) => ({email: `x${i}@y.test`})),
    })
    expect(tooMany.status).toBe(422)
    expect(tooMany.json.error).toBe('Please limit your array to 100 contacts or fewer.')
  })
})

describe('rate limits', () => {
  it('sends Apollo headers, 429s with retry-after without consuming quota, and reopens the window', async () => {
    // windowScale 0.02: a "minute" lasts 1.2 s.
    const emu = await start({rateLimits: {minute: 3, hour: 100, day: null, windowScale: 0.02}})
    const first = await call(emu, 'GET', '/auth/health')
    expect(first.headers.get('x-rate-limit-minute')).toBe('3')
    expect(first.headers.get('x-minute-usage')).toBe('1')
    expect(first.headers.get('x-minute-requests-left')).toBe('2')
    expect(first.headers.get('x-rate-limit-hourly')).toBe('100')
    expect(first.headers.get('x-hourly-requests-left')).toBe('99')
    expect(first.headers.get('x-rate-limit-24-hour')).toBe('') // unlimited window
    expect(first.headers.get('x-24-hour-requests-left')).toBeNull()
    // Endpoints are limited separately.
    expect((await call(emu, 'GET', '/email_accounts')).headers.get('x-minute-usage')).toBe('1')
    await call(emu, 'GET', '/auth/health')
    await call(emu, 'GET', '/auth/health')
    const limited = await call(emu, 'GET', '/auth/health')
    expect(limited.status).toBe(429)
    expect(limited.json).toEqual({
      message:
        'The maximum number of api calls allowed for api/v1/auth/health is 3 times per minute. Please upgrade your plan from https://app.apollo.io/#/settings/plans/upgrade.',
    })
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1)
    expect(Number(limited.headers.get('retry-after'))).toBeLessThanOrEqual(2)
    expect(limited.headers.get('x-hourly-usage')).toBe('3') // the 429 consumed nothing
    expect(emu.stats().rateLimited['auth/health']).toBe(1)
    expect(emu.stats().requests['auth/health']).toBe(4)

    await new Promise((resolve) => setTimeout(resolve, 1300))
    const reopened = await call(emu, 'GET', '/auth/health')
    expect(reopened.status).toBe(200)
    expect(reopened.headers.get('x-minute-usage')).toBe('1')
    expect(reopened.headers.get('x-hourly-usage')).toBe('4')
  })

  it('names the hour window in an hourly 429 and honours per-endpoint overrides and setRateLimits', async () => {
    const emu = await start({
      rateLimits: {minute: 100, hour: 2, day: null, perEndpoint: {'contacts/search': {hour: 1}}},
    })
    await call(emu, 'POST', '/contacts/search', {})
    const r = await call(emu, 'POST', '/contacts/search', {})
    expect(r.status).toBe(429)
    expect(r.json.message).toContain('is 1 times per hour')
    expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(3000)
    emu.setRateLimits(null)
    expect((await call(emu, 'POST', '/contacts/search', {})).status).toBe(200)
  })
})

describe('faults', () => {
  async function runScenario(
    seed: number,
  ): Promise<{statuses: (number | 'dropped')[]; members: number; faults: Record<string, number>}> {
    const contacts = Array.from({length: 20}, (_, i) => contact(i + 1))
    const emu = await start({
      seed: baseSeed(contacts),
      faults: {seed, error500Before: 0.2, error500After: 0.2, dropConnection: 0.2, spurious429: 0.1},
    })
    const statuses: (number | 'dropped')[] = []
    for (let i = 1; i <= 20; i += 1) {
      try {
        const r = await call(emu, 'POST', `/emailer_campaigns/${S_ACTIVE}/add_contact_ids`, addBody(S_ACTIVE, [cid(i)]))
        statuses.push(r.status)
      } catch {
        statuses.push('dropped')
      }
    }
    // Reads are not faulted by default.
    expect((await call(emu, 'POST', '/contacts/search', {})).status).toBe(200)
    const members = (await call(emu, 'POST', '/contacts/search', {emailer_campaign_ids: [S_ACTIVE]})).json.pagination
      .total_entries as number
    return {statuses, members, faults: emu.stats().faults}
  }

  it('are deterministic for a seed, and 500-after / drop-after still write', async () => {
    const a = await runScenario(42)
    const b = await runScenario(42)
    expect(a).toEqual(b)
    const c = await runScenario(7)
    expect(c.statuses).not.toEqual(a.statuses)
    for (const run of [a, c]) {
      const kinds = run.faults
      const total =
        (kinds['error500Before'] ?? 0) +
        (kinds['error500After'] ?? 0) +
        (kinds['dropBefore'] ?? 0) +
        (kinds['dropAfter'] ?? 0) +
        (kinds['spurious429'] ?? 0)
      expect(total).toBeGreaterThan(0)
      expect(run.statuses.filter((s) => s !== 200)).toHaveLength(total)
      // Every request that wrote: 200s, 500-after and drop-after.
      expect(run.members).toBe(
        run.statuses.filter((s) => s === 200).length + (kinds['error500After'] ?? 0) + (kinds['dropAfter'] ?? 0),
      )
      expect(run.statuses.filter((s) => s === 'dropped')).toHaveLength(
        (kinds['dropBefore'] ?? 0) + (kinds['dropAfter'] ?? 0),
      )
    }
  })

  it('adds latency, can be switched at run time, and the spurious 429 carries retry-after and costs no quota', async () => {
    const emu = await start({
      seed: baseSeed([contact(1)]),
      faults: {seed: 1, spurious429: 1, endpoints: ['auth/health']},
      rateLimits: {minute: 10, hour: null, day: null},
    })
    const r = await call(emu, 'GET', '/auth/health')
    expect(r.status).toBe(429)
    expect(r.json.message).toContain('is 10 times per minute')
    expect(r.headers.get('x-minute-usage')).toBe('0')
    expect(emu.stats().rateLimited).toEqual({'auth/health': 1})
    expect(r.headers.get('retry-after')).toBe('1')
    emu.setFaults({seed: 1, latencyMs: [30, 30], endpoints: ['auth/health']})
    const t0 = Date.now()
    const slow = await call(emu, 'GET', '/auth/health')
    expect(slow.status).toBe(200)
    expect(slow.headers.get('x-minute-usage')).toBe('1')
    expect(Date.now() - t0).toBeGreaterThanOrEqual(25)
    expect(emu.stats().faults).toEqual({spurious429: 1, latency: 1})
    emu.setFaults(null)
    emu.setRateLimits(null)
    emu.resetStats()
    expect((await call(emu, 'GET', '/auth/health')).status).toBe(200)
    expect(emu.stats()).toEqual({requests: {'auth/health': 1}, rateLimited: {}, faults: {}})
  })
})

describe('state', () => {
  it('persists to statePath after each write (atomically) and on close, and reloads from it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'seqsync-emu-'))
    dirs.push(dir)
    const statePath = join(dir, 'state.json')
    const emu = await start({seed: baseSeed([contact(1), contact(2)]), statePath})
    await call(emu, 'POST', `/emailer_campaigns/${S_ACTIVE}/add_contact_ids`, addBody(S_ACTIVE, [cid(1)]))
    const saved = JSON.parse(await readFile(statePath, 'utf8')) as EmulatorSeed
    expect(saved.contacts.find((c) => c.id === cid(1))?.memberships).toEqual([
      {sequence_id: S_ACTIVE, status: 'active', mailbox_id: MB, failure_reason: null, inactive_reason: null},
    ])
    emu.setMembership(cid(2), S_OTHER, 'failed')
    await emu.close()
    const final = JSON.parse(await readFile(statePath, 'utf8')) as EmulatorSeed
    expect(final.contacts.find((c) => c.id === cid(2))?.memberships?.[0]).toMatchObject({
      sequence_id: S_OTHER,
      status: 'failed',
    })

    const reloaded = await start({seed: final})
    const r = await call(reloaded, 'POST', '/contacts/search', {
      emailer_campaign_ids: [S_ACTIVE, S_OTHER],
      sort_by_field: 'contact_created_at',
      sort_ascending: true,
    })
    expect(r.json.contacts.map((c: {id: string}) => c.id)).toEqual([cid(1), cid(2)])
    expect(reloaded.snapshot()).toEqual(final)
  })

  it('lets tests change Apollo behind the client: setMembership and addContact', async () => {
    const emu = await start({seed: baseSeed([contact(1, {memberships: [{sequence_id: S_ACTIVE, status: 'active'}]})])})
    emu.setMembership(cid(1), S_ACTIVE, 'absent')
    emu.addContact(contact(5, {memberships: [{sequence_id: S_ACTIVE, status: 'paused'}]}))
    const r = await call(emu, 'POST', '/contacts/search', {emailer_campaign_ids: [S_ACTIVE]})
    expect(r.json.contacts.map((c: {id: string}) => c.id)).toEqual([cid(5)])
    expect(() => emu.setMembership(cid(404), S_ACTIVE, 'active')).toThrow()
    // setMembership('absent') is not a remove: the contact can be added again.
    const add = await call(emu, 'POST', `/emailer_campaigns/${S_ACTIVE}/add_contact_ids`, addBody(S_ACTIVE, [cid(1)]))
    expect(add.json.contacts.map((c: {id: string}) => c.id)).toEqual([cid(1)])
  })
})

describe('scale', () => {
  it('serves pages of a multi-sequence query over 100,000 memberships from its indexes', async () => {
    // 200 sequences x 500 members over 70,000 contacts.
    const sequences = Array.from({length: 200}, (_, i) => ({
      id: `64b${i.toString(16).padStart(21, '0')}`,
      name: `Seq ${i}`,
      active: true,
    }))
    const contacts: SeedContact[] = []
    const memberships: {sequence_id: string; status: 'active'}[][] = Array.from({length: 70_000}, () => [])
    for (let s = 0; s < 200; s += 1) {
      for (let k = 0; k < 500; k += 1) {
        const n = (s * 350 + k) % 70_000
        memberships[n]?.push({sequence_id: sequences[s]?.id ?? '', status: 'active'})
      }
    }
    for (let n = 0; n < 70_000; n += 1) {
      contacts.push({id: cid(n + 1), email: `c${n}@scale.test`, memberships: memberships[n] ?? []})
    }
    const emu = await start({seed: {...baseSeed(), sequences, contacts}})
    const ids = sequences.slice(0, 100).map((s) => s.id)
    const first = await call(emu, 'POST', '/contacts/search', {emailer_campaign_ids: ids, per_page: 100, page: 1})
    // Sequences 0..99 cover contacts 0 .. 99*350+499 = 35,149.
    expect(first.json.pagination.total_entries).toBe(35_150)
    expect(first.json.pagination.total_pages).toBe(352)
    const last = await call(emu, 'POST', '/contacts/search', {emailer_campaign_ids: ids, per_page: 100, page: 352})
    expect(last.json.contacts).toHaveLength(50)
    expect(last.json.contacts[49].id).toBe(cid(35_150))
    const middle = await call(emu, 'POST', '/contacts/search', {emailer_campaign_ids: ids, per_page: 100, page: 200})
    expect(middle.json.contacts.map((c: {id: string}) => c.id)).toEqual(
      Array.from({length: 100}, (_, i) => cid(19_900 + i + 1)),
    )
    expect(middle.json.breadcrumbs).toHaveLength(100)
  })
})

describe('examples/apollo-seed.json', () => {
  it('is a consistent seed: 24-hex ids, known sequences and mailboxes, fake key only', async () => {
    const seed = JSON.parse(await readFile(join(ROOT, 'examples', 'apollo-seed.json'), 'utf8')) as EmulatorSeed
    expect(seed.apiKeys).toEqual(['demo-key-not-secret'])
    const sequenceIds = new Set(seed.sequences.map((s) => s.id))
    const mailboxIds = new Set(seed.emailAccounts.map((m) => m.id))
    for (const id of [...sequenceIds, ...mailboxIds, ...seed.contacts.map((c) => c.id)])
      expect(id).toMatch(/^[0-9a-f]{24}$/)
    for (const c of seed.contacts) {
      expect(c.email === null || c.email.endsWith('.example')).toBe(true)
      for (const m of c.memberships ?? []) {
        expect(sequenceIds.has(m.sequence_id)).toBe(true)
        if (m.mailbox_id !== undefined) expect(mailboxIds.has(m.mailbox_id)).toBe(true)
      }
    }
    const emu = await start({seed})
    expect((await call(emu, 'GET', '/auth/health', undefined, {'x-api-key': 'demo-key-not-secret'})).status).toBe(200)
  })
})

describe('seqsync emulator (process)', () => {
  const bin = join(ROOT, 'bin', 'run.js')
  const built = existsSync(join(ROOT, 'dist', 'commands', 'emulator.js'))

  it.runIf(built)('serves the seed, saves the state on SIGTERM and reloads it from --state', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'seqsync-emu-cli-'))
    dirs.push(dir)
    const seedFile = join(dir, 'seed.json')
    const stateFile = join(dir, 'state.json')
    await writeFile(seedFile, JSON.stringify(baseSeed([contact(1)])))

    async function runEmulator(
      onReady: (url: string) => Promise<void>,
    ): Promise<{code: number | null; stdout: string; stderr: string}> {
      const child = spawn(
        process.execPath,
        [bin, 'emulator', '--port', '0', '--seed', seedFile, '--state', stateFile],
        {
          env: {...process.env, NO_COLOR: '1'},
        },
      )
      let stdout = ''
      let stderr = ''
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
      const url = await new Promise<string>((resolveUrl, reject) => {
        const timer = setTimeout(() => reject(new Error(`emulator did not start: ${stderr}`)), 20_000)
        child.stdout.on('data', (d: Buffer) => {
          stdout += d.toString()
          const m = /^export SEQSYNC_API_URL=(http:\/\/\S+)\n/m.exec(stdout)
          if (m?.[1]) {
            clearTimeout(timer)
            resolveUrl(m[1])
          }
        })
      })
      try {
        await onReady(url)
      } finally {
        child.kill('SIGTERM')
      }
      const code = await new Promise<number | null>((resolveCode) => child.on('exit', (c) => resolveCode(c)))
      return {code, stdout, stderr}
    }

    const first = await runEmulator(async (url) => {
      const r = await fetch(`${url}/emailer_campaigns/${S_ACTIVE}/add_contact_ids`, {
        method: 'POST',
        headers: {'x-api-key': KEY, 'content-type': 'application/json'},
        body: JSON.stringify(addBody(S_ACTIVE, [cid(1)])),
      })
      expect(r.status).toBe(200)
    })
    expect(first.code).toBe(0)
    // stdout is exactly the two lines to paste (or to source); the rest goes to stderr.
    expect(first.stdout).toMatch(
      new RegExp(`^export SEQSYNC_API_URL=http://127\\.0\\.0\\.1:\\d+/api/v1\nexport APOLLO_API_KEY=${KEY}\n$`),
    )
    expect(first.stderr).toContain(`listening on http://127.0.0.1:`)
    expect(first.stderr).toContain(`from ${seedFile}`)
    const saved = JSON.parse(await readFile(stateFile, 'utf8')) as EmulatorSeed
    expect(saved.contacts[0]?.memberships?.[0]).toMatchObject({sequence_id: S_ACTIVE, status: 'active'})

    // Second run: the state file wins over the seed.
    const second = await runEmulator(async (url) => {
      const r = await fetch(`${url}/contacts/${cid(1)}`, {headers: {'x-api-key': KEY}})
      const body = (await r.json()) as {contact: {emailer_campaign_ids: string[]}}
      expect(body.contact.emailer_campaign_ids).toEqual([S_ACTIVE])
    })
    expect(second.code).toBe(0)
  })

  it.runIf(built)('refuses a file that is not a seed with exit 1 and no stack', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'seqsync-emu-cli-'))
    dirs.push(dir)
    const bad = join(dir, 'bad.json')
    await writeFile(bad, '{"apiKeys": "x"}')
    const child = spawn(process.execPath, [bin, 'emulator', '--port', '0', '--seed', bad], {
      env: {...process.env, NO_COLOR: '1'},
    })
    let stderr = ''
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    const code = await new Promise<number | null>((resolveCode) => child.on('exit', (c) => resolveCode(c)))
    expect(code).toBe(1)
    expect(stderr).toContain('not an emulator seed')
    expect(stderr).not.toMatch(/\n\s+at /)
  })
})
