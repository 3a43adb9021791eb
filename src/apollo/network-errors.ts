// What a failed request (no HTTP answer) was, in words, and how often it is worth retrying: a
// refused connection or an unknown host does not heal in seconds, so it gets one quick retry; a
// timeout or a dropped connection is retried within the transport's no-progress bound.

import {isRecord} from '../model/guards.js'

/** Retries of a request that could not connect at all (refused, DNS failure, connect timeout). */
export const CONNECT_RETRIES = 1

/** undici codes for requests that must not be sent again (our own misuse, or an abort). */
const NOT_RETRIED: ReadonlySet<string> = new Set([
  'UND_ERR_INVALID_ARG',
  'UND_ERR_DESTROYED',
  'UND_ERR_CLOSED',
  'UND_ERR_ABORTED',
  'UND_ERR_NOT_SUPPORTED',
])

const CANNOT_CONNECT: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'host not found (DNS)',
  EAI_AGAIN: 'DNS lookup failed',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  UND_ERR_CONNECT_TIMEOUT: 'no connection within the connect timeout',
}

const TIMED_OUT: Readonly<Record<string, string>> = {
  UND_ERR_HEADERS_TIMEOUT: 'no answer within the headers timeout',
  UND_ERR_BODY_TIMEOUT: 'the answer stalled past the body timeout',
}

export interface NetworkFailure {
  /** For messages and events, e.g. `connection refused (ECONNREFUSED)`. */
  readonly why: string
  /** The request never reached a server: retried at most CONNECT_RETRIES times. */
  readonly cannotConnect: boolean
  readonly retryable: boolean
}

function codeOf(error: unknown): string | null {
  return isRecord(error) && typeof error['code'] === 'string' ? error['code'] : null
}

/** Reads an error thrown by a request that got no HTTP answer. */
export function classifyNetworkError(error: unknown): NetworkFailure {
  // AbortSignal.timeout: the whole attempt (headers and body) ran past its deadline.
  if (error instanceof Error && error.name === 'TimeoutError') {
    return {why: 'no complete answer within the request timeout', cannotConnect: false, retryable: true}
  }
  const code = codeOf(error)
  const message = error instanceof Error ? error.message : 'network error'
  if (code === null) return {why: message, cannotConnect: false, retryable: true}
  const connect = CANNOT_CONNECT[code]
  if (connect !== undefined) return {why: `${connect} (${code})`, cannotConnect: true, retryable: true}
  const timeout = TIMED_OUT[code]
  if (timeout !== undefined) return {why: `${timeout} (${code})`, cannotConnect: false, retryable: true}
  return {why: `${code}: ${message}`, cannotConnect: false, retryable: !NOT_RETRIED.has(code)}
}

/** What to check when a host gives no answer. */
export function unreachableHint(host: string): string {
  return `Check the host ${host} (set by --api-url or SEQSYNC_API_URL; Apollo's is https://api.apollo.io/api/v1), your network and any proxy in between, and Apollo's status page (status.apollo.io). Re-run when it answers: seqsync converges from where it stopped.`
}
