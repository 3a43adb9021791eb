// The contract between the Apollo client (src/apollo/client.ts) and its users (services, applier port).
// Everything returned here is already mapped to model types; Apollo's JSON is read and checked in
// apollo/parse-responses.ts.

import type {ApiKey} from './api-key.js'
import type {Endpoint} from './endpoints.js'
import type {QuotaWait} from './pacer.js'
import type {KeyOwner, LiveContact, LiveMailbox, LiveSequence} from '../model/state.js'
import type {SequencePort} from '../model/writes.js'

export type {Endpoint}

/** Apollo's three fixed rate-limit windows, each per endpoint. */
export type RateWindow = 'minute' | 'hour' | 'day'

/** Requests left per window; null when not known (or unlimited). */
export type QuotaWindowLeft = Readonly<Record<RateWindow, number | null>>

/** One window of one endpoint as the client knows it: null where not known or unlimited. */
export interface WindowStatus {
  readonly left: number | null
  readonly limit: number | null
  /** When it is expected to reset (epoch ms). */
  readonly resetAt: number | null
}

export type QuotaStatus = Readonly<Record<RateWindow, WindowStatus>>

/** Something the client wants a human to know (the command prints it to stderr with --verbose). */
export type ClientEvent =
  | {readonly type: 'request'; readonly endpoint: Endpoint; readonly method: string; readonly path: string}
  | {
      readonly type: 'retry'
      readonly endpoint: Endpoint
      readonly attempt: number
      readonly delayMs: number
      readonly why: string
    }
  | {
      readonly type: 'pace'
      readonly endpoint: Endpoint
      readonly delayMs: number
      readonly window: RateWindow
    }
  /** Waiting for a used-up hourly or daily window (`--wait-for-quota`) until `resumeAt` (epoch ms). */
  | {
      readonly type: 'quota-wait'
      readonly endpoint: Endpoint
      readonly window: 'hour' | 'day'
      readonly resumeAt: number
    }
  | {readonly type: 'quota-resume'; readonly endpoint: Endpoint; readonly window: 'hour' | 'day'}

/** Time bounds in ms (defaults in transport.ts DEFAULT_TIMEOUTS: 10 s / 30 s / 30 s / 60 s / 120 s). */
export interface ClientTimeouts {
  /** TCP + TLS connection (a refused connection or unknown host fails at once, retried once). */
  readonly connect?: number
  /** From sending a request to its response headers. */
  readonly headers?: number
  /** Longest silence while reading a response body. */
  readonly body?: number
  /** One whole attempt: headers and the complete body. */
  readonly request?: number
  /**
   * No progress: from the first failed attempt (network error, timeout, 5xx, minute-window 429)
   * with no successful answer since, this long and every call stops retrying and fails, and new
   * calls fail at once. Waiting for a used-up quota window does not count.
   */
  readonly stall?: number
}

export interface ClientOptions {
  /** e.g. `https://api.apollo.io/api/v1` or `http://127.0.0.1:4010/api/v1`. Plain http only to loopback. */
  readonly baseUrl: string
  readonly apiKey: ApiKey
  /** Max requests in flight across all endpoints (default 4). */
  readonly concurrency?: number
  readonly timeouts?: ClientTimeouts
  /** Max retries of one request on 5xx / network errors (default 5; minute-window 429s have their own budget). */
  readonly maxRetries?: number
  /** Base backoff in ms for 5xx/network retries (default 500; exponential with full jitter, capped at 30 s). */
  readonly backoffMs?: number
  /**
   * Length scale of Apollo's rate-limit windows (default 1 = 60 s / 1 h / 24 h). Only for the emulator
   * running with shortened windows (`SEQSYNC_RATE_WINDOW_SCALE`).
   */
  readonly windowScale?: number
  /** Scale (0, 1] of every time bound, for tests against the emulator only (`SEQSYNC_TIMEOUT_SCALE`). */
  readonly timeoutScale?: number
  readonly onEvent?: (event: ClientEvent) => void
  /** Wait for a used-up hourly or daily window (at most `maxWaitMs`) instead of stopping; default: stop. */
  readonly quotaWait?: QuotaWait | null
  /** For tests: a seeded random source for jitter. */
  readonly random?: () => number
}

export interface Page<T> {
  readonly items: readonly T[]
  readonly page: number
  readonly totalPages: number
  readonly totalEntries: number
}

/** The order of a contacts/search read: `contact_created_at` ascending (oldest first) or descending. */
export type SortOrder = 'asc' | 'desc'

/** A contacts/search query: the members of these sequences (`emailer_campaign_ids`), or every contact (null). */
export interface ContactQuery {
  readonly sequenceIds: readonly string[] | null
}

/** Where a contact sorts in a read: `contact_created_at` (epoch ms), ties broken by id. */
export interface SortKey {
  readonly createdMs: number
  readonly id: string
}

/** One page of a sorted contacts/search read, already checked to be in the requested order within itself. */
export interface ContactPage extends Page<LiveContact> {
  /** Sort keys of the first and last contact of the page (in page order); null when the page is empty. */
  readonly first: SortKey | null
  readonly last: SortKey | null
}

/** An email account as `GET /email_accounts` describes it (`doctor` also looks at `revoked_at`). */
export interface MailboxAccount extends LiveMailbox {
  /** When Apollo revoked the mailbox's access, or null. */
  readonly revokedAt: string | null
}

/** One endpoint's windows in `usage_stats/api_usage_stats`; null = unlimited or not reported. */
export type UsageWindows = Readonly<
  Record<RateWindow, {readonly limit: number | null; readonly consumed: number | null; readonly left: number | null}>
>

export type {AddContactsResult, NewContact, RemoveContactsResult, RemoveMode} from '../model/writes.js'

/** How an endpoint answered a request that cannot change anything (`doctor`'s scope check). */
export type ScopeAnswer =
  | {readonly kind: 'ok'}
  | {readonly kind: 'unauthorized'}
  /** 403 API_INACCESSIBLE: the key lacks `scope`. */
  | {readonly kind: 'missing-scope'; readonly scope: string}
  /** Another 403 (e.g. an endpoint of paid plans only), with Apollo's words. */
  | {readonly kind: 'refused'; readonly message: string}
  /** No answer about the scope (5xx, 404, no answer at all): it could not be checked. */
  | {readonly kind: 'unknown'; readonly reason: string}

/** The reads seqsync makes, the write port of model/writes.ts, and the client's accounting. */
export interface ApolloClient extends SequencePort {
  // --- reads -----------------------------------------------------------------------------------
  /** One page of `POST /emailer_campaigns/search` (100 per page). `qName` omitted = all sequences. */
  searchSequences(params: {readonly qName?: string; readonly page: number}): Promise<Page<LiveSequence>>
  /** `GET /emailer_campaigns/{id}`; null when Apollo says it does not exist. */
  getSequence(id: string): Promise<LiveSequence | null>
  /** `GET /email_accounts` (no pagination). */
  listMailboxes(): Promise<readonly MailboxAccount[]>
  /** `GET /users/api_profile`: the key's owner (user id, team, email, name). */
  getApiProfile(): Promise<KeyOwner>
  /**
   * `POST /usage_stats/api_usage_stats`: Apollo's windows per endpoint, read once a run; null when
   * unknown: the key may not read it (403: not every key has that scope) or Apollo did not give it
   * (5xx, a bad body, no answer). seqsync then relies on the rate-limit headers; only a 401 throws.
   */
  getUsageStats(): Promise<Readonly<Partial<Record<Endpoint, UsageWindows>>> | null>
  /**
   * One page (100) of `POST /contacts/search` for `query`, sorted by `contact_created_at` in `order`.
   * Fails closed (IncompleteReadError) when the page is not in that order (Apollo ignored a sort
   * parameter), or, with sequence ids, when the breadcrumbs do not echo every id or a contact is in
   * none of the requested sequences (Apollo ignored the filter). A page past Apollo's display cap is
   * a DisplayCapError.
   */
  searchContacts(query: ContactQuery, page: number, order: SortOrder): Promise<ContactPage>
  /** `q_keywords` search, every page, filtered client-side to exact case-insensitive primary/additional email. */
  findContactsByEmail(email: string): Promise<readonly LiveContact[]>
  /** `GET /contacts/{id}`; null on Apollo's 422 "does not exist". */
  getContact(id: string): Promise<LiveContact | null>
  /** Whether the key may call `endpoint`, by the cheapest request to it that cannot change Apollo. */
  probeScope(endpoint: Endpoint): Promise<ScopeAnswer>

  // --- accounting ------------------------------------------------------------------------------
  /** Requests sent per endpoint (every attempt counts, retries included). */
  callCounts(): Readonly<Partial<Record<Endpoint, number>>>
  /** 429 responses received per endpoint. */
  rateLimitedCounts(): Readonly<Partial<Record<Endpoint, number>>>
  /** Requests left per endpoint as last reported by Apollo's headers. */
  quotaLeft(): Readonly<Partial<Record<Endpoint, QuotaWindowLeft>>>
  /** Every window of every endpoint called so far (left, limit, expected reset), from Apollo's headers. */
  quotaStatus(): Readonly<Partial<Record<Endpoint, QuotaStatus>>>
  /** The length of a rate-limit window as this client counts it (shortened only against the emulator). */
  windowLengthMs(window: RateWindow): number
  /** Releases sockets. */
  close(): Promise<void>
}
