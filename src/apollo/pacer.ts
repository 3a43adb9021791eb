// The rate pacer: per endpoint, Apollo's three fixed windows (minute, hour, day) as its response
// headers describe them, so that a normal run sends nothing into a used-up window and gets no 429.
// One window record and one set of rules for all three; what differs is what happens when a
// window is used up: the minute is waited out, an hour or a day stops the run unless it may wait
// (`quotaWait`, `--wait-for-quota`) and the window resets within what is left of its `maxWaitMs`,
// a budget for all the run's waits together. Requests already
// answered stay answered: a caller waiting here resumes where it was. Time comes from an injected
// clock (tests use a fake one).

import {QuotaExhaustedError} from '../errors.js'
import type {Endpoint} from './endpoints.js'
import type {ClientEvent, QuotaStatus, QuotaWindowLeft, RateWindow, WindowStatus} from './types.js'

/** Slack added to estimated window resets (timer granularity, clock skew between sockets). */
export const PACE_MARGIN_MS = 25

export interface Clock {
  now(): number
  sleep(ms: number): Promise<void>
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
}

/**
 * Waiting for a used-up hourly or daily window instead of stopping, for at most `maxWaitMs` in all:
 * the waits of one run (one pacer) add up, and a wait that would pass that total stops the run.
 */
export interface QuotaWait {
  readonly maxWaitMs: number
}

export interface PacerOptions {
  readonly clock: Clock
  /** Length scale of the windows (1 = 60 s / 1 h / 24 h); only the emulator shortens them. */
  readonly windowScale: number
  readonly onEvent: (event: ClientEvent) => void
  /** null/absent: a used-up hourly or daily window stops the run (QuotaExhaustedError). */
  readonly quotaWait?: QuotaWait | null
}

/** Response headers, one value per (lower-case) name. */
export type ResponseHeaders = Readonly<Record<string, string | undefined>>

/** A response that carried rate-limit headers (any authorised answer, 429 and 5xx included). */
export interface LandedResponse {
  readonly sentAt: number
  readonly receivedAt: number
  readonly headers: ResponseHeaders
}

const WINDOWS: readonly RateWindow[] = ['minute', 'hour', 'day']
/** The longest used-up window binds: a day beats an hour beats a minute. */
const BINDING_ORDER: readonly RateWindow[] = ['day', 'hour', 'minute']
const BASE_MS: Readonly<Record<RateWindow, number>> = {minute: 60_000, hour: 3_600_000, day: 86_400_000}

/** Apollo's header names per window: today's names, then the older `daily` spelling. */
const HEADERS: Readonly<Record<RateWindow, Readonly<Record<keyof WindowReport, readonly string[]>>>> = {
  minute: {limit: ['x-rate-limit-minute'], usage: ['x-minute-usage'], left: ['x-minute-requests-left']},
  hour: {limit: ['x-rate-limit-hourly'], usage: ['x-hourly-usage'], left: ['x-hourly-requests-left']},
  day: {
    limit: ['x-rate-limit-24-hour', 'x-rate-limit-daily'],
    usage: ['x-24-hour-usage', 'x-daily-usage'],
    left: ['x-24-hour-requests-left', 'x-daily-requests-left'],
  },
}

interface WindowReport {
  readonly limit: number | null
  /** Requests counted in the window so far, this one included: 1 means this request opened it. */
  readonly usage: number | null
  readonly left: number | null
}

interface QuotaWindow {
  /** The lowest count of requests left reported for the current window; null when not known. */
  left: number | null
  /** The window's size: what `left` becomes when the window resets. */
  limit: number | null
  /** When the current window is expected to reset (epoch ms, margin included); null when not known. */
  resetAt: number | null
  /** Responses to requests sent before this instant describe an older window; null until a window edge is seen. */
  epochStart: number | null
  /** When `left` was last reported: a window is surely over one window length later. */
  seenAt: number
  /** The reset a wait was last announced for (one event per wait, not one per waiting request). */
  announcedFor: number | null
  /** The reset whose end of wait was last announced ('quota-resume'). */
  resumedFor: number | null
}

interface EndpointState {
  /** Requests reserved for or in flight to this endpoint. */
  inFlight: number
  /** At least one authorised response seen (before that, one probe at a time). */
  probed: boolean
  readonly windows: Readonly<Record<RateWindow, QuotaWindow>>
  /** Woken whenever a request to this endpoint lands. */
  readonly waiters: (() => void)[]
}

export class Pacer {
  readonly #clock: Clock
  readonly #windowMs: Readonly<Record<RateWindow, number>>
  readonly #onEvent: (event: ClientEvent) => void
  readonly #quotaWait: QuotaWait | null
  readonly #endpoints = new Map<Endpoint, EndpointState>()
  /** Time this run has spent (or is committed to spend) waiting for hourly/daily windows, overlaps counted once. */
  #quotaWaitedMs = 0
  /** When the latest of those waits ends. */
  #quotaWaitUntil = Number.NEGATIVE_INFINITY

  constructor(options: PacerOptions) {
    this.#clock = options.clock
    const scale = options.windowScale
    this.#windowMs = {minute: BASE_MS.minute * scale, hour: BASE_MS.hour * scale, day: BASE_MS.day * scale}
    this.#onEvent = options.onEvent
    this.#quotaWait = options.quotaWait ?? null
  }

  /** A window's length in ms (scaled). */
  windowMs(window: RateWindow): number {
    return this.#windowMs[window]
  }

  /** Wait until a request to `endpoint` may be sent, then reserve a slot for it (see `land`). */
  async acquire(endpoint: Endpoint): Promise<void> {
    const s = this.#state(endpoint)
    for (;;) {
      const now = this.#clock.now()
      for (const name of WINDOWS) this.#expire(s.windows[name], name, now)
      const used = BINDING_ORDER.find((name) => isUsedUp(s.windows[name], s.inFlight))
      if (used !== undefined) {
        const w = s.windows[used]
        // Unknown reset: the window is surely over one window length after its count was seen. The
        // estimate is not recorded: `resetAt` holds only what Apollo's answers showed (an opener, a
        // 429), and #record reads a null one as "no opener since our count restarted".
        const resetAt = w.resetAt ?? (w.seenAt === 0 ? now : w.seenAt) + this.#windowMs[used] + PACE_MARGIN_MS
        if (used !== 'minute') {
          if (s.inFlight > 0) {
            // Requests in flight will report fresher numbers; decide after one of them lands.
            await landing(s)
            continue
          }
          const wait = this.#quotaWait
          // `maxWaitMs` bounds the run's waits together: only time not already being waited counts.
          const extraMs = Math.max(0, resetAt - Math.max(now, this.#quotaWaitUntil))
          if (wait === null || this.#quotaWaitedMs + extraMs > wait.maxWaitMs) {
            throw new QuotaExhaustedError(endpoint, used, resetAt, {
              maxWaitMs: wait?.maxWaitMs ?? null,
              waitedMs: this.#quotaWaitedMs,
              now,
            })
          }
          this.#quotaWaitedMs += extraMs
          this.#quotaWaitUntil = Math.max(this.#quotaWaitUntil, resetAt)
        }
        await this.#waitForWindow(endpoint, used, resetAt)
        continue
      }
      if (!s.probed && s.inFlight > 0) {
        // Learn the limits from one response before fanning out.
        await landing(s)
        continue
      }
      s.inFlight++
      return
    }
  }

  /**
   * A reserved request ended: free its slot and learn from its headers. `response` is null when
   * there is nothing to learn (a network error, a 401/403, which carry no rate-limit headers).
   */
  land(endpoint: Endpoint, response: LandedResponse | null): void {
    const s = this.#state(endpoint)
    if (response !== null) {
      for (const name of WINDOWS) this.#record(s.windows[name], name, readReport(response.headers, name), response)
      s.probed = true
    }
    s.inFlight--
    for (const wake of s.waiters.splice(0)) wake()
  }

  /**
   * A 429 for `window` received at `receivedAt`: nothing more goes out to the endpoint before
   * `resetAt` (its retry-after; null = unknown, one window length).
   */
  recordRateLimited(endpoint: Endpoint, window: RateWindow, receivedAt: number, resetAt: number | null): void {
    const w = this.#state(endpoint).windows[window]
    w.left = 0
    w.resetAt = Math.max(w.resetAt ?? 0, resetAt ?? receivedAt + this.#windowMs[window] + PACE_MARGIN_MS)
    w.epochStart = receivedAt
    w.seenAt = receivedAt
  }

  /** Requests left per endpoint as last reported (endpoints with nothing known are left out). */
  quotaLeft(): Partial<Record<Endpoint, QuotaWindowLeft>> {
    const out: Partial<Record<Endpoint, QuotaWindowLeft>> = {}
    for (const [endpoint, status] of Object.entries(this.quotaStatus()) as [Endpoint, QuotaStatus][]) {
      const {minute, hour, day} = status
      if (minute.left === null && hour.left === null && day.left === null) continue
      out[endpoint] = {minute: minute.left, hour: hour.left, day: day.left}
    }
    return out
  }

  /**
   * Every window of every endpoint an authorised response has described (a window with nothing
   * known, or unlimited, is all null); endpoints not called yet are left out.
   */
  quotaStatus(): Partial<Record<Endpoint, QuotaStatus>> {
    const out: Partial<Record<Endpoint, QuotaStatus>> = {}
    for (const [endpoint, s] of this.#endpoints) {
      if (!s.probed) continue
      const view = (w: QuotaWindow): WindowStatus => ({left: w.left, limit: w.limit, resetAt: w.resetAt})
      out[endpoint] = {minute: view(s.windows.minute), hour: view(s.windows.hour), day: view(s.windows.day)}
    }
    return out
  }

  /**
   * The one way the pacer waits for a window: until `untilMs`, announced once per reset (a 'pace'
   * event for the minute; 'quota-wait' then 'quota-resume' for an hour or a day, the countdown).
   */
  async #waitForWindow(endpoint: Endpoint, window: RateWindow, untilMs: number): Promise<void> {
    const w = this.#state(endpoint).windows[window]
    const delayMs = Math.max(0, untilMs - this.#clock.now())
    if (w.announcedFor !== untilMs) {
      w.announcedFor = untilMs
      if (window === 'minute') this.#onEvent({type: 'pace', endpoint, delayMs, window})
      else this.#onEvent({type: 'quota-wait', endpoint, window, resumeAt: untilMs})
    }
    await this.#clock.sleep(delayMs)
    if (window !== 'minute' && w.resumedFor !== untilMs) {
      w.resumedFor = untilMs
      this.#onEvent({type: 'quota-resume', endpoint, window})
    }
  }

  /** Once a window is surely over, its count starts again from the limit. */
  #expire(w: QuotaWindow, window: RateWindow, now: number): void {
    const endsAt = w.resetAt ?? (w.left === null ? null : w.seenAt + this.#windowMs[window])
    if (endsAt === null || now < endsAt) return
    w.left = w.limit
    w.resetAt = null
    w.epochStart = now
    w.seenAt = now
  }

  #record(w: QuotaWindow, window: RateWindow, report: WindowReport, response: LandedResponse): void {
    if (report.limit !== null) w.limit = report.limit
    if (report.usage === 1) {
      // This request opened a window. If our count restarted at a reset we passed and no opener has
      // landed since, this is that same window: keep the lowest count (responses land out of order).
      // Otherwise our count describes an older window: start over from this response.
      if (w.epochStart !== null && w.resetAt === null) {
        w.left = lowest(w.left, report.left)
      } else {
        w.left = report.left
        w.epochStart = response.sentAt
      }
      w.resetAt = response.receivedAt + this.#windowMs[window] + PACE_MARGIN_MS
      w.seenAt = response.receivedAt
    } else if (report.left !== null && (w.epochStart === null || response.sentAt >= w.epochStart)) {
      // Within a window the lowest count is the true one: responses land in another order than
      // Apollo counted them, and pacing on a higher count sends requests into a used-up window.
      w.left = lowest(w.left, report.left)
      w.seenAt = response.receivedAt
    }
  }

  #state(endpoint: Endpoint): EndpointState {
    let s = this.#endpoints.get(endpoint)
    if (!s) {
      s = {inFlight: 0, probed: false, windows: {minute: unknown(), hour: unknown(), day: unknown()}, waiters: []}
      this.#endpoints.set(endpoint, s)
    }
    return s
  }
}

function unknown(): QuotaWindow {
  return {left: null, limit: null, resetAt: null, epochStart: null, seenAt: 0, announcedFor: null, resumedFor: null}
}

function isUsedUp(w: QuotaWindow, inFlight: number): boolean {
  return w.left !== null && w.left - inFlight <= 0
}

function landing(s: EndpointState): Promise<void> {
  return new Promise((resolve) => s.waiters.push(resolve))
}

function lowest(a: number | null, b: number | null): number | null {
  if (a === null) return b
  return b === null ? a : Math.min(a, b)
}

function readReport(headers: ResponseHeaders, window: RateWindow): WindowReport {
  const names = HEADERS[window]
  return {
    limit: headerCount(headers, names.limit),
    usage: headerCount(headers, names.usage),
    left: headerCount(headers, names.left),
  }
}

/** A header count; null when absent, empty (unlimited) or not a number. */
function headerCount(headers: ResponseHeaders, names: readonly string[]): number | null {
  for (const name of names) {
    const raw = headers[name]
    if (raw === undefined) continue
    const trimmed = raw.trim()
    if (trimmed === '') return null
    const n = Number(trimmed)
    if (Number.isFinite(n)) return n
  }
  return null
}
