// The Apollo operations seqsync uses, one method each: the request it sends and the parser that
// reads the answer. Pacing, retries, errors and the key live in transport.ts; the parsers in
// parse-responses.ts.

import {ApolloApiError, BugError, IncompleteReadError, QuotaExhaustedError} from '../errors.js'
import type {KeyOwner, LiveContact, LiveSequence} from '../model/state.js'
import {contactEmails, normalizeEmail} from '../model/state.js'
import {BULK_CREATE_LIMIT, DISPLAY_CAP, PAGE_SIZE, pagesToRead} from './limits.js'
import {
  parseAddContactIds,
  parseApiProfile,
  parseBulkCreate,
  parseContactPage,
  parseContactSearch,
  parseContactShow,
  parseMailboxes,
  parseRemoveOrStop,
  parseSequencePage,
  parseSequenceShow,
  parseUsageStats,
} from './parse-responses.js'
import {missingScope} from './endpoints.js'
import {Transport} from './transport.js'
import type {CallSpec} from './transport.js'
import type {
  AddContactsRequest,
  AddContactsResult,
  CreateContactsResult,
  NewContact,
  RemoveContactsRequest,
  RemoveContactsResult,
} from '../model/writes.js'
import type {
  ApolloClient,
  ClientOptions,
  ContactPage,
  ContactQuery,
  Endpoint,
  MailboxAccount,
  Page,
  QuotaStatus,
  QuotaWindowLeft,
  RateWindow,
  ScopeAnswer,
  SortOrder,
  UsageWindows,
} from './types.js'

type UsageStats = Readonly<Partial<Record<Endpoint, UsageWindows>>>

/** An Apollo id that names nothing: a write endpoint given only such ids cannot change anything. */
const NO_SUCH_ID = '000000000000000000000000'

/**
 * The cheapest request per endpoint that cannot change Apollo, for `doctor`'s scope check: Apollo
 * checks the key's scope before the request (403 API_INACCESSIBLE), so a 2xx or a 422 about the ids
 * proves the scope; a 5xx, a 404 or no answer proves nothing (`unknown`). Writes get nothing to write: an empty contact list or ids that
 * name no record.
 */
const HARMLESS_CALLS: Readonly<Record<Endpoint, CallSpec>> = {
  'auth/health': {endpoint: 'auth/health', method: 'GET', path: '/auth/health'},
  'users/api_profile': {endpoint: 'users/api_profile', method: 'GET', path: '/users/api_profile'},
  'usage_stats/api_usage_stats': {
    endpoint: 'usage_stats/api_usage_stats',
    method: 'POST',
    path: '/usage_stats/api_usage_stats',
    body: {},
  },
  'emailer_campaigns/search': {
    endpoint: 'emailer_campaigns/search',
    method: 'POST',
    path: '/emailer_campaigns/search',
    body: {page: 1, per_page: 1},
  },
  'emailer_campaigns/show': {
    endpoint: 'emailer_campaigns/show',
    method: 'GET',
    path: `/emailer_campaigns/${NO_SUCH_ID}`,
  },
  'emailer_campaigns/add_contact_ids': {
    endpoint: 'emailer_campaigns/add_contact_ids',
    method: 'POST',
    path: `/emailer_campaigns/${NO_SUCH_ID}/add_contact_ids`,
    body: {emailer_campaign_id: NO_SUCH_ID, contact_ids: [], send_email_from_email_account_id: NO_SUCH_ID},
  },
  'emailer_campaigns/remove_or_stop_contact_ids': {
    endpoint: 'emailer_campaigns/remove_or_stop_contact_ids',
    method: 'POST',
    path: '/emailer_campaigns/remove_or_stop_contact_ids',
    body: {emailer_campaign_ids: [NO_SUCH_ID], contact_ids: [NO_SUCH_ID], mode: 'mark_as_finished'},
  },
  'contacts/search': {
    endpoint: 'contacts/search',
    method: 'POST',
    path: '/contacts/search',
    body: {page: 1, per_page: 1},
  },
  'contacts/show': {endpoint: 'contacts/show', method: 'GET', path: `/contacts/${NO_SUCH_ID}`},
  'contacts/bulk_create': {
    endpoint: 'contacts/bulk_create',
    method: 'POST',
    path: '/contacts/bulk_create',
    body: {contacts: [], run_dedupe: true},
  },
  email_accounts: {endpoint: 'email_accounts', method: 'GET', path: '/email_accounts'},
}

class HttpApolloClient implements ApolloClient {
  readonly #transport: Transport
  #apiProfile: Promise<KeyOwner> | null = null
  #usageStats: Promise<UsageStats | null> | null = null

  constructor(options: ClientOptions) {
    this.#transport = new Transport(options)
  }

  // --- reads ---------------------------------------------------------------------------------

  async searchSequences(params: {readonly qName?: string; readonly page: number}): Promise<Page<LiveSequence>> {
    const body: Record<string, unknown> = {page: params.page, per_page: PAGE_SIZE}
    if (params.qName !== undefined) body['q_name'] = params.qName
    return this.#transport.call(
      {endpoint: 'emailer_campaigns/search', method: 'POST', path: '/emailer_campaigns/search', body},
      (dto) => parseSequencePage(dto, params.page),
    )
  }

  async getSequence(id: string): Promise<LiveSequence | null> {
    return this.#transport.callOrNull(
      {endpoint: 'emailer_campaigns/show', method: 'GET', path: `/emailer_campaigns/${encodeURIComponent(id)}`},
      (dto) => parseSequenceShow(dto, id),
    )
  }

  async listMailboxes(): Promise<readonly MailboxAccount[]> {
    return this.#transport.call({endpoint: 'email_accounts', method: 'GET', path: '/email_accounts'}, parseMailboxes)
  }

  /** Read once per client (a run): who a key acts as does not change within it. A failed read is not kept. */
  async getApiProfile(): Promise<KeyOwner> {
    this.#apiProfile ??= this.#transport
      .call({endpoint: 'users/api_profile', method: 'GET', path: '/users/api_profile'}, parseApiProfile)
      .catch((error: unknown) => {
        this.#apiProfile = null
        throw error
      })
    return this.#apiProfile
  }

  /**
   * Read once per client (a run). null: unknown. A key without this scope (or a plan without it), or
   * an Apollo that does not answer it (5xx, a body that is not usage stats, no answer, its own quota
   * used up), still works: the rate-limit headers tell the rest and pace. Only a key Apollo does not
   * know (401) stops here, as it would at the next call.
   */
  async getUsageStats(): Promise<UsageStats | null> {
    this.#usageStats ??= this.#transport
      .call(
        {endpoint: 'usage_stats/api_usage_stats', method: 'POST', path: '/usage_stats/api_usage_stats', body: {}},
        parseUsageStats,
      )
      .catch((error: unknown) => {
        if (error instanceof QuotaExhaustedError) return null
        if (error instanceof ApolloApiError && error.status !== 401) return null
        this.#usageStats = null
        throw error
      })
    return this.#usageStats
  }

  async probeScope(endpoint: Endpoint): Promise<ScopeAnswer> {
    let answer: {status: number; message: string; errorCode: string | null}
    try {
      answer = await this.#transport.answer(HARMLESS_CALLS[endpoint])
    } catch (error) {
      // No answer at all (the network, the endpoint's own quota used up): nothing is proven either way.
      if (error instanceof ApolloApiError || error instanceof QuotaExhaustedError) {
        return {kind: 'unknown', reason: error.message}
      }
      throw error
    }
    if (answer.status === 401) return {kind: 'unauthorized'}
    if (answer.status === 403 && answer.errorCode === 'API_INACCESSIBLE') {
      return {kind: 'missing-scope', scope: missingScope(endpoint, answer.message)}
    }
    if (answer.status === 403) return {kind: 'refused', message: answer.message}
    if (answer.status >= 200 && answer.status < 300) return {kind: 'ok'}
    // Apollo checks the scope before the request: its 422 about ids that name nothing is a scope that works.
    if (answer.status === 422) return {kind: 'ok'}
    // A 5xx, a 404 (a path Apollo does not know), a 429 still there after the retries: not a scope answer.
    return {kind: 'unknown', reason: `HTTP ${answer.status}${answer.message === '' ? '' : `: ${answer.message}`}`}
  }

  async searchContacts(query: ContactQuery, page: number, order: SortOrder): Promise<ContactPage> {
    const body: Record<string, unknown> = {
      page,
      per_page: PAGE_SIZE,
      sort_by_field: 'contact_created_at',
      sort_ascending: order === 'asc',
    }
    if (query.sequenceIds !== null) {
      if (query.sequenceIds.length === 0) throw new BugError('searchContacts needs at least one sequence id or null')
      body['emailer_campaign_ids'] = [...new Set(query.sequenceIds)]
    }
    return this.#transport.call({endpoint: 'contacts/search', method: 'POST', path: '/contacts/search', body}, (dto) =>
      parseContactSearch(dto, query, page, order),
    )
  }

  async findContactsByEmail(email: string): Promise<readonly LiveContact[]> {
    const wanted = normalizeEmail(email)
    if (wanted === '') return []
    const matches = new Map<string, LiveContact>()
    let totalPages = 1
    for (let page = 1; page <= totalPages; page++) {
      const result = await this.#searchContacts({q_keywords: wanted, page, per_page: PAGE_SIZE})
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
      totalPages = pagesToRead(result)
      for (const c of result.items) {
        if (contactEmails(c).includes(wanted) && !matches.has(c.id)) matches.set(c.id, c)
      }
    }
    return [...matches.values()]
  }

  async getContact(id: string): Promise<LiveContact | null> {
    return this.#transport.callOrNull(
      {endpoint: 'contacts/show', method: 'GET', path: `/contacts/${encodeURIComponent(id)}`},
      (dto) => parseContactShow(dto, id),
    )
  }

  // --- writes --------------------------------------------------------------------------------

  async bulkCreateContacts(contacts: readonly NewContact[]): Promise<CreateContactsResult> {
    if (contacts.length > BULK_CREATE_LIMIT)
      throw new BugError(
        `bulkCreateContacts got ${contacts.length} contacts; Apollo takes at most ${BULK_CREATE_LIMIT}`,
      )
    if (contacts.length === 0) return {created: [], existing: []}
    const wire = contacts.map((c) => {
      const out: Record<string, string> = {email: c.email}
      if (c.firstName !== undefined) out['first_name'] = c.firstName
      if (c.lastName !== undefined) out['last_name'] = c.lastName
      if (c.organization !== undefined) out['organization_name'] = c.organization
      if (c.title !== undefined) out['title'] = c.title
      return out
    })
    return this.#transport.call(
      {
        endpoint: 'contacts/bulk_create',
        method: 'POST',
        path: '/contacts/bulk_create',
        body: {contacts: wire, run_dedupe: true},
      },
      parseBulkCreate,
    )
  }

  async addContactIds(request: AddContactsRequest): Promise<AddContactsResult> {
    if (request.contactIds.length === 0) return {added: [], skipped: {}}
    const e = request.enroll
    return this.#transport.call(
      {
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
      },
      (dto) => parseAddContactIds(dto, request.contactIds),
    )
  }

  async removeOrStopContactIds(request: RemoveContactsRequest): Promise<RemoveContactsResult> {
    if (request.contactIds.length === 0) return {contacts: []}
    const body: Record<string, unknown> = {
      emailer_campaign_ids: [request.sequenceId],
      contact_ids: [...request.contactIds],
      mode: request.mode,
    }
    if (request.mode === 'stop') body['stop_reason'] = 'Stopped by seqsync (manifest)'
    return this.#transport.call(
      {
        endpoint: 'emailer_campaigns/remove_or_stop_contact_ids',
        method: 'POST',
        path: '/emailer_campaigns/remove_or_stop_contact_ids',
        body,
      },
      (dto) => parseRemoveOrStop(dto, request.contactIds),
    )
  }

  // --- accounting ----------------------------------------------------------------------------

  callCounts(): Readonly<Partial<Record<Endpoint, number>>> {
    return this.#transport.callCounts()
  }

  rateLimitedCounts(): Readonly<Partial<Record<Endpoint, number>>> {
    return this.#transport.rateLimitedCounts()
  }

  quotaLeft(): Readonly<Partial<Record<Endpoint, QuotaWindowLeft>>> {
    return this.#transport.quotaLeft()
  }

  quotaStatus(): Readonly<Partial<Record<Endpoint, QuotaStatus>>> {
    return this.#transport.quotaStatus()
  }

  windowLengthMs(window: RateWindow): number {
    return this.#transport.windowLengthMs(window)
  }

  async close(): Promise<void> {
    await this.#transport.close()
  }

  // --- internals -----------------------------------------------------------------------------

  async #searchContacts(body: Record<string, unknown> & {readonly page: number}): Promise<Page<LiveContact>> {
    return this.#transport.call({endpoint: 'contacts/search', method: 'POST', path: '/contacts/search', body}, (dto) =>
      parseContactPage(dto, body.page),
    )
  }
}

export function createApolloClient(options: ClientOptions): ApolloClient {
  return new HttpApolloClient(options)
}
