// The only code that speaks HTTP to Apollo. undici Pool with keep-alive and explicit timeouts,
// bounded concurrency, header-driven pacing (so a normal run gets no 429), retries for 5xx /
// network errors / minute-window 429s, and fail-closed parsing of every response.
// The API key goes ONLY into the x-api-key header: never into a URL, a body, an event or an error.

import {Pool} from 'undici'
import {ApolloApiError, BugError, IncompleteReadError, QuotaExhaustedError, UsageError} from '../errors.js'
import type {EnrollSwitches, LiveContact, LiveMailbox, LiveSequence} from '../model/state.js'
import {listContactSequenceIds, toLiveContact, toLiveMailbox, toLiveSequence, toPagination} from './to-live-state.js'
import type {
  AddContactsResult,
  ApolloClient,
  ClientEvent,
  ClientOptions,
  Endpoint,
  NewContact,
  Page,
  QuotaWindowLeft,
  RemoveMode,
} from './types.js'
import type {
  AddContactIdsResponseDto,
  ApiProfileResponseDto,
  BreadcrumbDto,
  BulkCreateResponseDto,
  ContactShowResponseDto,
  ContactsSearchResponseDto,
  EmailAccountsResponseDto,
  ErrorBodyDto,
  SequenceShowResponseDto,
  SequencesSearchResponseDto,
} from './wire-types.js'

import {BULK_CREATE_LIMIT as MAX_BULK_CREATE, DISPLAY_CAP, PAGE_SIZE as PER_PAGE} from './limits.js'

/** Minute-window 429s retried per request (separate from the 5xx/network budget). */
export const MAX_RATE_LIMIT_RETRIES = 20
const BACKOFF_CAP_MS = 30_000
const MESSAGE_LIMIT = 300
/** Slack added to estimated window resets (timer granularity, clock skew between sockets). */
const PACE_MARGIN_MS = 25

/** Apollo key scopes per endpoint label (403 API_INACCESSIBLE hints). */
const SCOPES: Readonly<Record<Endpoint, string>> = {
  'auth/health': 'api/v1/auth/health',
  'users/api_profile': 'api/v1/users/api_profile',
  'usage_stats/api_usage_stats': 'api/v1/usage_stats/api_usage_stats',
  'emailer_campaigns/search': 'api/v1/emailer_campaigns/search',
  'emailer_campaigns/show': 'api/v1/emailer_campaigns/show',
  'emailer_campaigns/add_contact_ids': 'api/v1/emailer_campaigns/add_contact_ids',
  'emailer_campaigns/remove_or_stop_contact_ids': 'api/v1/emailer_campaigns/remove_or_stop_contact_ids',
  'contacts/search': 'api/v1/contacts/search',
  'contacts/show': 'api/v1/contacts/show',
  'contacts/bulk_create': 'api/v1/contacts/bulk_create',
  email_accounts: 'api/v1/email_accounts/index',
}

/** True for 127.0.0.0/8, ::1 and localhost. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase()
  if (host === 'localhost' || host.endsWith('.localhost')) return true
  if (host === '::1' || host === '0:0:0:0:0:0:0:1') return true
  if (host.startsWith('::ffff:')) return isLoopbackHost(host.slice(7))
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)
}

function parseBaseUrl(baseUrl: string): URL {
  let url: URL
  try {
    url = new URL(baseUrl)
  } catch {
    throw new UsageError(`Invalid Apollo base URL: ${JSON.stringify(baseUrl)}`)
  }
  if (url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '') {
    throw new UsageError('The Apollo base URL must not contain credentials, a query string or a fragment', {
      hint: 'Pass the API key through APOLLO_API_KEY; it is sent only in the x-api-key header.',
    })
  }
  if (url.protocol === 'https:') return url
  if (url.protocol === 'http:') {
    if (isLoopbackHost(url.hostname)) return url
    throw new UsageError(`Refusing plain http to ${url.hostname}: the API key would travel unencrypted`, {
      hint: 'Use https, or http only to a loopback address (127.0.0.1, ::1, localhost) such as the emulator.',
    })
  }
  throw new UsageError(`Unsupported protocol in the Apollo base URL: ${url.protocol}`)
}

class Semaphore {
  #free: number
  readonly #waiters: (() => void)[] = []
  constructor(size: number) {
    this.#free = size
  }
  async acquire(): Promise<void> {
    if (this.#free > 0) {
      this.#free--
      return
    }
    await new Promise<void>((resolve) => this.#waiters.push(resolve))
  }
  release(): void {
    const next = this.#waiters.shift()
    if (next) next()
    else this.#free++
  }
}

interface EndpointState {
  /** Requests reserved for or in flight to this endpoint. */
  inFlight: number
  /** At least one authorised response seen (before that, one probe at a time). */
  probed: boolean
  minuteLeft: number | null
  minuteLimit: number | null
  /** Expected reset of the current minute window (epoch ms), when known or assumed. */
  minuteResetAt: number | null
  /** Responses to requests sent before this instant describe an older window. */
  minuteEpochStart: number
  /** The minute reset a 'pace' event was last emitted for (one event per wait, not per request). */
  paceAnnouncedFor: number | null
  hourLeft: number | null
  hourSeenAt: number
  hourStartedAt: number | null
  /** Responses to requests sent before this instant describe an older hourly window. */
  hourEpochStart: number
  dayLeft: number | null
  daySeenAt: number
  dayStartedAt: number | null
  dayEpochStart: number
  /** Woken whenever a request to this endpoint finishes. */
  readonly waiters: (() => void)[]
}

type Headers = Record<string, string | string[] | undefined>

function header(headers: Headers, name: string): string | undefined {
  const v = headers[name]
  return Array.isArray(v) ? v[0] : v
}

/** A header count; null when absent, empty (unlimited) or not a number. */
function headerCount(headers: Headers, ...names: string[]): number | null {
  for (const name of names) {
    const raw = header(headers, name)
    if (raw === undefined) continue
    const trimmed = raw.trim()
    if (trimmed === '') return null
    const n = Number(trimmed)
    if (Number.isFinite(n)) return n
  }
  return null
}

/** retry-after in ms (seconds or HTTP-date), or null. */
export function parseRetryAfter(value: string | undefined, now: number): number | null {
  if (value === undefined || value.trim() === '') return null
  const seconds = Number(value.trim())
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000)
  const date = Date.parse(value)
  return Number.isFinite(date) ? Math.max(0, date - now) : null
}

/** Which window a 429 is about: its body names it; else a short retry-after means the minute. */
export function classifyRateLimit(message: string, retryAfterMs: number | null): 'minute' | 'hour' | 'day' {
  const text = message.toLowerCase()
  if (/per\s+minute|\bminute\b/.test(text)) return 'minute'
  // Before the hour test: "24-hour" contains the word "hour".
  if (/per\s+day|daily|24[\s-]hour|\bday\b/.test(text)) return 'day'
  if (/per\s+hour|hourly|\bhour\b/.test(text)) return 'hour'
  if (retryAfterMs === null || retryAfterMs <= 60_000) return 'minute'
  return retryAfterMs <= 3_600_000 ? 'hour' : 'day'
}

function truncate(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim()
  return flat.length > MESSAGE_LIMIT ? `${flat.slice(0, MESSAGE_LIMIT - 1)}…` : flat
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

const NOT_FOUND = /does not exist|not exist|not found|has been deleted|no such/i

interface RawResponse {
  readonly status: number
  readonly headers: Headers
  readonly text: string
}

interface CallSpec {
  readonly endpoint: Endpoint
  readonly method: 'GET' | 'POST'
  /** Relative to the base URL, starting with `/`, no query string. */
  readonly path: string
  readonly body?: unknown
  /** Return null instead of throwing for Apollo's "does not exist" (422). */
  readonly nullWhenNotFound?: boolean
}

class HttpApolloClient implements ApolloClient {
  readonly #pool: Pool
  readonly #basePath: string
  readonly #options: ClientOptions
  readonly #semaphore: Semaphore
  readonly #maxRetries: number
  readonly #backoffMs: number
  readonly #random: () => number
  readonly #minuteMs: number
  readonly #hourMs: number
  readonly #dayMs: number
  readonly #calls: Partial<Record<Endpoint, number>> = {}
  readonly #limited: Partial<Record<Endpoint, number>> = {}
  readonly #state = new Map<Endpoint, EndpointState>()
  readonly #headersTimeout: number
  readonly #bodyTimeout: number

  constructor(options: ClientOptions) {
    const url = parseBaseUrl(options.baseUrl)
    const concurrency = options.concurrency ?? 4
    if (!Number.isInteger(concurrency) || concurrency < 1)
      throw new UsageError(`concurrency must be a positive integer, got ${concurrency}`)
    const scale = options.windowScale ?? 1
    if (!(scale > 0)) throw new UsageError(`windowScale must be positive, got ${scale}`)
    if (scale !== 1 && !isLoopbackHost(url.hostname)) {
      // Shortened windows against real Apollo would forget an exhausted hourly quota within seconds.
      throw new UsageError(
        `Shortened rate-limit windows (SEQSYNC_RATE_WINDOW_SCALE) are for the local emulator only, not ${url.hostname}`,
        {hint: 'Unset SEQSYNC_RATE_WINDOW_SCALE when talking to Apollo.'},
      )
    }
    this.#options = options
    this.#basePath = url.pathname.replace(/\/+$/, '')
    this.#semaphore = new Semaphore(concurrency)
    this.#maxRetries = options.maxRetries ?? 5
    this.#backoffMs = options.backoffMs ?? 500
    this.#random = options.random ?? Math.random
    this.#minuteMs = 60_000 * scale
    this.#hourMs = 3_600_000 * scale
    this.#dayMs = 86_400_000 * scale
    this.#headersTimeout = options.timeouts?.headers ?? 60_000
    this.#bodyTimeout = options.timeouts?.body ?? 60_000
    this.#pool = new Pool(url.origin, {
      connections: concurrency,
      pipelining: 1,
      keepAliveTimeout: 4_000,
      keepAliveMaxTimeout: 60_000,
      connect: {timeout: options.timeouts?.connect ?? 10_000},
      headersTimeout: this.#headersTimeout,
      bodyTimeout: this.#bodyTimeout,
    })
  }

  // --- reads ---------------------------------------------------------------------------------

  async searchSequences(params: {readonly qName?: string; readonly page: number}): Promise<Page<LiveSequence>> {
    const body: Record<string, unknown> = {page: params.page, per_page: PER_PAGE}
    if (params.qName !== undefined) body['q_name'] = params.qName
    const dto = (await this.#call({
      endpoint: 'emailer_campaigns/search',
      method: 'POST',
      path: '/emailer_campaigns/search',
      body,
    })) as SequencesSearchResponseDto
    const p = toPagination(dto.pagination, params.page, PER_PAGE, 'emailer_campaigns/search')
    const list = Array.isArray(dto.emailer_campaigns) ? dto.emailer_campaigns : []
    return {
      items: list.map((s) => toLiveSequence(s)),
      page: p.page,
      totalPages: p.totalPages,
      totalEntries: p.totalEntries,
    }
  }

  async getSequence(id: string): Promise<LiveSequence | null> {
    const dto = (await this.#call({
      endpoint: 'emailer_campaigns/show',
      method: 'GET',
      path: `/emailer_campaigns/${encodeURIComponent(id)}`,
      nullWhenNotFound: true,
    })) as SequenceShowResponseDto | null
    if (dto === null) return null
    if (!isRecord(dto.emailer_campaign))
      throw new IncompleteReadError(`Apollo's answer for sequence ${id} has no emailer_campaign`)
    return toLiveSequence(dto.emailer_campaign)
  }

  async listMailboxes(): Promise<readonly LiveMailbox[]> {
    const dto = (await this.#call({
      endpoint: 'email_accounts',
      method: 'GET',
      path: '/email_accounts',
    })) as EmailAccountsResponseDto
    if (!Array.isArray(dto.email_accounts))
      throw new IncompleteReadError("Apollo's email_accounts response has no email_accounts list")
    return dto.email_accounts.map((m) => toLiveMailbox(m))
  }

  async getApiProfile(): Promise<{readonly id: string; readonly email: string | null}> {
    const dto = (await this.#call({
      endpoint: 'users/api_profile',
      method: 'GET',
      path: '/users/api_profile',
    })) as ApiProfileResponseDto
    const user = isRecord(dto.user) ? dto.user : dto
    if (typeof user.id !== 'string') throw new IncompleteReadError("Apollo's api_profile response has no user id")
    return {id: user.id, email: typeof user.email === 'string' ? user.email : null}
  }

  async searchContactsInSequences(sequenceIds: readonly string[], page: number): Promise<Page<LiveContact>> {
    const ids = [...new Set(sequenceIds)]
    if (ids.length === 0) throw new BugError('searchContactsInSequences needs at least one sequence id')
    const dto = (await this.#call({
      endpoint: 'contacts/search',
      method: 'POST',
      path: '/contacts/search',
      body: {emailer_campaign_ids: ids, page, per_page: PER_PAGE},
    })) as ContactsSearchResponseDto
    // The filter is undocumented and Apollo ignores unknown parameters: prove it was applied.
    const echoed = new Set<string>()
    for (const crumb of Array.isArray(dto.breadcrumbs) ? (dto.breadcrumbs as readonly BreadcrumbDto[]) : []) {
      if (!isRecord(crumb) || crumb.signal_field_name !== 'emailer_campaign_ids') continue
      const values = Array.isArray(crumb.value) ? crumb.value : [crumb.value]
      for (const v of values) if (typeof v === 'string') echoed.add(v)
    }
    const notEchoed = ids.filter((id) => !echoed.has(id))
    if (notEchoed.length > 0) {
      throw new IncompleteReadError(
        `Apollo did not confirm the emailer_campaign_ids filter for ${notEchoed.length} sequence${notEchoed.length === 1 ? '' : 's'} (${notEchoed.slice(0, 3).join(', ')}${notEchoed.length > 3 ? ', …' : ''})`,
        {
          hint: 'The membership read cannot be trusted, so nothing is planned from it. Run again; report it if it persists.',
        },
      )
    }
    const requested = new Set(ids)
    const raw = Array.isArray(dto.contacts) ? dto.contacts : []
    const items: LiveContact[] = []
    for (const c of raw) {
      const contact = toLiveContact(c)
      if (!listContactSequenceIds(c).some((sid) => requested.has(sid))) {
        throw new IncompleteReadError(
          `Apollo returned contact ${contact.id}, which is in none of the requested sequences (the filter was ignored)`,
        )
      }
      items.push(contact)
    }
    const p = toPagination(dto.pagination, page, PER_PAGE, 'contacts/search')
    return {items, page: p.page, totalPages: p.totalPages, totalEntries: p.totalEntries}
  }

  async scanContacts(page: number): Promise<Page<LiveContact>> {
    return this.#searchContacts(
      {page, per_page: PER_PAGE, sort_by_field: 'contact_created_at', sort_ascending: true},
      page,
    )
  }

  async findContactsByEmail(email: string): Promise<readonly LiveContact[]> {
    const wanted = email.trim().toLowerCase()
    if (wanted === '') return []
    const matches = new Map<string, LiveContact>()
    let totalPages = 1
    for (let page = 1; page <= totalPages; page++) {
      const result = await this.#searchContacts({q_keywords: wanted, page, per_page: PER_PAGE}, page)
      // Past the display cap the rest of the hits cannot be read: "no exact match" (or "one match")
      // would be a guess, and acting on it creates a duplicate contact or drops a prospect.
      if (result.totalEntries > DISPLAY_CAP) {
        throw new IncompleteReadError(
          `Apollo's keyword search for ${wanted} matched ${result.totalEntries} contacts, more than its search can list (${DISPLAY_CAP}); the look-up cannot be complete`,
          {
            hint: 'Pin the contact by id in the manifest (`- id: ...`), or report it if Apollo ignored the keyword filter.',
          },
        )
      }
      // Like the sweep: trust whichever count asks for more pages (Apollo may page by fewer than 100).
      totalPages = Math.max(result.totalPages, Math.ceil(result.totalEntries / PER_PAGE))
      for (const c of result.items) {
        const emails = [c.email, ...c.otherEmails]
          .filter((e): e is string => e !== null)
          .map((e) => e.trim().toLowerCase())
        if (emails.includes(wanted) && !matches.has(c.id)) matches.set(c.id, c)
      }
    }
    return [...matches.values()]
  }

  async getContact(id: string): Promise<LiveContact | null> {
    const dto = (await this.#call({
      endpoint: 'contacts/show',
      method: 'GET',
      path: `/contacts/${encodeURIComponent(id)}`,
      nullWhenNotFound: true,
    })) as ContactShowResponseDto | null
    if (dto === null) return null
    if (!isRecord(dto.contact)) throw new IncompleteReadError(`Apollo's answer for contact ${id} has no contact`)
    return toLiveContact(dto.contact)
  }

  // --- writes --------------------------------------------------------------------------------

  async bulkCreateContacts(
    contacts: readonly NewContact[],
  ): Promise<{readonly created: readonly LiveContact[]; readonly existing: readonly LiveContact[]}> {
    if (contacts.length > MAX_BULK_CREATE)
      throw new BugError(`bulkCreateContacts got ${contacts.length} contacts; Apollo takes at most ${MAX_BULK_CREATE}`)
    if (contacts.length === 0) return {created: [], existing: []}
    const wire = contacts.map((c) => {
      const out: Record<string, string> = {email: c.email}
      if (c.firstName !== undefined) out['first_name'] = c.firstName
      if (c.lastName !== undefined) out['last_name'] = c.lastName
      if (c.organization !== undefined) out['organization_name'] = c.organization
      if (c.title !== undefined) out['title'] = c.title
      return out
    })
    const dto = (await this.#call({
      endpoint: 'contacts/bulk_create',
      method: 'POST',
      path: '/contacts/bulk_create',
      body: {contacts: wire, run_dedupe: true},
    })) as BulkCreateResponseDto
    const created = Array.isArray(dto.created_contacts) ? dto.created_contacts.map((c) => toLiveContact(c)) : []
    const existing = Array.isArray(dto.existing_contacts) ? dto.existing_contacts.map((c) => toLiveContact(c)) : []
    return {created, existing}
  }

  async addContactIds(request: {
    readonly sequenceId: string
    readonly contactIds: readonly string[]
    readonly mailboxId: string
    readonly enroll: EnrollSwitches
  }): Promise<AddContactsResult> {
    if (request.contactIds.length === 0) return {added: [], skipped: {}}
    const e = request.enroll
    const dto = (await this.#call({
      endpoint: 'emailer_campaigns/add_contact_ids',
      method: 'POST',
      path: `/emailer_campaigns/${encodeURIComponent(request.sequenceId)}/add_contact_ids`,
      body: {
        emailer_campaign_id: request.sequenceId,
        contact_ids: [...request.contactIds],
        send_email_from_email_account_id: request.mailboxId,
        sequence_no_email: e.noEmail === true,
        sequence_unverified_email: e.unverifiedEmail === true,
        sequence_job_change: e.jobChange === true,
        sequence_active_in_other_campaigns: e.activeInOtherSequences === true,
        sequence_finished_in_other_campaigns: e.finishedInOtherSequences === true,
        sequence_same_company_in_same_campaign: e.sameCompany === true,
      },
    })) as AddContactIdsResponseDto
    const skipped: Record<string, string> = {}
    const rawSkipped = dto.skipped_contact_ids
    if (Array.isArray(rawSkipped)) {
      for (const id of rawSkipped) if (typeof id === 'string') skipped[id] = 'unknown'
    } else if (isRecord(rawSkipped)) {
      for (const [id, reason] of Object.entries(rawSkipped))
        skipped[id] = typeof reason === 'string' ? reason : 'unknown'
    }
    const requested = new Set(request.contactIds)
    const added: string[] = []
    for (const c of Array.isArray(dto.contacts) ? dto.contacts : []) {
      const id = isRecord(c) && typeof c.id === 'string' ? c.id : null
      if (id !== null && requested.has(id) && !(id in skipped) && !added.includes(id)) added.push(id)
    }
    return {added, skipped}
  }

  async removeOrStopContactIds(request: {
    readonly sequenceId: string
    readonly contactIds: readonly string[]
    readonly mode: RemoveMode
  }): Promise<void> {
    if (request.contactIds.length === 0) return
    const body: Record<string, unknown> = {
      emailer_campaign_ids: [request.sequenceId],
      contact_ids: [...request.contactIds],
      mode: request.mode,
    }
    if (request.mode === 'stop') body['stop_reason'] = 'Stopped by seqsync (manifest)'
    await this.#call({
      endpoint: 'emailer_campaigns/remove_or_stop_contact_ids',
      method: 'POST',
      path: '/emailer_campaigns/remove_or_stop_contact_ids',
      body,
    })
  }

  // --- accounting ----------------------------------------------------------------------------

  callCounts(): Readonly<Partial<Record<Endpoint, number>>> {
    return {...this.#calls}
  }

  rateLimitedCounts(): Readonly<Partial<Record<Endpoint, number>>> {
    return {...this.#limited}
  }

  quotaLeft(): Readonly<Partial<Record<Endpoint, QuotaWindowLeft>>> {
    const out: Partial<Record<Endpoint, QuotaWindowLeft>> = {}
    for (const [endpoint, s] of this.#state) {
      if (s.minuteLeft === null && s.hourLeft === null && s.dayLeft === null) continue
      out[endpoint] = {minute: s.minuteLeft, hour: s.hourLeft, day: s.dayLeft}
    }
    return out
  }

  async close(): Promise<void> {
    await this.#pool.close()
  }

  // --- internals -----------------------------------------------------------------------------

  async #searchContacts(body: Record<string, unknown>, page: number): Promise<Page<LiveContact>> {
    const dto = (await this.#call({
      endpoint: 'contacts/search',
      method: 'POST',
      path: '/contacts/search',
      body,
    })) as ContactsSearchResponseDto
    const p = toPagination(dto.pagination, page, PER_PAGE, 'contacts/search')
    const raw = Array.isArray(dto.contacts) ? dto.contacts : []
    return {
      items: raw.map((c) => toLiveContact(c)),
      page: p.page,
      totalPages: p.totalPages,
      totalEntries: p.totalEntries,
    }
  }

  #emit(event: ClientEvent): void {
    this.#options.onEvent?.(event)
  }

  #endpointState(endpoint: Endpoint): EndpointState {
    let s = this.#state.get(endpoint)
    if (!s) {
      s = {
        inFlight: 0,
        probed: false,
        minuteLeft: null,
        minuteLimit: null,
        minuteResetAt: null,
        minuteEpochStart: 0,
        paceAnnouncedFor: null,
        hourLeft: null,
        hourSeenAt: 0,
        hourStartedAt: null,
        hourEpochStart: 0,
        dayLeft: null,
        daySeenAt: 0,
        dayStartedAt: null,
        dayEpochStart: 0,
        waiters: [],
      }
      this.#state.set(endpoint, s)
    }
    return s
  }

  /** Wait until a request to `endpoint` may be sent, then reserve a slot (inFlight++). */
  async #pace(endpoint: Endpoint): Promise<void> {
    const s = this.#endpointState(endpoint)
    for (;;) {
      const now = Date.now()
      if (s.minuteResetAt !== null && now >= s.minuteResetAt) {
        s.minuteLeft = s.minuteLimit
        s.minuteResetAt = null
        s.minuteEpochStart = now
      }
      if (s.hourLeft !== null && now - s.hourSeenAt >= this.#hourMs) s.hourLeft = null
      if (s.dayLeft !== null && now - s.daySeenAt >= this.#dayMs) s.dayLeft = null
      const longWindow =
        s.dayLeft !== null && s.dayLeft - s.inFlight <= 0
          ? 'day'
          : s.hourLeft !== null && s.hourLeft - s.inFlight <= 0
            ? 'hour'
            : null
      if (longWindow !== null) {
        if (s.inFlight > 0) {
          // Requests in flight will report fresher numbers; decide after one of them lands.
          await new Promise<void>((resolve) => s.waiters.push(resolve))
          continue
        }
        const started = longWindow === 'day' ? s.dayStartedAt : s.hourStartedAt
        throw new QuotaExhaustedError(
          endpoint,
          longWindow,
          started === null ? null : started + (longWindow === 'day' ? this.#dayMs : this.#hourMs),
        )
      }
      if (!s.probed && s.inFlight > 0) {
        // Learn the limits from one response before fanning out.
        await new Promise<void>((resolve) => s.waiters.push(resolve))
        continue
      }
      if (s.minuteLeft !== null && s.minuteLeft - s.inFlight <= 0) {
        if (s.minuteResetAt === null) s.minuteResetAt = now + this.#minuteMs + PACE_MARGIN_MS
        const delayMs = Math.max(0, s.minuteResetAt - now)
        if (s.paceAnnouncedFor !== s.minuteResetAt) {
          s.paceAnnouncedFor = s.minuteResetAt
          this.#emit({type: 'pace', endpoint, delayMs, window: 'minute'})
        }
        await sleep(delayMs)
        continue
      }
      s.inFlight++
      return
    }
  }

  #finish(endpoint: Endpoint): void {
    const s = this.#endpointState(endpoint)
    s.inFlight--
    const waiters = s.waiters.splice(0)
    for (const w of waiters) w()
  }

  #recordQuota(endpoint: Endpoint, headers: Headers, sentAt: number, receivedAt: number): void {
    const s = this.#endpointState(endpoint)
    const minuteLeft = headerCount(headers, 'x-minute-requests-left')
    const minuteUsage = headerCount(headers, 'x-minute-usage')
    const minuteLimit = headerCount(headers, 'x-rate-limit-minute')
    if (minuteLimit !== null) s.minuteLimit = minuteLimit
    if (minuteUsage === 1) {
      // This request opened a new window: it resets at most one window after we heard back.
      // Keep the lowest count seen (responses may arrive out of order; lower is the safe side).
      if (minuteLeft !== null) s.minuteLeft = s.minuteLeft === null ? minuteLeft : Math.min(s.minuteLeft, minuteLeft)
      s.minuteResetAt = receivedAt + this.#minuteMs + PACE_MARGIN_MS
    } else if (sentAt >= s.minuteEpochStart && minuteLeft !== null) {
      s.minuteLeft = s.minuteLeft === null ? minuteLeft : Math.min(s.minuteLeft, minuteLeft)
    }
    // Hour and day: the lowest count within one window, as for the minute. With several requests in
    // flight the responses land out of order, and the last one seen may report more left than
    // Apollo has: pacing on it sent requests into an exhausted window (429s). The response of the
    // request that opened a window (usage 1) starts over; older responses no longer count.
    const hourLeft = headerCount(headers, 'x-hourly-requests-left')
    if (headerCount(headers, 'x-hourly-usage') === 1) {
      s.hourStartedAt = receivedAt
      s.hourEpochStart = sentAt
      s.hourLeft = hourLeft
      s.hourSeenAt = receivedAt
    } else if (hourLeft !== null && (s.hourLeft === null || sentAt >= s.hourEpochStart)) {
      s.hourLeft = s.hourLeft === null ? hourLeft : Math.min(s.hourLeft, hourLeft)
      s.hourSeenAt = receivedAt
    }
    const dayLeft = headerCount(headers, 'x-24-hour-requests-left', 'x-daily-requests-left')
    if (headerCount(headers, 'x-24-hour-usage', 'x-daily-usage') === 1) {
      s.dayStartedAt = receivedAt
      s.dayEpochStart = sentAt
      s.dayLeft = dayLeft
      s.daySeenAt = receivedAt
    } else if (dayLeft !== null && (s.dayLeft === null || sentAt >= s.dayEpochStart)) {
      s.dayLeft = s.dayLeft === null ? dayLeft : Math.min(s.dayLeft, dayLeft)
      s.daySeenAt = receivedAt
    }
  }

  async #send(spec: CallSpec, fullPath: string, payload: string | undefined): Promise<RawResponse> {
    await this.#semaphore.acquire()
    try {
      const response = await this.#pool.request({
        path: fullPath,
        method: spec.method,
        headers: {
          'x-api-key': this.#options.apiKey.reveal(),
          accept: 'application/json',
          'cache-control': 'no-cache',
          ...(payload === undefined ? {} : {'content-type': 'application/json'}),
        },
        ...(payload === undefined ? {} : {body: payload}),
        headersTimeout: this.#headersTimeout,
        bodyTimeout: this.#bodyTimeout,
      })
      const text = await response.body.text()
      return {status: response.statusCode, headers: response.headers, text}
    } finally {
      this.#semaphore.release()
    }
  }

  #apolloMessage(raw: RawResponse): {message: string; errorCode: string | null} {
    let message = raw.text
    let errorCode: string | null = null
    try {
      const parsed = JSON.parse(raw.text) as unknown
      if (isRecord(parsed)) {
        const body = parsed as ErrorBodyDto
        const m = typeof body.error === 'string' ? body.error : typeof body.message === 'string' ? body.message : null
        if (m !== null) message = m
        if (typeof body.error_code === 'string') errorCode = body.error_code
      }
    } catch {
      // not JSON: Apollo's 401 is text/plain
    }
    return {message: truncate(this.#options.apiKey.redact(message)), errorCode}
  }

  #httpError(spec: CallSpec, fullPath: string, raw: RawResponse): ApolloApiError {
    const {message, errorCode} = this.#apolloMessage(raw)
    let hint: string | undefined
    if (raw.status === 401) {
      hint =
        'Apollo rejected the API key: check APOLLO_API_KEY (it must be an API key sent as x-api-key, not an OAuth token).'
    } else if (raw.status === 403 && errorCode === 'API_INACCESSIBLE') {
      const scope = /api\/v1\/[a-z0-9_/]+/i.exec(message)?.[0] ?? SCOPES[spec.endpoint]
      hint = `The API key lacks the scope ${scope}: add it to the key's configured scopes in Apollo (Settings → Integrations → API Keys) or use a master key.`
    } else if (raw.status === 403 && /paid plan|paying/i.test(message)) {
      hint = `${spec.endpoint} is only available on Apollo's paid plans; seqsync needs it to read sequence membership.`
    } else if (raw.status === 422) {
      hint = 'Apollo rejected the request as invalid.'
    }
    return new ApolloApiError(
      {method: spec.method, path: fullPath, status: raw.status, apolloMessage: message},
      hint === undefined ? {} : {hint},
    )
  }

  async #call(spec: CallSpec): Promise<unknown> {
    const fullPath = `${this.#basePath}${spec.path}`
    const payload = spec.body === undefined ? undefined : JSON.stringify(spec.body)
    let failures = 0
    let limitedRetries = 0
    for (;;) {
      await this.#pace(spec.endpoint)
      this.#calls[spec.endpoint] = (this.#calls[spec.endpoint] ?? 0) + 1
      this.#emit({type: 'request', endpoint: spec.endpoint, method: spec.method, path: fullPath})
      const sentAt = Date.now()
      let raw: RawResponse
      try {
        raw = await this.#send(spec, fullPath, payload)
      } catch (error) {
        this.#finish(spec.endpoint)
        const why = describeNetworkError(error)
        if (!isRetryableNetworkError(error) || failures >= this.#maxRetries) {
          throw new ApolloApiError({
            method: spec.method,
            path: fullPath,
            status: 0,
            apolloMessage: truncate(this.#options.apiKey.redact(why)),
          })
        }
        failures++
        await this.#backoff(spec.endpoint, failures, why)
        continue
      }
      const receivedAt = Date.now()
      const s = this.#endpointState(spec.endpoint)
      if (raw.status !== 401 && raw.status !== 403) {
        this.#recordQuota(spec.endpoint, raw.headers, sentAt, receivedAt)
        s.probed = true
      }
      this.#finish(spec.endpoint)

      if (raw.status >= 200 && raw.status < 300) {
        let parsed: unknown
        try {
          parsed = JSON.parse(raw.text) as unknown
        } catch {
          parsed = undefined
        }
        // Every Apollo endpoint answers with an object; anything else (null, an array) would be
        // read field by field below and crash with a TypeError.
        if (isRecord(parsed)) return parsed
        throw new ApolloApiError({
          method: spec.method,
          path: fullPath,
          status: raw.status,
          apolloMessage:
            parsed === undefined ? 'the response body is not JSON' : 'the response body is not a JSON object',
        })
      }
      if (raw.status === 429) {
        this.#limited[spec.endpoint] = (this.#limited[spec.endpoint] ?? 0) + 1
        const retryAfterMs = parseRetryAfter(header(raw.headers, 'retry-after'), receivedAt)
        const {message} = this.#apolloMessage(raw)
        const window = classifyRateLimit(message, retryAfterMs)
        if (window !== 'minute') {
          throw new QuotaExhaustedError(spec.endpoint, window, retryAfterMs === null ? null : receivedAt + retryAfterMs)
        }
        if (limitedRetries >= MAX_RATE_LIMIT_RETRIES) throw this.#httpError(spec, fullPath, raw)
        limitedRetries++
        // retry-after is real seconds from the server; only our own estimates use windowScale.
        const delayMs = retryAfterMs ?? this.#minuteMs
        s.minuteLeft = 0
        s.minuteResetAt = Math.max(s.minuteResetAt ?? 0, receivedAt + delayMs)
        s.minuteEpochStart = receivedAt
        this.#emit({
          type: 'retry',
          endpoint: spec.endpoint,
          attempt: limitedRetries,
          delayMs,
          why: `HTTP 429 (minute window)`,
        })
        await sleep(delayMs)
        continue
      }
      if (raw.status >= 500) {
        if (failures >= this.#maxRetries) throw this.#httpError(spec, fullPath, raw)
        failures++
        await this.#backoff(spec.endpoint, failures, `HTTP ${raw.status}`)
        continue
      }
      // Apollo says "this record does not exist" with a 422; its 404 ("The endpoint does not exist")
      // means a wrong path, which must fail rather than read as an absent contact or sequence.
      if (spec.nullWhenNotFound === true && raw.status === 422) {
        const {message} = this.#apolloMessage(raw)
        if (NOT_FOUND.test(message)) return null
      }
      throw this.#httpError(spec, fullPath, raw)
    }
  }

  async #backoff(endpoint: Endpoint, attempt: number, why: string): Promise<void> {
    const ceiling = Math.min(BACKOFF_CAP_MS, this.#backoffMs * 2 ** (attempt - 1))
    const delayMs = Math.floor(this.#random() * ceiling)
    this.#emit({type: 'retry', endpoint, attempt, delayMs, why})
    await sleep(delayMs)
  }
}

const NON_RETRYABLE_CODES = new Set([
  'UND_ERR_INVALID_ARG',
  'UND_ERR_DESTROYED',
  'UND_ERR_CLOSED',
  'UND_ERR_ABORTED',
  'UND_ERR_NOT_SUPPORTED',
])

function isRetryableNetworkError(error: unknown): boolean {
  const code = isRecord(error) && typeof error['code'] === 'string' ? error['code'] : null
  return code === null || !NON_RETRYABLE_CODES.has(code)
}

function describeNetworkError(error: unknown): string {
  if (!(error instanceof Error)) return 'network error'
  const code = (error as {code?: unknown}).code
  return typeof code === 'string' ? `${code}: ${error.message}` : error.message
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

export function createApolloClient(options: ClientOptions): ApolloClient {
  return new HttpApolloClient(options)
}
