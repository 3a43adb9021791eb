// The Apollo client and live-state reader over real sockets: small node:http servers on 127.0.0.1
// for faults and quirks, and the emulator for every operation and the cost model.

import {createServer} from 'node:http'
import type {IncomingHttpHeaders, ServerResponse} from 'node:http'
import type {AddressInfo} from 'node:net'
import {inspect} from 'node:util'
import {afterEach, describe, expect, it} from 'vitest'
import {ApiKey} from '../../src/apollo/api-key.js'
import {createApolloClient} from '../../src/apollo/client.js'
import type {Settings} from '../../src/cli/base-command.js'
import {openClient} from '../../src/cli/open-client.js'
import {readLiveState, sweepSequenceMembers} from '../../src/apollo/read-live-state.js'
import type {ReadPlan} from '../../src/apollo/read-live-state.js'
import type {ApolloClient, ClientEvent, ClientOptions} from '../../src/apollo/types.js'
import {startEmulator} from '../../src/emulator/server.js'
import type {EmulatorOptions, EmulatorSeed, RunningEmulator, SeedContact} from '../../src/emulator/types.js'
import {
  ApolloApiError,
  DisplayCapError,
  IncompleteReadError,
  QuotaExhaustedError,
  UsageError,
} from '../../src/errors.js'
import {DEFAULT_ENROLL, selectorKey} from '../../src/model/state.js'
import type {DesiredEntry, DesiredSequence, DesiredState, SequenceSelector} from '../../src/model/state.js'

const KEY = 'sk_live_TOPSECRET_0123456789abcdef'

interface Recorded {
  readonly n: number
  readonly method: string
  readonly url: string
  readonly headers: IncomingHttpHeaders
  readonly body: string
}

type Handler = (req: Recorded, res: ServerResponse) => void | Promise<void>

interface RawServer {
  readonly url: string
  readonly requests: Recorded[]
  close(): Promise<void>
}

const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

async function startRaw(handler: Handler): Promise<RawServer> {
  const requests: Recorded[] = []
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const rec: Recorded = {
        n: requests.length + 1,
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      }
      requests.push(rec)
      void handler(rec, res)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const {port} = server.address() as AddressInfo
  const close = async (): Promise<void> => {
    server.closeAllConnections()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  }
  cleanups.push(close)
  const raw: RawServer = {url: `http://127.0.0.1:${port}/api/v1`, requests, close}
  return raw
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, {'content-type': 'application/json', ...headers})
  res.end(JSON.stringify(body))
}

function client(baseUrl: string, extra: Partial<ClientOptions> = {}): ApolloClient {
  const c = createApolloClient({
    baseUrl,
    apiKey: new ApiKey(KEY),
    backoffMs: 1,
    random: () => 0.5,
    maxRetries: 3,
    ...extra,
  })
  cleanups.push(() => c.close())
  return c
}

async function caught(p: Promise<unknown>): Promise<unknown> {
  try {
    await p
  } catch (error) {
    return error
  }
  throw new Error('expected a rejection')
}

function expectNoKey(error: unknown): void {
  const texts = [
    String(error),
    JSON.stringify(error),
    inspect(error, {depth: 5}),
    (error as Error).message,
    String((error as {hint?: unknown}).hint),
  ]
  for (const t of texts) expect(t).not.toContain(KEY)
}

const emptyContactsPage = (ids: string[]) => ({
  pagination: {page: 1, per_page: 100, total_entries: 0, total_pages: 0},
  breadcrumbs: ids.map((id) => ({
    label: 'Sequence',
    signal_field_name: 'emailer_campaign_ids',
    value: id,
    display_name: id,
  })),
  contacts: [],
})

// ---------------------------------------------------------------------------------------------

describe('transport safety', () => {
  it('refuses plain http to anything but loopback', () => {
    expect(() => createApolloClient({baseUrl: 'http://api.apollo.io/api/v1', apiKey: new ApiKey(KEY)})).toThrow(
      UsageError,
    )
    expect(() => createApolloClient({baseUrl: 'http://10.1.2.3:4010/api/v1', apiKey: new ApiKey(KEY)})).toThrow(
      UsageError,
    )
    expect(() => createApolloClient({baseUrl: 'ftp://127.0.0.1/api/v1', apiKey: new ApiKey(KEY)})).toThrow(UsageError)
    expect(() =>
      createApolloClient({baseUrl: `https://api.apollo.io/api/v1?api_key=${KEY}`, apiKey: new ApiKey(KEY)}),
    ).toThrow(UsageError)
    for (const ok of [
      'https://api.apollo.io/api/v1',
      'http://127.0.0.1:1/api/v1',
      'http://localhost:1/api/v1',
      'http://[::1]:1/api/v1',
    ]) {
      void client(ok)
    }
  })

  it('shortened rate-limit windows (SEQSYNC_RATE_WINDOW_SCALE) are for a loopback emulator only', async () => {
    // Against real Apollo they would forget an exhausted hourly quota after seconds and squeeze the
    // 5xx backoff to milliseconds: a stream of 429s and hammering retries.
    const apollo = {baseUrl: 'https://api.apollo.io/api/v1', apiKey: new ApiKey(KEY), windowScale: 0.01}
    expect(() => createApolloClient(apollo)).toThrow(/SEQSYNC_RATE_WINDOW_SCALE/)
    expect(() => createApolloClient(apollo)).toThrow(UsageError)
    const previous = process.env['SEQSYNC_RATE_WINDOW_SCALE']
    process.env['SEQSYNC_RATE_WINDOW_SCALE'] = '0.01'
    try {
      const settings = {apiUrl: 'https://api.apollo.io/api/v1', config: {concurrency: 2}, verbose: false}
      expect(() => openClient(settings as unknown as Settings, new ApiKey(KEY), () => {})).toThrow(UsageError)
      const local = openClient(
        {...settings, apiUrl: 'http://127.0.0.1:1/api/v1'} as unknown as Settings,
        new ApiKey(KEY),
        () => {},
      )
      await local.close()
    } finally {
      if (previous === undefined) delete process.env['SEQSYNC_RATE_WINDOW_SCALE']
      else process.env['SEQSYNC_RATE_WINDOW_SCALE'] = previous
    }
  })

  it('sends the key only in x-api-key, never in a URL, a body, an event or an error', async () => {
    const raw = await startRaw((req, res) => {
      if (req.url.endsWith('/contacts/c404'))
        return json(res, 422, {
          error: `Oops! This contact does not exist in Apollo. key=${String(req.headers['x-api-key'])}`,
        })
      if (req.url.endsWith('/users/api_profile')) {
        res.writeHead(401, {'content-type': 'text/plain'})
        return void res.end(
          `Invalid API key ${String(req.headers['x-api-key'])}. See https://docs.apollo.io/reference/authentication`,
        )
      }
      if (req.url.endsWith('/add_contact_ids'))
        return json(res, 422, {error: `bad key ${String(req.headers['x-api-key'])}`})
      if (req.url.endsWith('/contacts/search')) return json(res, 200, emptyContactsPage(['s1']))
      if (req.url.endsWith('/email_accounts'))
        return json(res, 200, {email_accounts: [{id: 'm1', email: 'a@b.c', active: true}]})
      return json(res, 200, {})
    })
    const events: ClientEvent[] = []
    const c = client(raw.url, {onEvent: (e) => events.push(e)})
    await c.listMailboxes()
    await c.searchContacts({sequenceIds: ['s1']}, 1, 'asc')
    expect(await c.getContact('c404')).toBeNull()
    const errors = [
      await caught(c.getApiProfile()),
      await caught(c.addContactIds({sequenceId: 's1', contactIds: ['c1'], mailboxId: 'm1', enroll: DEFAULT_ENROLL})),
    ]
    for (const e of errors) {
      expect(e).toBeInstanceOf(ApolloApiError)
      expectNoKey(e)
    }
    expect((errors[0] as ApolloApiError).message).toContain('[REDACTED]')
    expect(raw.requests.length).toBe(5)
    for (const r of raw.requests) {
      expect(r.headers['x-api-key']).toBe(KEY)
      expect(r.headers['authorization']).toBeUndefined()
      expect(r.url).not.toContain(KEY)
      expect(r.url).not.toContain('api_key')
      expect(r.body).not.toContain(KEY)
    }
    expect(JSON.stringify(events)).not.toContain(KEY)
    expect(inspect(c, {depth: 10})).not.toContain(KEY)
  })
})

describe('errors', () => {
  it('401 text/plain -> ApolloApiError with an APOLLO_API_KEY hint', async () => {
    const raw = await startRaw((_req, res) => {
      res.writeHead(401, {'content-type': 'text/plain'})
      res.end('Invalid API key. See https://docs.apollo.io/reference/authentication for how to authenticate.')
    })
    const e = (await caught(client(raw.url).listMailboxes())) as ApolloApiError
    expect(e).toBeInstanceOf(ApolloApiError)
    expect(e.status).toBe(401)
    expect(e.code).toBe('API_UNAUTHORIZED')
    expect(e.method).toBe('GET')
    expect(e.path).toBe('/api/v1/email_accounts')
    expect(e.apolloMessage).toMatch(/^Invalid API key/)
    expect(e.hint).toMatch(/APOLLO_API_KEY/)
    expect(raw.requests.length).toBe(1)
  })

  it('403 API_INACCESSIBLE names the scope and the master key; 403 paid plan explains the plan', async () => {
    const raw = await startRaw((req, res) => {
      if (req.url.endsWith('/contacts/search'))
        return json(res, 403, {message: 'This endpoint is only available to Apollo users on paid plans.'})
      json(res, 403, {
        error:
          'This API key is not authorized to access api/v1/email_accounts/index. Request an API key from your administrator that includes this endpoint in its configured scope.',
        error_code: 'API_INACCESSIBLE',
      })
    })
    const c = client(raw.url)
    const scope = (await caught(c.listMailboxes())) as ApolloApiError
    expect(scope.code).toBe('API_FORBIDDEN')
    expect(scope.hint).toContain('api/v1/email_accounts/index')
    expect(scope.hint).toContain('master key')
    const paid = (await caught(c.searchContacts({sequenceIds: null}, 1, 'asc'))) as ApolloApiError
    expect(paid.status).toBe(403)
    expect(paid.hint).toMatch(/paid plan/)
    expect(raw.requests.length).toBe(2)
  })

  it('422 -> ApolloApiError (not retried); not-found on show endpoints -> null; message truncated', async () => {
    const raw = await startRaw((req, res) => {
      if (req.url.includes('/emailer_campaigns/nope')) return json(res, 422, {error: 'Sequence not found'})
      if (req.url.includes('/contacts/gone')) return json(res, 422, {error: 'This contact has been deleted.'})
      if (req.url.includes('/contacts/private'))
        return json(res, 422, {error: 'You are not authorized to view this page.'})
      json(res, 422, {error: `These mailboxes are no longer active. ${'x'.repeat(1000)}`})
    })
    const c = client(raw.url)
    expect(await c.getSequence('nope')).toBeNull()
    expect(await c.getContact('gone')).toBeNull()
    const denied = (await caught(c.getContact('private'))) as ApolloApiError
    expect(denied.status).toBe(422)
    const e = (await caught(
      c.addContactIds({sequenceId: 's1', contactIds: ['c1'], mailboxId: 'm1', enroll: DEFAULT_ENROLL}),
    )) as ApolloApiError
    expect(e).toBeInstanceOf(ApolloApiError)
    expect(e.status).toBe(422)
    expect(e.path).toBe('/api/v1/emailer_campaigns/s1/add_contact_ids')
    expect(e.apolloMessage.length).toBeLessThanOrEqual(300)
    expect(e.apolloMessage).toMatch(/^These mailboxes are no longer active/)
    expect(raw.requests.length).toBe(4)
  })

  it("a 422 naming the display limit is a DisplayCapError with the cap, not 'rejected as invalid' (issue 13.7)", async () => {
    const raw = await startRaw((req, res) =>
      json(res, 422, {
        error:
          req.n === 1
            ? 'The display limit for this search is 1,000 records (10 pages of 100 per page). Add more filters to narrow your search results.'
            : 'Apollo only shows a display limit of records; add filters.',
      }),
    )
    const c = client(raw.url)
    const named = (await caught(c.searchContacts({sequenceIds: null}, 11, 'asc'))) as DisplayCapError
    expect(named).toBeInstanceOf(DisplayCapError)
    expect(named.cap).toBe(1_000)
    expect(named.code).toBe('LIVE_STATE_INCOMPLETE')
    expect(named.message).toMatch(/refused a page past its display cap of 1,000 records: HTTP 422/)
    expect(named.hint).toMatch(/reads around the cap/)
    expect(named.hint).not.toMatch(/rejected the request as invalid/)
    const unnamed = (await caught(c.searchContacts({sequenceIds: null}, 11, 'asc'))) as DisplayCapError
    expect(unnamed.cap).toBeNull()
  })
})

describe('retries', () => {
  it('5xx then success, for POST writes too, with retry events', async () => {
    const raw = await startRaw((req, res) => {
      if (req.n <= 2) return json(res, req.n === 1 ? 500 : 503, {error: 'Unexpected error'})
      json(res, 200, {
        // An unreadable contact in a write answer is left out (re-read later), not a failure of a call that wrote.
        contacts: [
          {id: 'c1', contact_campaign_statuses: [{emailer_campaign_id: 's1', status: 'active'}]},
          {name: 'no id'},
        ],
        skipped_contact_ids: {c2: 'contacts_active_in_other_campaigns'},
      })
    })
    const events: ClientEvent[] = []
    const c = client(raw.url, {onEvent: (e) => events.push(e)})
    const result = await c.addContactIds({
      sequenceId: 's1',
      contactIds: ['c1', 'c2'],
      mailboxId: 'm1',
      enroll: DEFAULT_ENROLL,
    })
    expect(result.added.map((x) => [x.id, x.memberships.map((m) => [m.sequenceId, m.status])])).toEqual([
      ['c1', [['s1', 'active']]],
    ])
    expect(result.skipped).toEqual({c2: 'contacts_active_in_other_campaigns'})
    expect(raw.requests.length).toBe(3)
    for (const r of raw.requests) {
      expect(r.method).toBe('POST')
      expect(r.url).toBe('/api/v1/emailer_campaigns/s1/add_contact_ids')
      expect(JSON.parse(r.body)).toEqual({
        emailer_campaign_id: 's1',
        contact_ids: ['c1', 'c2'],
        send_email_from_email_account_id: 'm1',
        sequence_no_email: false,
        sequence_unverified_email: false,
        sequence_job_change: false,
        sequence_active_in_other_campaigns: false,
        sequence_finished_in_other_campaigns: false,
        sequence_same_company_in_same_campaign: false,
      })
    }
    expect(c.callCounts()).toEqual({'emailer_campaigns/add_contact_ids': 3})
    expect(events.filter((e) => e.type === 'retry').map((e) => (e.type === 'retry' ? e.why : ''))).toEqual([
      'HTTP 500',
      'HTTP 503',
    ])
  })

  it('gives up after maxRetries with the last status', async () => {
    const raw = await startRaw((_req, res) => json(res, 502, {error: 'bad gateway'}))
    const e = (await caught(client(raw.url, {maxRetries: 2}).listMailboxes())) as ApolloApiError
    expect(e.status).toBe(502)
    expect(raw.requests.length).toBe(3)
  })

  it('a dropped connection (lost response) is retried', async () => {
    const raw = await startRaw((req, res) => {
      if (req.n === 1) return void res.socket?.destroy()
      json(res, 200, {contacts: []})
    })
    const c = client(raw.url)
    await c.removeOrStopContactIds({sequenceId: 's1', contactIds: ['c1'], mode: 'stop'})
    expect(raw.requests.length).toBe(2)
    const body = JSON.parse(raw.requests[1]?.body ?? '{}') as Record<string, unknown>
    expect(body).toEqual({
      emailer_campaign_ids: ['s1'],
      contact_ids: ['c1'],
      mode: 'stop',
      stop_reason: expect.any(String),
    })
  })

  it('a headers timeout is retried; a dead server ends as status 0', async () => {
    const raw = await startRaw((req, res) => {
      if (req.n === 1) return void setTimeout(() => json(res, 200, {email_accounts: []}), 1_500)
      json(res, 200, {email_accounts: [{id: 'm1', email: 'a@b.c', active: true}]})
    })
    const c = client(raw.url, {timeouts: {headers: 150}})
    expect(await c.listMailboxes()).toEqual([{id: 'm1', email: 'a@b.c', active: true, revokedAt: null}])
    expect(raw.requests.length).toBe(2)

    const dead = await startRaw((_req, res) => void res.socket?.destroy())
    const e = (await caught(client(dead.url, {maxRetries: 2}).listMailboxes())) as ApolloApiError
    expect(e).toBeInstanceOf(ApolloApiError)
    expect(e.status).toBe(0)
    expect(dead.requests.length).toBe(3)
  })

  it('a minute-window 429 storm waits retry-after and succeeds, outside the 5xx budget', async () => {
    const raw = await startRaw((req, res) => {
      if (req.n <= 6) {
        return json(
          res,
          429,
          {message: 'The maximum number of api calls allowed for api/v1/email_accounts/index is 200 times per minute.'},
          {'retry-after': '0'},
        )
      }
      json(res, 200, {email_accounts: []})
    })
    const events: ClientEvent[] = []
    const c = client(raw.url, {maxRetries: 1, onEvent: (e) => events.push(e)})
    expect(await c.listMailboxes()).toEqual([])
    expect(c.rateLimitedCounts()).toEqual({email_accounts: 6})
    expect(c.callCounts()).toEqual({email_accounts: 7})
    expect(events.filter((e) => e.type === 'retry')).toHaveLength(6)
  })

  it('waits the retry-after seconds the server sent (not scaled)', async () => {
    const raw = await startRaw((req, res) => {
      if (req.n === 1) return json(res, 429, {message: '... 5 times per minute.'}, {'retry-after': '1'})
      json(res, 200, {email_accounts: []})
    })
    const started = Date.now()
    await client(raw.url, {windowScale: 0.001}).listMailboxes()
    expect(Date.now() - started).toBeGreaterThanOrEqual(950)
  })

  it('bounds minute-window 429 retries', async () => {
    const raw = await startRaw((_req, res) => json(res, 429, {message: '... per minute.'}, {'retry-after': '0'}))
    const e = (await caught(client(raw.url).listMailboxes())) as ApolloApiError
    expect(e.status).toBe(429)
    expect(raw.requests.length).toBe(21)
  })

  it('hour and day 429 -> QuotaExhaustedError with resumeAt, nothing retried', async () => {
    const raw = await startRaw((req, res) =>
      json(
        res,
        429,
        {
          message: `The maximum number of api calls allowed for api/v1/contacts/search is 600 times per ${req.n === 1 ? 'hour' : 'day'}.`,
        },
        {'retry-after': '1200'},
      ),
    )
    const before = Date.now()
    const c = client(raw.url)
    const hour = (await caught(c.searchContacts({sequenceIds: null}, 1, 'asc'))) as QuotaExhaustedError
    expect(hour).toBeInstanceOf(QuotaExhaustedError)
    expect(hour.window).toBe('hour')
    expect(hour.endpoint).toBe('contacts/search')
    expect(hour.resumeAt).toBeGreaterThanOrEqual(before + 1_200_000)
    expect(hour.resumeAt).toBeLessThanOrEqual(Date.now() + 1_200_000)
    // The endpoint stays held: the next call stops before it is sent.
    await expect(c.searchContacts({sequenceIds: null}, 1, 'asc')).rejects.toThrow(QuotaExhaustedError)
    expect(raw.requests.length).toBe(1)
    const day = (await caught(client(raw.url).searchContacts({sequenceIds: null}, 1, 'asc'))) as QuotaExhaustedError
    expect(day.window).toBe('day')
    expect(raw.requests.length).toBe(2)
  })

  it('an hourly window reported as exhausted stops before sending', async () => {
    const raw = await startRaw((_req, res) =>
      json(
        res,
        200,
        {email_accounts: []},
        {
          'x-rate-limit-hourly': '400',
          'x-hourly-usage': '400',
          'x-hourly-requests-left': '0',
          'x-daily-requests-left': '900',
        },
      ),
    )
    const c = client(raw.url)
    await c.listMailboxes()
    expect(c.quotaLeft()).toEqual({email_accounts: {minute: null, hour: 0, day: 900}})
    const e = await caught(c.listMailboxes())
    expect(e).toBeInstanceOf(QuotaExhaustedError)
    expect((e as QuotaExhaustedError).window).toBe('hour')
    expect(raw.requests.length).toBe(1)
  })
})

describe('quirks and fail-closed reads', () => {
  it('reads "loading" stats, string page numbers and unknown fields', async () => {
    const raw = await startRaw((_req, res) =>
      json(res, 200, {
        pagination: {page: '2', per_page: '100', total_entries: '150', total_pages: '2'},
        breadcrumbs: [],
        emailer_campaigns: [
          {
            id: 's9',
            name: 'Q4',
            active: true,
            archived: false,
            unique_scheduled: 'loading',
            open_rate: 'loading',
            brand_new_field: [1],
          },
        ],
        num_fetch_result: null,
      }),
    )
    const c = client(raw.url)
    const page = await c.searchSequences({page: 2, qName: 'Q4'})
    expect(page).toEqual({
      items: [{id: 's9', name: 'Q4', active: true, archived: false}],
      page: 2,
      totalPages: 2,
      totalEntries: 150,
    })
    expect(JSON.parse(raw.requests[0]?.body ?? '')).toEqual({page: 2, per_page: 100, q_name: 'Q4'})
  })

  it('fails closed when breadcrumbs do not echo every sequence id, or a contact is outside them', async () => {
    const contact = (id: string, seq: string) => ({
      id,
      created_at: '2024-01-01T00:00:00Z',
      emailer_campaign_ids: [seq],
      contact_campaign_statuses: [{emailer_campaign_id: seq, status: 'active'}],
    })
    const raw = await startRaw((req, res) => {
      const page = {pagination: {page: 1, per_page: 100, total_entries: 1, total_pages: 1}}
      if (req.n === 1) return json(res, 200, {...page, breadcrumbs: [], contacts: [contact('c1', 's1')]})
      if (req.n === 2) return json(res, 200, {...emptyContactsPage(['s1']), ...page, contacts: [contact('c1', 's1')]})
      if (req.n === 3)
        return json(res, 200, {...emptyContactsPage(['s1', 's2']), ...page, contacts: [contact('c1', 'other')]})
      json(res, 200, {...emptyContactsPage(['s1', 's2']), ...page, contacts: [contact('c1', 's2')]})
    })
    const c = client(raw.url)
    const members = {sequenceIds: ['s1', 's2']}
    await expect(c.searchContacts(members, 1, 'asc')).rejects.toThrow(IncompleteReadError)
    await expect(c.searchContacts(members, 1, 'asc')).rejects.toThrow(/s2/)
    await expect(c.searchContacts(members, 1, 'asc')).rejects.toThrow(/none of the requested/)
    const ok = await c.searchContacts(members, 1, 'asc')
    expect(ok.items.map((x) => x.id)).toEqual(['c1'])
    expect(JSON.parse(raw.requests[3]?.body ?? '')).toEqual({
      emailer_campaign_ids: ['s1', 's2'],
      page: 1,
      per_page: 100,
      sort_by_field: 'contact_created_at',
      sort_ascending: true,
    })
  })

  it('shapes scan, email look-up and bulk-create requests as Apollo expects', async () => {
    const raw = await startRaw((req, res) => {
      const body = JSON.parse(req.body || '{}') as Record<string, unknown>
      if (req.url.endsWith('/contacts/bulk_create'))
        return json(res, 200, {created_contacts: [{id: 'n1', email: 'a@x.com'}], existing_contacts: []})
      const page = Number(body['page'])
      // Keyword search: 2 pages; only exact (case-insensitive) primary/additional matches count.
      const contacts =
        page === 1
          ? [
              {id: 'k1', email: 'JOE@x.com'},
              {id: 'k2', email: 'joe@x.com.au'},
            ]
          : [
              {
                id: 'k3',
                email: 'other@y.com',
                contact_emails: [{email: 'Joe@X.com'}],
                created_at: '2024-01-01T00:00:00Z',
              },
            ]
      json(res, 200, {
        pagination: {page: String(page), per_page: 100, total_entries: 150, total_pages: 2},
        breadcrumbs: [],
        contacts,
      })
    })
    const c = client(raw.url)
    expect((await c.findContactsByEmail(' Joe@X.com ')).map((x) => x.id)).toEqual(['k1', 'k3'])
    await c.searchContacts({sequenceIds: null}, 3, 'desc')
    expect(
      (
        await c.bulkCreateContacts([{email: 'a@x.com', firstName: 'A', lastName: 'B', organization: 'X', title: 'CTO'}])
      ).created.map((x) => x.id),
    ).toEqual(['n1'])
    expect(raw.requests.map((r) => [r.method, r.url, JSON.parse(r.body) as unknown])).toEqual([
      ['POST', '/api/v1/contacts/search', {q_keywords: 'joe@x.com', page: 1, per_page: 100}],
      ['POST', '/api/v1/contacts/search', {q_keywords: 'joe@x.com', page: 2, per_page: 100}],
      [
        'POST',
        '/api/v1/contacts/search',
        {page: 3, per_page: 100, sort_by_field: 'contact_created_at', sort_ascending: false},
      ],
      [
        'POST',
        '/api/v1/contacts/bulk_create',
        {
          contacts: [{email: 'a@x.com', first_name: 'A', last_name: 'B', organization_name: 'X', title: 'CTO'}],
          run_dedupe: true,
        },
      ],
    ])
  })

  it('fails closed on an unknown membership status', async () => {
    const raw = await startRaw((_req, res) =>
      json(res, 200, {
        ...emptyContactsPage(['s1']),
        pagination: {page: 1, total_entries: 1},
        contacts: [
          {
            id: 'c1',
            emailer_campaign_ids: ['s1'],
            contact_campaign_statuses: [{emailer_campaign_id: 's1', status: 'snoozed'}],
          },
        ],
      }),
    )
    await expect(client(raw.url).searchContacts({sequenceIds: ['s1']}, 1, 'asc')).rejects.toThrow(/snoozed/)
  })

  it('sweep fails closed when fewer distinct contacts arrive than total_entries', async () => {
    const raw = await startRaw((_req, res) =>
      json(res, 200, {
        ...emptyContactsPage(['s1']),
        pagination: {page: 1, per_page: 100, total_entries: 2, total_pages: 1},
        contacts: [
          {
            id: 'c1',
            created_at: '2024-01-01T00:00:00Z',
            emailer_campaign_ids: ['s1'],
            contact_campaign_statuses: [{emailer_campaign_id: 's1', status: 'active'}],
          },
        ],
      }),
    )
    await expect(sweepSequenceMembers(client(raw.url), ['s1'])).rejects.toThrow(
      /and again on each of 3 re-checks: live state changed during the read/,
    )
    // Three re-checks of the total, then it fails closed.
    expect(raw.requests.length).toBe(1 + 3)
  })

  it('an email look-up past the display cap fails closed instead of reporting the email missing', async () => {
    // 60,000 keyword hits (an ignored q_keywords lists every contact): pages past 500 come back empty,
    // so "no exact match" would be a guess, and a guess here creates a duplicate or drops a prospect.
    const raw = await startRaw((req, res) => {
      const page = (JSON.parse(req.body) as {page: number}).page
      json(res, 200, {
        pagination: {page, per_page: 100, total_entries: 60_000, total_pages: 600},
        breadcrumbs: [],
        contacts: page > 500 ? [] : [{id: `c${page}`, email: `someone${page}@example.com`}],
      })
    })
    const e = await caught(client(raw.url).findContactsByEmail('jane@acme.com'))
    expect(e).toBeInstanceOf(IncompleteReadError)
    expect((e as Error).message).toMatch(/jane@acme\.com/)
    expect(raw.requests.length).toBe(1)
  })

  it("a 404 (Apollo: 'The endpoint does not exist') is an error, never a contact or sequence that does not exist", async () => {
    const raw = await startRaw((_req, res) => {
      res.writeHead(404, {'content-type': 'text/plain'})
      res.end('The endpoint does not exist')
    })
    const c = client(raw.url)
    for (const call of [() => c.getContact('c1'), () => c.getSequence('s1')]) {
      const e = (await caught(call())) as ApolloApiError
      expect(e).toBeInstanceOf(ApolloApiError)
      expect(e.status).toBe(404)
    }
  })

  it('a 2xx body that is JSON but not an object is an ApolloApiError, not a TypeError', async () => {
    const raw = await startRaw((req, res) => {
      res.writeHead(200, {'content-type': 'application/json'})
      res.end(req.n === 1 ? 'null' : '[1,2]')
    })
    const c = client(raw.url)
    for (const call of [() => c.listMailboxes(), () => c.searchContacts({sequenceIds: ['s1']}, 1, 'asc')]) {
      const e = (await caught(call())) as ApolloApiError
      expect(e).toBeInstanceOf(ApolloApiError)
      expect(e.status).toBe(200)
      expect(e.apolloMessage).toMatch(/not a JSON object/)
    }
  })

  it("doctor's scope probe: a 2xx or a 422 proves the scope, a 401/403 is an answer, a 5xx, a 404 or no answer is unknown", async () => {
    const answers: Record<string, (res: ServerResponse) => void> = {
      '200': (res) => json(res, 200, {}),
      '422': (res) => json(res, 422, {error: 'Contact not found'}),
      '401': (res) => {
        res.writeHead(401, {'content-type': 'text/plain'})
        res.end('Invalid access credentials.')
      },
      '403': (res) =>
        json(res, 403, {
          error: 'api/v1/contacts/show is not accessible with this api_key',
          error_code: 'API_INACCESSIBLE',
        }),
      '503': (res) => json(res, 503, {error: 'Service unavailable'}),
      '404': (res) => json(res, 404, {error: 'The endpoint does not exist'}),
      'hang up': (res) => res.socket?.destroy(),
    }
    const kinds: Record<string, string> = {}
    for (const [name, answer] of Object.entries(answers)) {
      const raw = await startRaw((_req, res) => answer(res))
      const result = await client(raw.url, {maxRetries: 1}).probeScope('contacts/show')
      kinds[name] = result.kind === 'unknown' ? `unknown: ${result.reason}` : result.kind
    }
    expect(kinds).toEqual({
      '200': 'ok',
      '422': 'ok',
      '401': 'unauthorized',
      '403': 'missing-scope',
      '503': 'unknown: HTTP 503: Service unavailable',
      '404': 'unknown: HTTP 404: The endpoint does not exist',
      'hang up': expect.stringMatching(/^unknown: Apollo GET \/api\/v1\/contacts\/0+ failed/),
    })
  })

  it('usage stats Apollo cannot give (5xx, a bad body, no answer) are unknown, read once a run; a bad key still stops', async () => {
    for (const answer of ['500', 'bad body', 'hang up'] as const) {
      const raw = await startRaw((_req, res) => {
        if (answer === '500') return json(res, 500, {error: 'Unexpected error'})
        if (answer === 'bad body') return json(res, 200, [1, 2])
        res.socket?.destroy()
      })
      const c = client(raw.url, {maxRetries: 1})
      expect(await c.getUsageStats(), answer).toBeNull()
      const sent = raw.requests.length
      expect(await c.getUsageStats(), answer).toBeNull()
      expect(raw.requests.length, answer).toBe(sent)
    }
    const unauthorized = await startRaw((_req, res) => {
      res.writeHead(401, {'content-type': 'text/plain'})
      res.end('Invalid access credentials.')
    })
    expect(await caught(client(unauthorized.url).getUsageStats())).toMatchObject({status: 401})
  })

  it('an email look-up reads every page Apollo reports, even when it pages by fewer than 100', async () => {
    const raw = await startRaw((req, res) => {
      const page = (JSON.parse(req.body) as {page: number}).page
      json(res, 200, {
        pagination: {page, per_page: 25, total_entries: 60, total_pages: 3},
        breadcrumbs: [],
        contacts: [{id: `c${page}`, email: page === 3 ? 'Jane@Acme.com' : `someone${page}@example.com`}],
      })
    })
    const found = await client(raw.url).findContactsByEmail('jane@acme.com')
    expect(found.map((c) => c.id)).toEqual(['c3'])
    expect(raw.requests.length).toBe(3)
  })
})

// --- against the emulator --------------------------------------------------------------------

async function emulator(seed: EmulatorSeed, extra: Partial<EmulatorOptions> = {}): Promise<RunningEmulator> {
  const emu = await startEmulator({seed, ...extra})
  cleanups.push(() => emu.close())
  return emu
}

function smallSeed(): EmulatorSeed {
  return {
    apiKeys: [KEY],
    restrictedKeys: {sk_restricted_key_000: ['contacts/search']},
    users: [{id: 'u1', email: 'owner@acme.com', first_name: 'O', last_name: 'Wner'}],
    emailAccounts: [
      {id: 'm1', email: 'sdr@acme.com', active: true},
      {id: 'm2', email: 'old@acme.com', active: false},
    ],
    sequences: [
      {id: 's1', name: 'Q4 Outreach', active: true},
      {id: 's2', name: 'Q4 Outreach Followup', active: false},
      {id: 's3', name: 'Legacy', active: false, archived: true},
    ],
    contacts: [
      {
        id: 'c1',
        email: 'jane@acme.com',
        first_name: 'Jane',
        memberships: [{sequence_id: 's1', status: 'active', mailbox_id: 'm1'}],
      },
      {
        id: 'c2',
        email: 'raj@globex.com',
        other_emails: ['raj.patel@home.org'],
        memberships: [
          {sequence_id: 's1', status: 'paused'},
          {sequence_id: 's2', status: 'finished'},
        ],
      },
      {id: 'c3', email: 'Dup@Example.com'},
      {id: 'c4', email: 'other@example.com', other_emails: ['dup@example.com']},
      {id: 'c5', email: 'busy@initech.com', memberships: [{sequence_id: 's2', status: 'active'}]},
    ],
  }
}

describe('every operation against the emulator', () => {
  it('reads', async () => {
    const emu = await emulator(smallSeed())
    const c = client(emu.url)
    expect(await c.getApiProfile()).toEqual({
      userId: 'u1',
      teamId: '7ea000000000000000000001',
      email: 'owner@acme.com',
      name: 'O Wner',
    })
    expect(await c.listMailboxes()).toEqual([
      {id: 'm1', email: 'sdr@acme.com', active: true, revokedAt: null},
      {id: 'm2', email: 'old@acme.com', active: false, revokedAt: null},
    ])
    const all = await c.searchSequences({page: 1})
    expect(all.items.map((s) => s.id).sort()).toEqual(['s1', 's2'])
    const byName = await c.searchSequences({page: 1, qName: 'Q4 Outreach'})
    expect(byName.items.map((s) => s.name).sort()).toEqual(['Q4 Outreach', 'Q4 Outreach Followup'])
    expect(await c.getSequence('s3')).toEqual({id: 's3', name: 'Legacy', active: false, archived: true})
    expect(await c.getSequence('missing')).toBeNull()

    const members = await c.searchContacts({sequenceIds: ['s1', 's2']}, 1, 'asc')
    expect(members.totalEntries).toBe(3)
    expect(members.items.map((x) => x.id).sort()).toEqual(['c1', 'c2', 'c5'])
    const raj = members.items.find((x) => x.id === 'c2')
    expect(raj?.otherEmails).toEqual(['raj.patel@home.org'])
    expect(raj?.memberships.map((m) => [m.sequenceId, m.status]).sort()).toEqual([
      ['s1', 'paused'],
      ['s2', 'finished'],
    ])

    const scan = await c.searchContacts({sequenceIds: null}, 1, 'asc')
    expect(scan.items.map((x) => x.id)).toEqual(['c1', 'c2', 'c3', 'c4', 'c5'])
    const newest = await c.searchContacts({sequenceIds: null}, 1, 'desc')
    expect(newest.items.map((x) => x.id)).toEqual(['c5', 'c4', 'c3', 'c2', 'c1'])
    expect(newest.first?.id).toBe('c5')
    expect(newest.last?.id).toBe('c1')
    expect((await c.findContactsByEmail('DUP@example.com')).map((x) => x.id).sort()).toEqual(['c3', 'c4'])
    expect((await c.findContactsByEmail('raj.patel@home.org')).map((x) => x.id)).toEqual(['c2'])
    expect(await c.findContactsByEmail('nobody@nowhere.com')).toEqual([])
    expect((await c.getContact('c1'))?.email).toBe('jane@acme.com')
    expect(await c.getContact('nope')).toBeNull()
    expect(c.callCounts()).toEqual(emu.stats().requests)
  })

  it('writes', async () => {
    const emu = await emulator(smallSeed())
    const c = client(emu.url)
    const created = await c.bulkCreateContacts([
      {email: 'new@acme.com', firstName: 'New', organization: 'Acme'},
      {email: 'jane@acme.com'},
    ])
    expect(created.created.map((x) => x.email)).toEqual(['new@acme.com'])
    expect(created.existing.map((x) => x.id)).toEqual(['c1'])
    const newId = created.created[0]?.id ?? ''
    await expect(c.bulkCreateContacts(Array.from({length: 101}, (_, i) => ({email: `x${i}@a.com`})))).rejects.toThrow(
      /at most 100/,
    )

    const added = await c.addContactIds({
      sequenceId: 's1',
      contactIds: [newId, 'c5', 'c1'],
      mailboxId: 'm1',
      enroll: DEFAULT_ENROLL,
    })
    // Created contacts start unverified: Apollo's safety switches stay on unless the manifest says so.
    expect(added.added).toEqual([])
    expect(added.skipped).toEqual({
      [newId]: 'contacts_unverified_email',
      c5: 'contacts_active_in_other_campaigns',
      c1: 'contacts_already_exists_in_current_campaign',
    })
    const unverified = await c.addContactIds({
      sequenceId: 's1',
      contactIds: [newId],
      mailboxId: 'm1',
      enroll: {...DEFAULT_ENROLL, unverifiedEmail: true},
    })
    expect(unverified.added.map((x) => x.id)).toEqual([newId])
    expect(unverified.skipped).toEqual({})
    const forced = await c.addContactIds({
      sequenceId: 's1',
      contactIds: ['c5'],
      mailboxId: 'm1',
      enroll: {...DEFAULT_ENROLL, activeInOtherSequences: true},
    })
    expect(forced.added.map((x) => x.id)).toEqual(['c5'])

    // remove_or_stop answers with the contacts as they are after the call.
    const finished = await c.removeOrStopContactIds({sequenceId: 's1', contactIds: ['c1'], mode: 'mark_as_finished'})
    expect(finished.contacts.map((x) => [x.id, x.memberships.find((m) => m.sequenceId === 's1')?.status])).toEqual([
      ['c1', 'finished'],
    ])
    const removed = await c.removeOrStopContactIds({sequenceId: 's1', contactIds: ['c2'], mode: 'remove'})
    expect(removed.contacts.map((x) => [x.id, x.memberships.some((m) => m.sequenceId === 's1')])).toEqual([
      ['c2', false],
    ])
    const after = await sweepSequenceMembers(c, ['s1'])
    expect(after.contacts.get('c1')?.memberships.find((m) => m.sequenceId === 's1')?.status).toBe('finished')
    expect(after.members.get('s1')).not.toContain('c2')
    expect(after.members.get('s1')).toContain(newId)
  })

  it('a restricted key gets a scope hint', async () => {
    const emu = await emulator(smallSeed())
    const c = createApolloClient({baseUrl: emu.url, apiKey: new ApiKey('sk_restricted_key_000')})
    cleanups.push(() => c.close())
    const e = (await caught(c.searchContacts({sequenceIds: null}, 1, 'asc'))) as ApolloApiError
    expect(e.status).toBe(403)
    expect(e.hint).toContain('api/v1/contacts/search')
    const bad = createApolloClient({baseUrl: emu.url, apiKey: new ApiKey('sk_wrong_key_123')})
    cleanups.push(() => bad.close())
    expect(((await caught(bad.listMailboxes())) as ApolloApiError).code).toBe('API_UNAUTHORIZED')
  })

  it('pacing from the headers avoids 429 entirely on a tight minute window', async () => {
    const emu = await emulator(smallSeed(), {rateLimits: {minute: 4, hour: null, day: null, windowScale: 0.01}})
    const events: ClientEvent[] = []
    const c = client(emu.url, {windowScale: 0.01, concurrency: 4, onEvent: (e) => events.push(e)})
    const started = Date.now()
    const results = await Promise.all(Array.from({length: 10}, () => c.listMailboxes()))
    expect(results.every((r) => r.length === 2)).toBe(true)
    expect(emu.stats().rateLimited).toEqual({})
    expect(c.rateLimitedCounts()).toEqual({})
    expect(c.callCounts()).toEqual({email_accounts: 10})
    // 10 requests at 4 per 600 ms window: at least two window waits.
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_150)
    expect(events.some((e) => e.type === 'pace')).toBe(true)
    // One 'pace' event per window wait, not one per waiting request (the CLI prints each one, even
    // without --verbose: a plan with thousands of queued look-ups flooded stderr every minute).
    expect(events.filter((e) => e.type === 'pace').length).toBeLessThanOrEqual(3)
  })

  it('an hourly window used up in the emulator stops the next call before it is sent', async () => {
    const emu = await emulator(smallSeed(), {rateLimits: {minute: null, hour: 2, day: null}})
    const c = client(emu.url)
    await c.listMailboxes()
    await c.listMailboxes()
    await expect(c.listMailboxes()).rejects.toThrow(QuotaExhaustedError)
    expect(emu.stats().requests).toEqual({email_accounts: 2})
  })

  it('hourly and daily counts arriving out of order never pace past the quota (no 429)', async () => {
    // Apollo counts a request when it processes it; with several in flight and uneven latency the
    // responses land in another order, so the last header seen is not the lowest count.
    for (const window of ['hour', 'day'] as const) {
      const emu = await emulator(smallSeed(), {
        rateLimits: {minute: null, hour: null, day: null, [window]: 15},
        faults: {seed: 7, latencyMs: [0, 80], endpoints: ['email_accounts']},
      })
      const c = client(emu.url, {concurrency: 6})
      const results = await Promise.allSettled(Array.from({length: 25}, () => c.listMailboxes()))
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(15)
      for (const r of results) {
        if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(QuotaExhaustedError)
      }
      expect(emu.stats().rateLimited).toEqual({})
      expect(c.rateLimitedCounts()).toEqual({})
    }
  })
})

// --- the member sweep and the cost model -------------------------------------------------------

function genSeed(opts: {
  sequences: number
  perSequence: number
  stride: number
  outside: number
  archived?: boolean
}): EmulatorSeed {
  const contacts: SeedContact[] = []
  const total = (opts.sequences - 1) * opts.stride + opts.perSequence
  for (let i = 0; i < total; i++) {
    const memberships: {sequence_id: string; status: 'active' | 'paused' | 'finished' | 'failed'}[] = []
    for (let s = 0; s < opts.sequences; s++) {
      if (i >= s * opts.stride && i < s * opts.stride + opts.perSequence)
        memberships.push({sequence_id: `seq${s}`, status: s % 3 === 0 ? 'finished' : 'active'})
    }
    contacts.push({id: `m${String(i).padStart(5, '0')}`, email: `member${i}@acme.com`, memberships})
  }
  for (let i = 0; i < opts.outside; i++)
    contacts.push({
      id: `o${String(i).padStart(5, '0')}`,
      email: `outside${i}@globex.com`,
      other_emails: [`alt${i}@home.org`],
    })
  const sequences = Array.from({length: opts.sequences}, (_, s) => ({
    id: `seq${s}`,
    name: `Sequence ${s}`,
    active: true,
  }))
  if (opts.archived === true)
    sequences.push({id: 'arch', name: 'Archived one', active: false, archived: true} as (typeof sequences)[number])
  return {apiKeys: [KEY], emailAccounts: [{id: 'mb1', email: 'sdr@acme.com', active: true}], sequences, contacts}
}

const SRC = {file: 'm.yaml', line: 1, col: 1}
function desiredSeq(selector: SequenceSelector, entries: DesiredEntry['ref'][]): DesiredSequence {
  return {
    selector,
    source: SRC,
    mailbox: 'sdr@acme.com',
    mailboxSource: SRC,
    prune: 'none',
    pruneScope: 'all',
    missingContacts: 'error',
    enroll: DEFAULT_ENROLL,
    entries: entries.map((ref) => ({ref, list: 'contacts', source: SRC})),
  }
}
const byEmail = (email: string): DesiredEntry['ref'] => ({kind: 'email', email, display: email})

describe('sweepSequenceMembers', () => {
  it('one multi-sequence sweep; members come from memberships', async () => {
    const emu = await emulator(genSeed({sequences: 5, perSequence: 50, stride: 40, outside: 0}))
    const c = client(emu.url)
    const ids = ['seq0', 'seq1', 'seq2', 'seq3', 'seq4', 'seq2']
    const sweep = await sweepSequenceMembers(c, ids)
    // 4*40+50 = 210 distinct contacts: 3 pages, one query for all five sequences.
    expect(sweep.contacts.size).toBe(210)
    expect(c.callCounts()).toEqual({'contacts/search': 3})
    expect(sweep.members.get('seq1')).toHaveLength(50)
    expect(sweep.members.get('seq1')?.[0]).toBe('m00040')
    expect([...sweep.members.keys()]).toEqual(['seq0', 'seq1', 'seq2', 'seq3', 'seq4'])
    expect(await sweepSequenceMembers(c, [])).toEqual({contacts: new Map(), members: new Map()})
    expect(c.callCounts()).toEqual({'contacts/search': 3})
  })

  it('learns the display cap from the 422 (or the empty pages), reads around it, splits, and refuses a sequence over 2 x cap', async () => {
    for (const pastDisplayCap of ['error', 'empty'] as const) {
      const seed = genSeed({sequences: 3, perSequence: 80, stride: 80, outside: 0})
      const emu = await emulator(seed, {displayCap: 100, pastDisplayCap})
      const c = client(emu.url)
      const sweep = await sweepSequenceMembers(c, ['seq0', 'seq1', 'seq2'])
      // 240 members: page 1, then the farthest page (3) is refused. The 422 names the cap (100);
      // an empty page only bounds it (200), so the farthest pages under that bound are tried too
      // (ascending 2, empty; descending 1). 240 > 2 x 100: split.
      // [seq0, seq1]: 160 = ascending page 1 + descending page 1, then both ends once more (2);
      // [seq2]: 80 = 1 page.
      expect(sweep.contacts.size).toBe(240)
      expect(sweep.members.get('seq1')).toHaveLength(80)
      expect(sweep.members.get('seq2')).toHaveLength(80)
      expect(c.callCounts()).toEqual({'contacts/search': (pastDisplayCap === 'error' ? 2 : 4) + 2 + 2 + 1})
    }
    const big = await emulator(genSeed({sequences: 1, perSequence: 250, stride: 0, outside: 0}), {displayCap: 100})
    const e = await caught(sweepSequenceMembers(client(big.url), ['seq0']))
    expect(e).toBeInstanceOf(IncompleteReadError)
    expect((e as Error).message).toMatch(/seq0 has 250 contacts, more than Apollo's search can list from both ends/)
  })

  it('a split sweep keeps the later copy of a contact both parts list: a change between the parts is seen', async () => {
    // 220 members under a cap of 100: split into [seq0, seq1] (150) and [seq2] (80); m00140-m00149 are
    // in seq1 and seq2, so both parts list them.
    const emu = await emulator(genSeed({sequences: 3, perSequence: 80, stride: 70, outside: 0}), {displayCap: 100})
    const c = client(emu.url)
    let changed = false
    const hooked: ApolloClient = new Proxy(c, {
      get(target, key) {
        const value: unknown = Reflect.get(target, key)
        if (typeof value !== 'function') return value
        if (key !== 'searchContacts') return (...args: unknown[]): unknown => Reflect.apply(value, target, args)
        return async (...args: Parameters<ApolloClient['searchContacts']>) => {
          // Between the parts, m00145 finishes seq1 in Apollo.
          if (!changed && args[0].sequenceIds?.join() === 'seq2') {
            changed = true
            emu.setMembership('m00145', 'seq1', 'finished')
          }
          return target.searchContacts(...args)
        }
      },
    })
    const sweep = await sweepSequenceMembers(hooked, ['seq0', 'seq1', 'seq2'])
    expect(changed).toBe(true)
    expect(sweep.contacts.size).toBe(220)
    const m = sweep.contacts.get('m00145')?.memberships.map((x) => [x.sequenceId, x.status])
    expect(m).toEqual([
      ['seq1', 'finished'],
      ['seq2', 'active'],
    ])
  })

  it('a read from both ends checks both ends again: a leave and a join that keep the total are not read past', async () => {
    // 200 members under a cap of 100: ascending page 1, page 2 refused (the cap is learned), then
    // descending page 1. Before that m00009 leaves and o00000 (newer than every member) joins: the
    // total stays 200, and the descending page no longer reaches m00100.
    const emu = await emulator(genSeed({sequences: 1, perSequence: 200, stride: 0, outside: 1}), {displayCap: 100})
    emu.onRequest('contacts/search', 2, () => {
      emu.setMembership('m00009', 'seq0', 'absent')
      emu.setMembership('o00000', 'seq0', 'active')
    })
    const c = client(emu.url)
    const sweep = await sweepSequenceMembers(c, ['seq0'])
    const members = sweep.members.get('seq0')!
    expect(members).toHaveLength(200)
    expect(members).toContain('m00100')
    expect(members).toContain('o00000')
    expect(members).not.toContain('m00009')
    // 2 pages and the refused one, both ends again (moved: they are the pages now), both ends again (settled).
    expect(c.callCounts()).toEqual({'contacts/search': 3 + 2 + 2})
  })

  it('after a change mid-read, the ascending pages that provably did not move stay read', async () => {
    // 1,000 members: 10 ascending pages, one at a time (page 1, the farthest 10, then 2..9). Before
    // page 9 a member joins (newest): the total is 1,001.
    const joined = await emulator(genSeed({sequences: 1, perSequence: 1_000, stride: 0, outside: 1}))
    joined.onRequest('contacts/search', 10, () => joined.setMembership('o00000', 'seq0', 'active'))
    const c = client(joined.url, {concurrency: 1})
    const sweep = await sweepSequenceMembers(c, ['seq0'])
    expect(sweep.members.get('seq0')).toHaveLength(1_001)
    // 10 pages, page 1 again (the total), page 8 again (pages 1-8 did not move), pages 10 and 11.
    expect(c.callCounts()).toEqual({'contacts/search': 10 + 1 + 1 + 2})

    // A member that leaves from page 2 moves every later page: those are read again, nothing stale stays.
    const left = await emulator(genSeed({sequences: 1, perSequence: 1_000, stride: 0, outside: 0}))
    left.onRequest('contacts/search', 10, () => left.setMembership('m00150', 'seq0', 'absent'))
    const c2 = client(left.url, {concurrency: 1})
    const after = await sweepSequenceMembers(c2, ['seq0'])
    const members = after.members.get('seq0')!
    expect(members).toHaveLength(999)
    expect(members).not.toContain('m00150')
    expect(members).toContain('m00800')
    // 10 pages, page 1 and page 8 again (moved), then pages 2-8 and 10 again (page 9 was read after the change).
    expect(c2.callCounts()).toEqual({'contacts/search': 10 + 2 + 8})
  })

  it('fails closed, naming it, when Apollo ignores sort_ascending, sort_by_field or the filter', async () => {
    // 250 members under a cap of 200: ascending pages 1-2 and descending page 1 (the order matters).
    const seed = genSeed({sequences: 2, perSequence: 150, stride: 100, outside: 0})
    const cases = [
      ['sort_ascending', /ignored sort_ascending/],
      ['sort_by_field', /ignored sort_by_field/],
      ['emailer_campaign_ids', /did not confirm the emailer_campaign_ids filter/],
    ] as const
    for (const [param, message] of cases) {
      const emu = await emulator(seed, {ignoredParams: [param], displayCap: 200})
      await expect(sweepSequenceMembers(client(emu.url), ['seq0', 'seq1']), param).rejects.toThrow(message)
    }
  })
})

describe('readLiveState call counts equal the cost model', () => {
  it('30 sequences x 50 contacts with overlap: the scan, when it costs less than the sweep and its look-ups', async () => {
    // 29*40+50 = 1210 members (13 pages) + 300 outside contacts: 1510 contacts, 16 scan pages.
    const emu = await emulator(genSeed({sequences: 30, perSequence: 50, stride: 40, outside: 300, archived: true}))
    const c = client(emu.url)
    const sequences: DesiredSequence[] = []
    for (let s = 0; s < 30; s++) {
      const selector = s % 5 === 0 ? {id: `seq${s}`} : {name: `Sequence ${s}`}
      const refs = [byEmail(`member${s * 40}@acme.com`), byEmail(`MEMBER${s * 40 + 1}@acme.com`)]
      sequences.push(desiredSeq(selector, refs))
    }
    sequences.push(
      desiredSeq({id: 'arch'}, [
        byEmail('outside1@globex.com'),
        byEmail('alt2@home.org'),
        byEmail('outside299@globex.com'),
        byEmail('ghost@nowhere.com'),
        {kind: 'id', id: 'o00150'},
        {kind: 'id', id: 'nope0000'},
        {kind: 'id', id: 'm00005'},
      ]),
    )
    const plans: ReadPlan[] = []
    const live = await readLiveState(c, {sequences}, {onReadPlan: (p) => void plans.push(p)})
    // sequences: 31 entries, 1 page; arch is not listed by search -> 1 show. mailboxes: 1.
    // Probes: scan page 1 (N = 1510: 15 pages left) and sweep page 1 (T = 1210: 12 left). 60
    // declared contacts are still open: the sweep saves 3 pages but needs up to 60 look-ups, and a
    // sample could not prove otherwise within its budget (3/4 of a look-up): scan, 15 more pages.
    expect(plans).toEqual([
      {
        strategy: 'scan',
        phase: 'pages',
        members: 1210,
        contacts: 1510,
        unresolved: 60,
        sampled: 0,
        sampledOutside: 0,
        remainingCalls: {'contacts/search': 15},
      },
    ])
    expect(c.callCounts()).toEqual({
      'users/api_profile': 1,
      'emailer_campaigns/search': 1,
      'emailer_campaigns/show': 1,
      email_accounts: 1,
      'contacts/search': 1 + 16,
    })
    expect(c.callCounts()).toEqual(emu.stats().requests)
    expect(live.sequences.get(selectorKey({id: 'arch'}))?.[0]?.archived).toBe(true)
    expect(live.sequences.get(selectorKey({name: 'Sequence 7'}))?.map((s) => s.id)).toEqual(['seq7'])
    expect(live.members.has('arch')).toBe(false)
    expect(live.members.get('seq29')).toHaveLength(50)
    expect(live.mailboxes).toHaveLength(1)
    expect(live.contactsByEmail.get('alt2@home.org')).toEqual(['o00002'])
    expect(live.contactsByEmail.get('outside2@globex.com')).toEqual(['o00002'])
    expect(live.contactsByEmail.get('outside299@globex.com')).toEqual(['o00299'])
    expect(live.contactsByEmail.get('member41@acme.com')).toEqual(['m00041'])
    // The scan keeps members and declared contacts only.
    expect(live.contacts.has('o00150')).toBe(true)
    expect(live.contacts.has('o00151')).toBe(false)
    expect([...live.missingEmails]).toEqual(['ghost@nowhere.com'])
    expect([...live.missingContactIds]).toEqual(['nope0000'])
  })

  it('a large account with few declared contacts outside: the sweep, after a sample proves its look-ups fit', async () => {
    // 2,150 contacts (22 scan pages), the 300 members of Sequence 0 created last (3 pages). 40 declared
    // members are on the sweep's page 2, so neither probe resolves them; the sweep saves 19 pages and
    // a sample of 2 finding no contact outside bounds its look-ups by 38 x 1/3 = 13 <= 19: sweep, 2
    // more pages, no look-up left.
    const contacts: SeedContact[] = []
    for (let i = 0; i < 1850; i++) contacts.push({id: `x${String(i).padStart(5, '0')}`, email: `x${i}@big.com`})
    for (let i = 0; i < 300; i++) {
      contacts.push({
        id: `m${String(i).padStart(5, '0')}`,
        email: `member${i}@acme.com`,
        memberships: [{sequence_id: 'seq0', status: 'active'}],
      })
    }
    const emu = await emulator({
      apiKeys: [KEY],
      emailAccounts: [{id: 'mb1', email: 'sdr@acme.com', active: true}],
      sequences: [{id: 'seq0', name: 'Sequence 0', active: true}],
      contacts,
    })
    const c = client(emu.url)
    const refs = Array.from({length: 40}, (_, i) => byEmail(`member${100 + i}@acme.com`))
    const plans: ReadPlan[] = []
    const live = await readLiveState(
      c,
      {sequences: [desiredSeq({name: 'Sequence 0'}, refs)]},
      {onReadPlan: (p) => void plans.push(p)},
    )
    // Told once: the sweep left nothing to look up.
    expect(plans.map((p) => [p.strategy, p.phase, p.sampled, p.sampledOutside, p.remainingCalls])).toEqual([
      ['sweep', 'pages', 2, 0, {'contacts/search': 2}],
    ])
    expect(c.callCounts()['contacts/search']).toBe(2 + 2 + 2)
    expect(live.members.get('seq0')).toHaveLength(300)
    expect(live.contactsByEmail.get('member139@acme.com')).toEqual(['m00139'])
    expect(live.missingEmails.size).toBe(0)
  })

  it('spends no look-up on finished/stopped/removed entries the sweep did not see', async () => {
    const emu = await emulator(genSeed({sequences: 3, perSequence: 50, stride: 40, outside: 40}))
    const c = client(emu.url)
    const seq = desiredSeq({name: 'Sequence 0'}, [byEmail('outside1@globex.com')])
    const tombstones: DesiredEntry[] = [
      {ref: byEmail('outside2@globex.com'), list: 'removed', source: SRC},
      {ref: byEmail('outside3@globex.com'), list: 'finished', source: SRC},
      {ref: {kind: 'id', id: 'o00004'}, list: 'stopped', source: SRC},
    ]
    const live = await readLiveState(c, {sequences: [{...seq, entries: [...seq.entries, ...tombstones]}]})
    // sweep 1 page + ONE look-up (the contacts entry); the three others are simply not members.
    expect(c.callCounts()).toEqual({
      'users/api_profile': 1,
      'emailer_campaigns/search': 1,
      email_accounts: 1,
      'contacts/search': 1 + 1,
    })
    expect(live.contactsByEmail.get('outside1@globex.com')).toEqual(['o00001'])
    expect(live.contactsByEmail.has('outside2@globex.com')).toBe(false)
    expect(live.missingEmails.size).toBe(0)
  })

  it('a scan replaces look-ups when it costs fewer calls; absence is then a fact', async () => {
    // 2*40+50 = 130 members, 40 outside: 170 contacts = 2 scan pages.
    const emu = await emulator(genSeed({sequences: 3, perSequence: 50, stride: 40, outside: 40}))
    const c = client(emu.url)
    const desired: DesiredState = {
      sequences: [
        desiredSeq({name: 'Sequence 0'}, [
          byEmail('member0@acme.com'),
          byEmail('outside39@globex.com'),
          byEmail('ghost@nowhere.com'),
        ]),
        desiredSeq({name: 'Sequence 1'}, [
          {kind: 'id', id: 'o00003'},
          {kind: 'id', id: 'gone00'},
        ]),
        desiredSeq({name: 'Nope'}, [byEmail('alt5@home.org')]),
      ],
    }
    const live = await readLiveState(c, desired)
    // sweep of Sequence 0+1 (90 contacts): 1 page; 5 unresolved, scan page 1 then the 1 remaining page.
    expect(c.callCounts()).toEqual({
      'users/api_profile': 1,
      'emailer_campaigns/search': 1,
      email_accounts: 1,
      'contacts/search': 1 + 2,
    })
    expect(live.sequences.get(selectorKey({name: 'Nope'}))).toEqual([])
    expect(live.contactsByEmail.get('outside39@globex.com')).toEqual(['o00039'])
    expect(live.contactsByEmail.get('alt5@home.org')).toEqual(['o00005'])
    expect(live.contacts.has('o00003')).toBe(true)
    expect([...live.missingEmails]).toEqual(['ghost@nowhere.com'])
    expect([...live.missingContactIds]).toEqual(['gone00'])
  })

  it('settles names by a full listing or by q_name, keeping every exact duplicate', async () => {
    const seed = genSeed({sequences: 250, perSequence: 1, stride: 1, outside: 0})
    const sequences = [...seed.sequences, {id: 'dup', name: 'Sequence 7', active: true}]
    const emu = await emulator({...seed, sequences})
    // 251 sequences = 3 pages; 2 names + 1 id (on page 1): 2 pages left <= 2 open names -> list them.
    const c = client(emu.url)
    const live = await readLiveState(c, {
      sequences: [
        desiredSeq({name: 'Sequence 7'}, []),
        desiredSeq({name: 'Sequence 240'}, []),
        desiredSeq({id: 'seq3'}, []),
      ],
    })
    expect(
      live.sequences
        .get(selectorKey({name: 'Sequence 7'}))
        ?.map((s) => s.id)
        .sort(),
    ).toEqual(['dup', 'seq7'])
    expect(live.sequences.get(selectorKey({name: 'Sequence 240'}))?.map((s) => s.id)).toEqual(['seq240'])
    expect(live.sequences.get(selectorKey({id: 'seq3'}))?.map((s) => s.id)).toEqual(['seq3'])
    expect(c.callCounts()).toEqual({
      'users/api_profile': 1,
      'emailer_campaigns/search': 3,
      email_accounts: 1,
      'contacts/search': 1,
    })

    // One name, found on page 1, but its twin is on page 3: page 1 + one q_name search (22 hits, 1 page).
    const c2 = client(emu.url)
    const live2 = await readLiveState(c2, {sequences: [desiredSeq({name: 'Sequence 7'}, [])]})
    expect(
      live2.sequences
        .get(selectorKey({name: 'Sequence 7'}))
        ?.map((s) => s.id)
        .sort(),
    ).toEqual(['dup', 'seq7'])
    expect(c2.callCounts()).toEqual({
      'users/api_profile': 1,
      'emailer_campaigns/search': 2,
      email_accounts: 1,
      'contacts/search': 1,
    })
  })
})
