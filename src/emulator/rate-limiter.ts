// Apollo's rate limits: per endpoint, three FIXED windows (minute, hour, day), each opening on the
// first request made in it (not clock-aligned). A rejected (429) request does not consume quota.

import type {RateLimitConfig} from './types.js'

export type WindowName = 'minute' | 'hour' | 'day'

const WINDOWS: readonly WindowName[] = ['minute', 'hour', 'day']
const BASE_MS: Readonly<Record<WindowName, number>> = {minute: 60_000, hour: 3_600_000, day: 86_400_000}

interface WindowState {
  start: number
  count: number
}

export interface WindowView {
  readonly limit: number | null
  readonly consumed: number
  readonly left: number | null
  readonly resetsInMs: number
}

export type RateDecision =
  | {readonly ok: true; readonly windows: Readonly<Record<WindowName, WindowView>>}
  | {
      readonly ok: false
      readonly window: WindowName
      readonly limit: number
      readonly retryAfterSeconds: number
      readonly windows: Readonly<Record<WindowName, WindowView>>
    }

export class RateLimiter {
  #config: RateLimitConfig | null
  readonly #windows = new Map<string, Record<WindowName, WindowState>>()
  readonly #now: () => number

  constructor(config: RateLimitConfig | null, now: () => number = Date.now) {
    this.#config = config
    this.#now = now
  }

  setConfig(config: RateLimitConfig | null): void {
    this.#config = config
    this.#windows.clear()
  }

  windowMs(window: WindowName): number {
    return BASE_MS[window] * (this.#config?.windowScale ?? 1)
  }

  limitOf(endpoint: string, window: WindowName): number | null {
    const config = this.#config
    if (!config) return null
    const override = config.perEndpoint?.[endpoint]
    if (override && override[window] !== undefined) return override[window] ?? null
    return config[window]
  }

  #state(endpoint: string, now: number): Record<WindowName, WindowState> {
    let s = this.#windows.get(endpoint)
    if (!s) {
      s = {minute: {start: now, count: 0}, hour: {start: now, count: 0}, day: {start: now, count: 0}}
      this.#windows.set(endpoint, s)
    }
    for (const w of WINDOWS) {
      // A window that ended is re-opened by the next request (this one).
      if (s[w].count === 0 || now >= s[w].start + this.windowMs(w)) s[w] = {start: now, count: 0}
    }
    return s
  }

  #views(endpoint: string, s: Record<WindowName, WindowState>, now: number): Record<WindowName, WindowView> {
    const view = (w: WindowName): WindowView => {
      const limit = this.limitOf(endpoint, w)
      return {
        limit,
        consumed: s[w].count,
        left: limit === null ? null : Math.max(0, limit - s[w].count),
        resetsInMs: Math.max(0, s[w].start + this.windowMs(w) - now),
      }
    }
    return {minute: view('minute'), hour: view('hour'), day: view('day')}
  }

  /** Count one request against `endpoint`, or refuse it (without counting). */
  take(endpoint: string): RateDecision {
    const now = this.#now()
    const s = this.#state(endpoint, now)
    // The longest exhausted window is the binding one (an hourly 429 beats a minute one).
    for (const w of ['day', 'hour', 'minute'] as const) {
      const limit = this.limitOf(endpoint, w)
      if (limit !== null && s[w].count >= limit) {
        const retryAfterSeconds = Math.max(1, Math.ceil((s[w].start + this.windowMs(w) - now) / 1000))
        return {ok: false, window: w, limit, retryAfterSeconds, windows: this.#views(endpoint, s, now)}
      }
    }
    for (const w of WINDOWS) s[w].count += 1
    return {ok: true, windows: this.#views(endpoint, s, now)}
  }

  /** Give back one request taken by `take` (a spurious 429 consumes no quota). */
  refund(endpoint: string): Record<WindowName, WindowView> {
    const s = this.#windows.get(endpoint)
    if (s) for (const w of WINDOWS) s[w].count = Math.max(0, s[w].count - 1)
    return this.peek(endpoint)
  }

  /** Current usage without counting anything (usage_stats). */
  peek(endpoint: string): Record<WindowName, WindowView> {
    const now = this.#now()
    const s = this.#windows.get(endpoint)
    if (!s) {
      const empty = {start: now, count: 0}
      return this.#views(endpoint, {minute: empty, hour: empty, day: empty}, now)
    }
    const fresh: Record<WindowName, WindowState> = {...s}
    for (const w of WINDOWS) if (now >= s[w].start + this.windowMs(w)) fresh[w] = {start: now, count: 0}
    return this.#views(endpoint, fresh, now)
  }
}

/** Apollo's response headers for a window view (unlimited window: empty limit, no usage headers). */
export function rateLimitHeaders(windows: Readonly<Record<WindowName, WindowView>>): Record<string, string> {
  const names: Record<WindowName, [string, string, string]> = {
    minute: ['x-rate-limit-minute', 'x-minute-usage', 'x-minute-requests-left'],
    hour: ['x-rate-limit-hourly', 'x-hourly-usage', 'x-hourly-requests-left'],
    day: ['x-rate-limit-24-hour', 'x-24-hour-usage', 'x-24-hour-requests-left'],
  }
  const headers: Record<string, string> = {}
  for (const w of WINDOWS) {
    const v = windows[w]
    const [limitName, usageName, leftName] = names[w]
    if (v.limit === null) {
      headers[limitName] = ''
      continue
    }
    headers[limitName] = String(v.limit)
    headers[usageName] = String(v.consumed)
    headers[leftName] = String(v.left ?? 0)
  }
  return headers
}
