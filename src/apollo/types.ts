// The contract between the Apollo client (src/apollo/client.ts) and its users (services, applier port).
// Everything returned here is already mapped to model types; Apollo's JSON is read and checked in
// apollo/parse-responses.ts.

import type {ApiKey} from './api-key.js'
import type {Endpoint} from './endpoints.js'
import type {KeyOwner, LiveContact, LiveMailbox, LiveSequence} from '../model/state.js'
import type {SequencePort} from '../model/writes.js'

export type {Endpoint}

/** Apollo's three fixed rate-limit windows, each per endpoint. */
export type RateWindow = 'minute' | 'hour' | 'day'

/** Requests left per window; null when not known (or unlimited). */
export type QuotaWindowLeft = Readonly<Record<RateWindow, number | null>>

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
  /** For tests: a seeded random source for jitter. */
  readonly random?: () => number
}

export interface Page<T> {
  readonly items: readonly T[]
  readonly page: number
  readonly totalPages: number
  readonly totalEntries: number
}

export type {AddContactsResult, NewContact, RemoveContactsResult, RemoveMode} from '../model/writes.js'

/** The reads seqsync makes, the write port of model/writes.ts, and the client's accounting. */
export interface ApolloClient extends SequencePort {
  // --- reads -----------------------------------------------------------------------------------
  /** One page of `POST /emailer_campaigns/search` (100 per page). `qName` omitted = all sequences. */
  searchSequences(params: {readonly qName?: string; readonly page: number}): Promise<Page<LiveSequence>>
  /** `GET /emailer_campaigns/{id}`; null when Apollo says it does not exist. */
  getSequence(id: string): Promise<LiveSequence | null>
  /** `GET /email_accounts` (no pagination). */
  listMailboxes(): Promise<readonly LiveMailbox[]>
  /** `GET /users/api_profile`: the key's owner (user id, team, email, name). */
  getApiProfile(): Promise<KeyOwner>
  /**
   * One page (100) of `POST /contacts/search` filtered by `emailer_campaign_ids` (several ids at once).
   * Fails closed (IncompleteReadError) when the breadcrumbs do not echo every id or a returned contact
   * is not in any of the requested sequences (Apollo ignored the filter).
   */
  searchContactsInSequences(sequenceIds: readonly string[], page: number): Promise<Page<LiveContact>>
  /** One page (100) of an unfiltered `POST /contacts/search` (the full scan), sorted by creation ascending. */
  scanContacts(page: number): Promise<Page<LiveContact>>
  /** `q_keywords` search, every page, filtered client-side to exact case-insensitive primary/additional email. */
  findContactsByEmail(email: string): Promise<readonly LiveContact[]>
  /** `GET /contacts/{id}`; null on Apollo's 422 "does not exist". */
  getContact(id: string): Promise<LiveContact | null>

  // --- accounting ------------------------------------------------------------------------------
  /** Requests sent per endpoint (every attempt counts, retries included). */
  callCounts(): Readonly<Partial<Record<Endpoint, number>>>
  /** 429 responses received per endpoint. */
  rateLimitedCounts(): Readonly<Partial<Record<Endpoint, number>>>
  /** Requests left per endpoint as last reported by Apollo's headers. */
  quotaLeft(): Readonly<Partial<Record<Endpoint, QuotaWindowLeft>>>
  /** Releases sockets. */
  close(): Promise<void>
}
