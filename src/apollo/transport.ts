// The only code that speaks HTTP to Apollo. undici Pool with keep-alive and explicit timeouts,
// bounded concurrency, pacing through the Pacer (so a normal run gets no 429), retries for 5xx /
// network errors / minute-window 429s, Apollo's errors mapped to ApolloApiError with a hint, and
// every 2xx body handed to the caller's parser as a checked JSON object.
// Time is bounded at three levels: each attempt (connect, headers, body idle, and the whole
// answer), each host that cannot be reached (one quick retry), and the run (no progress for
// `stall` ms stops every call; waiting for a quota window is not counted as no progress).
// The API key goes ONLY into the x-api-key header: never into a URL, a body, an event or an error.

import {Pool} from 'undici'
import {ApolloApiError, DisplayCapError, QuotaExhaustedError, UsageError} from '../errors.js'
import type {SeqsyncError} from '../errors.js'
import {isRecord} from '../model/guards.js'
import {isLoopbackHost, parseBaseUrl} from './base-url.js'
import {readDisplayCap} from './display-cap.js'
import type {Endpoint} from './endpoints.js'
import {missingScope} from './endpoints.js'
import {CONNECT_RETRIES, classifyNetworkError, unreachableHint} from './network-errors.js'
import {Pacer, systemClock} from './pacer.js'
import type {ResponseHeaders} from './pacer.js'
import type {ClientEvent, ClientOptions, ClientTimeouts, QuotaStatus, QuotaWindowLeft, RateWindow} from './types.js'

/** Minute-window 429s retried per request (separate from the 5xx/network budget). */
const MAX_RATE_LIMIT_RETRIES = 20
const BACKOFF_CAP_MS = 30_000
const MESSAGE_LIMIT = 300
/** Apollo's 422 for a record that does not exist (its 404 means a wrong path). */
const NOT_FOUND = /does not exist|not exist|not found|has been deleted|no such/i

/** ClientOptions.backoffMs default: the first retry delay for 5xx and network errors (ms). */
export const DEFAULT_BACKOFF_MS = 500

/** ClientOptions.timeouts defaults (ms), before `timeoutScale`. */
export const DEFAULT_TIMEOUTS: Readonly<Required<ClientTimeouts>> = {
  connect: 10_000,
  headers: 30_000,
  body: 30_000,
  request: 60_000,
  stall: 120_000,
}

export interface CallSpec {
  readonly endpoint: Endpoint
  readonly method: 'GET' | 'POST'
  /** Relative to the base URL, starting with `/`, no query string. */
  readonly path: string
  readonly body?: unknown
}

/** Reads a 2xx body into what the operation returns; throws (IncompleteReadError) on what it cannot trust. */
export type ParseBody<T> = (body: Record<string, unknown>) => T

interface RawResponse {
  readonly status: number
  readonly headers: ResponseHeaders
  readonly text: string
}

/** The final answer to a request: the first that is not retried, or the last when retries ran out. */
interface Exchange {
  readonly spec: CallSpec
  /** The path as sent (base path included), for errors and events. */
  readonly path: string
  readonly raw: RawResponse
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
export function classifyRateLimit(message: string, retryAfterMs: number | null): RateWindow {
  const text = message.toLowerCase()
  if (/per\s+minute|\bminute\b/.test(text)) return 'minute'
  // Before the hour test: "24-hour" contains the word "hour".
  if (/per\s+day|daily|24[\s-]hour|\bday\b/.test(text)) return 'day'
  if (/per\s+hour|hourly|\bhour\b/.test(text)) return 'hour'
  if (retryAfterMs === null || retryAfterMs <= 60_000) return 'minute'
  return retryAfterMs <= 3_600_000 ? 'hour' : 'day'
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

export class Transport {
  readonly #pool: Pool
  readonly #basePath: string
  readonly #options: ClientOptions
  readonly #semaphore: Semaphore
  readonly #pacer: Pacer
  readonly #clock = systemClock
  readonly #maxRetries: number
  readonly #backoffMs: number
  readonly #random: () => number
  readonly #timeouts: Readonly<Required<ClientTimeouts>>
  /** Start of the oldest attempt since the last answer that was progress; null while all goes well. */
  #failingSince: number | null = null
  /** End of the latest quota-window wait the no-progress clock was paused for. */
  #pausedUntil = 0
  /** What the latest failed attempt got, for the no-progress error. */
  #lastFailure = ''
  readonly #calls: Partial<Record<Endpoint, number>> = {}
  readonly #limited: Partial<Record<Endpoint, number>> = {}

  constructor(options: ClientOptions) {
    const url = parseBaseUrl(options.baseUrl)
    const concurrency = options.concurrency ?? 4
    if (!Number.isInteger(concurrency) || concurrency < 1)
      throw new UsageError(`concurrency must be a positive integer, got ${concurrency}`)
    // Shortened windows against real Apollo would forget an exhausted hourly quota within seconds;
    // shortened timeouts would give up on it while it is merely slow.
    const windowScale = checkScale(options.windowScale, 'windowScale', 'SEQSYNC_RATE_WINDOW_SCALE', url)
    const timeoutScale = checkScale(options.timeoutScale, 'timeoutScale', 'SEQSYNC_TIMEOUT_SCALE', url)
    this.#options = options
    this.#basePath = url.pathname.replace(/\/+$/, '')
    this.#semaphore = new Semaphore(concurrency)
    this.#pacer = new Pacer({
      clock: this.#clock,
      windowScale,
      onEvent: (event) => this.#onPacerEvent(event),
      quotaWait: options.quotaWait ?? null,
    })
    this.#maxRetries = options.maxRetries ?? 5
    this.#backoffMs = options.backoffMs ?? DEFAULT_BACKOFF_MS
    this.#random = options.random ?? Math.random
    const given = {...DEFAULT_TIMEOUTS, ...options.timeouts}
    // undici and AbortSignal.timeout take whole milliseconds.
    const scaled = (ms: number): number => Math.max(1, Math.round(ms * timeoutScale))
    this.#timeouts = {
      connect: scaled(given.connect),
      headers: scaled(given.headers),
      body: scaled(given.body),
      request: scaled(given.request),
      stall: scaled(given.stall),
    }
    this.#pool = new Pool(url.origin, {
      connections: concurrency,
      pipelining: 1,
      keepAliveTimeout: 4_000,
      keepAliveMaxTimeout: 60_000,
      connect: {timeout: this.#timeouts.connect},
      headersTimeout: this.#timeouts.headers,
      bodyTimeout: this.#timeouts.body,
    })
  }

  /** Send `spec` (paced, retried) and parse its 2xx body; any other final answer is an ApolloApiError. */
  async call<T>(spec: CallSpec, parse: ParseBody<T>): Promise<T> {
    return parse(this.#body(await this.#exchange(spec)))
  }

  /** As `call`, but null for Apollo's 422 "does not exist" (a show endpoint's absent record). */
  async callOrNull<T>(spec: CallSpec, parse: ParseBody<T>): Promise<T | null> {
    const exchange = await this.#exchange(spec)
    // Apollo says "this record does not exist" with a 422; its 404 ("The endpoint does not exist")
    // means a wrong path, which must fail rather than read as an absent contact or sequence.
    if (exchange.raw.status === 422 && NOT_FOUND.test(this.#apolloMessage(exchange.raw).message)) return null
    return parse(this.#body(exchange))
  }

  /**
   * Send `spec` (paced, retried) and say only how Apollo answered: the status and its error text and
   * code (redacted). For `doctor`'s scope probes, whose answer is the point, not an error.
   */
  async answer(spec: CallSpec): Promise<{status: number; message: string; errorCode: string | null}> {
    const {raw} = await this.#exchange(spec)
    return {status: raw.status, ...this.#apolloMessage(raw)}
  }

  callCounts(): Readonly<Partial<Record<Endpoint, number>>> {
    return {...this.#calls}
  }

  rateLimitedCounts(): Readonly<Partial<Record<Endpoint, number>>> {
    return {...this.#limited}
  }

  quotaLeft(): Readonly<Partial<Record<Endpoint, QuotaWindowLeft>>> {
    return this.#pacer.quotaLeft()
  }

  quotaStatus(): Readonly<Partial<Record<Endpoint, QuotaStatus>>> {
    return this.#pacer.quotaStatus()
  }

  windowLengthMs(window: RateWindow): number {
    return this.#pacer.windowMs(window)
  }

  async close(): Promise<void> {
    await this.#pool.close()
  }

  async #exchange(spec: CallSpec): Promise<Exchange> {
    const path = `${this.#basePath}${spec.path}`
    const payload = spec.body === undefined ? undefined : JSON.stringify(spec.body)
    let failures = 0
    let limitedRetries = 0
    for (;;) {
      try {
        await this.#pacer.acquire(spec.endpoint)
      } catch (error) {
        // A used-up hourly or daily window is a definite answer, not a stall.
        if (error instanceof QuotaExhaustedError) this.#failingSince = null
        throw error
      }
      if (this.#stalled(0)) {
        this.#pacer.land(spec.endpoint, null)
        throw this.#unreachable(spec, path)
      }
      this.#calls[spec.endpoint] = (this.#calls[spec.endpoint] ?? 0) + 1
      this.#emit({type: 'request', endpoint: spec.endpoint, method: spec.method, path})
      const sentAt = this.#clock.now()
      let raw: RawResponse
      try {
        raw = await this.#send(spec.method, path, payload)
      } catch (error) {
        this.#pacer.land(spec.endpoint, null)
        const failure = classifyNetworkError(error)
        this.#noteFailure(sentAt, failure.why)
        const budget = failure.cannotConnect ? Math.min(CONNECT_RETRIES, this.#maxRetries) : this.#maxRetries
        if (!failure.retryable || failures >= budget) throw this.#unreachable(spec, path, failure.why)
        failures++
        if (!(await this.#backoff(spec.endpoint, failures, failure.why))) throw this.#unreachable(spec, path)
        continue
      }
      const receivedAt = this.#clock.now()
      // 401 and 403 carry no rate-limit headers and say nothing about the limits.
      const authorised = raw.status !== 401 && raw.status !== 403
      this.#pacer.land(spec.endpoint, authorised ? {sentAt, receivedAt, headers: raw.headers} : null)

      if (raw.status === 429) {
        this.#limited[spec.endpoint] = (this.#limited[spec.endpoint] ?? 0) + 1
        const retryAfterMs = parseRetryAfter(raw.headers['retry-after'], receivedAt)
        const window = classifyRateLimit(this.#apolloMessage(raw).message, retryAfterMs)
        // retry-after is real seconds from the server; only our own estimates use windowScale.
        const delayMs = retryAfterMs ?? this.#pacer.windowMs('minute')
        if (window === 'minute') this.#noteFailure(sentAt, 'HTTP 429 (minute window)')
        // A used-up hourly or daily window is a definite answer, not a stall.
        else this.#failingSince = null
        if (limitedRetries >= MAX_RATE_LIMIT_RETRIES || (window === 'minute' && this.#stalled(delayMs))) {
          return {spec, path, raw}
        }
        limitedRetries++
        this.#pacer.recordRateLimited(
          spec.endpoint,
          window,
          receivedAt,
          retryAfterMs === null ? null : receivedAt + retryAfterMs,
        )
        // An hour or a day: the pacer stops the run at the next acquire, or waits (--wait-for-quota).
        if (window !== 'minute') continue
        this.#emit({
          type: 'retry',
          endpoint: spec.endpoint,
          attempt: limitedRetries,
          delayMs,
          why: 'HTTP 429 (minute window)',
        })
        await this.#clock.sleep(delayMs)
        continue
      }
      if (raw.status >= 500) {
        this.#noteFailure(sentAt, `HTTP ${raw.status}`)
        if (failures < this.#maxRetries) {
          failures++
          if (await this.#backoff(spec.endpoint, failures, `HTTP ${raw.status}`)) continue
        }
        return {spec, path, raw}
      }
      // Any other answer (2xx, 4xx) is progress: the host is there and answering.
      this.#failingSince = null
      return {spec, path, raw}
    }
  }

  /** The no-progress clock starts at the first failed attempt since the last progress. */
  #noteFailure(sentAt: number, why: string): void {
    this.#failingSince ??= sentAt
    this.#lastFailure = why
  }

  /** Whether waiting `delayMs` more would pass the no-progress bound. */
  #stalled(delayMs: number): boolean {
    return this.#failingSince !== null && this.#clock.now() + delayMs - this.#failingSince > this.#timeouts.stall
  }

  /** Waiting for a used-up quota window is planned, not a stall: the no-progress clock pauses. */
  #onPacerEvent(event: ClientEvent): void {
    const now = this.#clock.now()
    const end = event.type === 'pace' ? now + event.delayMs : event.type === 'quota-wait' ? event.resumeAt : null
    if (end !== null) {
      const paused = end - Math.max(now, this.#pausedUntil)
      if (this.#failingSince !== null && paused > 0) this.#failingSince += paused
      this.#pausedUntil = Math.max(this.#pausedUntil, end)
    }
    this.#emit(event)
  }

  /** A request that got no usable answer (`why`, else the no-progress bound): say what to check. */
  #unreachable(spec: CallSpec, path: string, why?: string): ApolloApiError {
    const stalledFor = Math.round((this.#clock.now() - (this.#failingSince ?? this.#clock.now())) / 1000)
    const what = why ?? `no progress for ${stalledFor} s (last: ${this.#lastFailure})`
    return new ApolloApiError(
      {method: spec.method, path, status: 0, apolloMessage: this.#clean(what)},
      {hint: unreachableHint(new URL(this.#options.baseUrl).host)},
    )
  }

  async #send(method: CallSpec['method'], path: string, payload: string | undefined): Promise<RawResponse> {
    await this.#semaphore.acquire()
    try {
      const response = await this.#pool.request({
        path,
        method,
        headers: {
          'x-api-key': this.#options.apiKey.reveal(),
          accept: 'application/json',
          'cache-control': 'no-cache',
          ...(payload === undefined ? {} : {'content-type': 'application/json'}),
        },
        ...(payload === undefined ? {} : {body: payload}),
        headersTimeout: this.#timeouts.headers,
        bodyTimeout: this.#timeouts.body,
        // The whole answer, body included: a server trickling bytes never trips the idle timeout.
        signal: AbortSignal.timeout(this.#timeouts.request),
      })
      const text = await response.body.text()
      const headers: Record<string, string> = {}
      for (const [name, value] of Object.entries(response.headers)) {
        const first = Array.isArray(value) ? value[0] : value
        if (first !== undefined) headers[name] = first
      }
      return {status: response.statusCode, headers, text}
    } finally {
      this.#semaphore.release()
    }
  }

  /** The JSON object of a 2xx answer; any other answer becomes its ApolloApiError. */
  #body({spec, path, raw}: Exchange): Record<string, unknown> {
    if (raw.status < 200 || raw.status >= 300) throw this.#httpError(spec, path, raw)
    let parsed: unknown
    try {
      parsed = JSON.parse(raw.text) as unknown
    } catch {
      parsed = undefined
    }
    // Every Apollo endpoint answers with an object; anything else (null, an array) is unreadable.
    if (isRecord(parsed)) return parsed
    throw new ApolloApiError({
      method: spec.method,
      path,
      status: raw.status,
      apolloMessage: parsed === undefined ? 'the response body is not JSON' : 'the response body is not a JSON object',
    })
  }

  /** Apollo's error text (`{error, error_code}` or `{message}`, or the plain-text body), redacted and truncated. */
  #apolloMessage(raw: RawResponse): {message: string; errorCode: string | null} {
    let message = raw.text
    let errorCode: string | null = null
    try {
      const body = JSON.parse(raw.text) as unknown
      if (isRecord(body)) {
        if (typeof body['error'] === 'string') message = body['error']
        else if (typeof body['message'] === 'string') message = body['message']
        if (typeof body['error_code'] === 'string') errorCode = body['error_code']
      }
    } catch {
      // not JSON: Apollo's 401 is text/plain
    }
    return {message: this.#clean(message), errorCode}
  }

  #clean(text: string): string {
    const flat = this.#options.apiKey.redact(text).replace(/\s+/g, ' ').trim()
    return flat.length > MESSAGE_LIMIT ? `${flat.slice(0, MESSAGE_LIMIT - 1)}…` : flat
  }

  #httpError(spec: CallSpec, path: string, raw: RawResponse): SeqsyncError {
    const {message, errorCode} = this.#apolloMessage(raw)
    const displayCap = raw.status === 422 ? readDisplayCap(message) : null
    if (displayCap !== null)
      return new DisplayCapError({method: spec.method, path, cap: displayCap.cap, apolloMessage: message})
    let hint: string | undefined
    if (raw.status === 401) {
      hint =
        'Apollo rejected the API key: check APOLLO_API_KEY (it must be an API key sent as x-api-key, not an OAuth token).'
    } else if (raw.status === 403 && errorCode === 'API_INACCESSIBLE') {
      const scope = missingScope(spec.endpoint, message)
      hint = `The API key lacks the scope ${scope}: add it to the key's configured scopes in Apollo (Settings → Integrations → API Keys) or use a master key.`
    } else if (raw.status === 403 && /paid plan|paying/i.test(message)) {
      hint = `${spec.endpoint} is only available on Apollo's paid plans; seqsync needs it to read sequence membership.`
    } else if (raw.status === 422) {
      hint = 'Apollo rejected the request as invalid.'
    }
    return new ApolloApiError(
      {method: spec.method, path, status: raw.status, apolloMessage: message},
      hint === undefined ? {} : {hint},
    )
  }

  /** Sleeps before retry `attempt`; false (no sleep) when the wait would pass the no-progress bound. */
  async #backoff(endpoint: Endpoint, attempt: number, why: string): Promise<boolean> {
    const ceiling = Math.min(BACKOFF_CAP_MS, this.#backoffMs * 2 ** (attempt - 1))
    const delayMs = Math.floor(this.#random() * ceiling)
    if (this.#stalled(delayMs)) return false
    this.#emit({type: 'retry', endpoint, attempt, delayMs, why})
    await this.#clock.sleep(delayMs)
    return true
  }

  #emit(event: ClientEvent): void {
    this.#options.onEvent?.(event)
  }
}

/** A test-only scale (in (0, 1]) of windows or timeouts: refused unless the host is a loopback emulator. */
function checkScale(value: number | undefined, option: string, envName: string, url: URL): number {
  const scale = value ?? 1
  if (!(scale > 0 && scale <= 1))
    throw new UsageError(`${option} (${envName}) must be a number in (0, 1], got ${scale}`)
  if (scale !== 1 && !isLoopbackHost(url.hostname)) {
    throw new UsageError(`${envName} is for the local emulator only, not ${url.hostname}`, {
      hint: `Unset ${envName} when talking to Apollo.`,
    })
  }
  return scale
}
