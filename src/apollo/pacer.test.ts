// The pacer on a fake clock: time moves only when a test advances it, so every wait is exact.

import {describe, expect, it} from 'vitest'
import {QuotaExhaustedError} from '../errors.js'
import type {Endpoint} from './endpoints.js'
import {PACE_MARGIN_MS, Pacer} from './pacer.js'
import type {Clock, QuotaWait, ResponseHeaders} from './pacer.js'
import type {ClientEvent} from './types.js'

const E: Endpoint = 'contacts/search'
const MINUTE = 60_000
const HOUR = 3_600_000

/** Let every promise continuation that can run, run. */
const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

function fakeClock(start = 1_000_000): Clock & {advance(ms: number): Promise<void>} {
  let now = start
  const timers: {at: number; fire: () => void}[] = []
  return {
    now: () => now,
    sleep: (ms) => new Promise<void>((resolve) => timers.push({at: now + ms, fire: resolve})),
    async advance(ms) {
      const end = now + ms
      for (;;) {
        await flush()
        timers.sort((a, b) => a.at - b.at)
        const next = timers[0]
        if (next === undefined || next.at > end) break
        timers.shift()
        now = next.at
        next.fire()
      }
      now = end
      await flush()
    },
  }
}

function setup(options: {windowScale?: number; quotaWait?: QuotaWait} = {}) {
  const clock = fakeClock()
  const events: ClientEvent[] = []
  const pacer = new Pacer({
    clock,
    windowScale: options.windowScale ?? 1,
    onEvent: (e) => events.push(e),
    ...(options.quotaWait === undefined ? {} : {quotaWait: options.quotaWait}),
  })
  /** Reserve a request; `sentAt` is when it went out. */
  const send = async (): Promise<number> => {
    await pacer.acquire(E)
    return clock.now()
  }
  /** The request sent at `sentAt` lands now with these headers. */
  const land = (sentAt: number, headers: ResponseHeaders): void =>
    pacer.land(E, {sentAt, receivedAt: clock.now(), headers})
  const paces = () => events.filter((e) => e.type === 'pace')
  return {clock, pacer, send, land, paces, events}
}

/** Whether a promise has settled yet, without awaiting it. */
function track(p: Promise<unknown>): {done: boolean; error: unknown} {
  const state: {done: boolean; error: unknown} = {done: false, error: undefined}
  p.then(
    () => (state.done = true),
    (error: unknown) => (state.error = error),
  )
  return state
}

const minute = (usage: number, left: number, limit = usage + left) => ({
  'x-rate-limit-minute': String(limit),
  'x-minute-usage': String(usage),
  'x-minute-requests-left': String(left),
})
const hour = (usage: number, left: number) => ({
  'x-hourly-usage': String(usage),
  'x-hourly-requests-left': String(left),
})
const day = (usage: number, left: number) => ({
  'x-24-hour-usage': String(usage),
  'x-24-hour-requests-left': String(left),
})

describe('Pacer', () => {
  it('sends one probe per endpoint until an authorised response shows the limits', async () => {
    const {pacer, send, land} = setup()
    const probe = await send()
    const second = track(send())
    const otherEndpoint = track(pacer.acquire('email_accounts'))
    await flush()
    expect(second.done).toBe(false)
    expect(otherEndpoint.done).toBe(true)

    // A 401/403 or a network error teaches nothing: the next request is again a lone probe.
    pacer.land(E, null)
    await flush()
    expect(second.done).toBe(true)
    const third = track(send())
    const fourth = track(send())
    await flush()
    expect([third.done, fourth.done]).toEqual([false, false])

    land(probe, {})
    await flush()
    expect([third.done, fourth.done]).toEqual([true, true])
  })

  it('opens a window on the request with usage 1 and keeps the lowest count within it, in every window', async () => {
    const {pacer, send, land} = setup()
    land(await send(), {...minute(1, 9), ...hour(1, 99), ...day(1, 999)})
    const [a, b, c] = [await send(), await send(), await send()]
    // Apollo counted a, b, c in that order; the responses land as c, a, b.
    land(c, {...minute(4, 6), ...hour(4, 96), ...day(4, 996)})
    land(a, {...minute(2, 8), ...hour(2, 98), ...day(2, 998)})
    land(b, {...minute(3, 7), ...hour(3, 97), ...day(3, 997)})
    expect(pacer.quotaLeft()).toEqual({[E]: {minute: 6, hour: 96, day: 996}})
  })

  it('a used-up minute window is waited out until its reset plus the margin, with one pace event', async () => {
    const {clock, pacer, send, land, paces} = setup()
    const opener = await send()
    await clock.advance(100)
    land(opener, minute(1, 1))
    const resetAt = clock.now() + MINUTE + PACE_MARGIN_MS
    const last = await send()
    const queued = [track(send()), track(send())]
    await clock.advance(10)
    land(last, minute(2, 0))
    expect(paces()).toEqual([{type: 'pace', endpoint: E, delayMs: MINUTE + PACE_MARGIN_MS, window: 'minute'}])

    await clock.advance(resetAt - clock.now() - 1)
    expect(queued.map((q) => q.done)).toEqual([false, false])
    await clock.advance(1)
    // The window starts again from its limit (2): both go.
    expect(queued.map((q) => q.done)).toEqual([true, true])
    expect(pacer.quotaLeft()).toEqual({[E]: {minute: 2, hour: null, day: null}})
    expect(paces()).toHaveLength(1)
  })

  it('a used-up hourly or daily window stops the next request with QuotaExhaustedError and its resumeAt', async () => {
    for (const [window, headers] of [
      ['hour', hour],
      [
        'day',
        (usage: number, left: number) => ({'x-daily-usage': String(usage), 'x-daily-requests-left': String(left)}),
      ],
    ] as const) {
      const {clock, send, land, paces} = setup()
      const opener = await send()
      await clock.advance(50)
      land(opener, headers(1, 1))
      const openedAt = clock.now()
      land(await send(), headers(2, 0))
      await clock.advance(1_000)
      const error = await send().catch((e: unknown) => e)
      expect(error).toBeInstanceOf(QuotaExhaustedError)
      expect(error).toMatchObject({
        endpoint: E,
        window,
        resumeAt: openedAt + (window === 'hour' ? HOUR : 24 * HOUR) + PACE_MARGIN_MS,
      })
      expect(paces()).toEqual([])
    }
  })

  it('with requests in flight, waits for them to land before deciding a window is used up', async () => {
    const {pacer, send, land} = setup()
    land(await send(), hour(1, 2))
    const [a, b] = [await send(), await send()]
    const next = track(send())
    await flush()
    expect(next).toEqual({done: false, error: undefined})
    land(a, hour(2, 1))
    await flush()
    expect(next).toEqual({done: false, error: undefined})
    land(b, hour(3, 0))
    await flush()
    expect(next.error).toBeInstanceOf(QuotaExhaustedError)
    expect(pacer.quotaLeft()).toEqual({[E]: {minute: null, hour: 0, day: null}})
  })

  it('forgets a window once it is surely over: the count restarts from the limit, older responses no longer count', async () => {
    const {clock, pacer, send, land} = setup()
    land(await send(), minute(1, 2))
    const beforeReset = await send()
    await clock.advance(MINUTE + PACE_MARGIN_MS)
    await send()
    expect(pacer.quotaLeft()).toEqual({[E]: {minute: 3, hour: null, day: null}})
    // Counted in the old window, it lands in the new one: it says nothing about the new window.
    land(beforeReset, minute(3, 0))
    expect(pacer.quotaLeft()).toEqual({[E]: {minute: 3, hour: null, day: null}})

    // A count whose window start was never seen is over one window length after it was last reported.
    land(await send(), {'x-rate-limit-hourly': '20', ...hour(5, 15)})
    await clock.advance(HOUR - 1)
    await send()
    expect(pacer.quotaLeft()[E]?.hour).toBe(15)
    await clock.advance(1)
    await send()
    expect(pacer.quotaLeft()[E]?.hour).toBe(20)
  })

  it("after a reset, the new window's opener may land after the others: the lowest count stays", async () => {
    const {clock, pacer, send, land} = setup()
    land(await send(), minute(1, 9))
    await clock.advance(MINUTE + PACE_MARGIN_MS)
    const [a, b] = [await send(), await send()]
    land(b, minute(2, 8))
    land(a, minute(1, 9))
    expect(pacer.quotaLeft()).toEqual({[E]: {minute: 8, hour: null, day: null}})
  })

  it("a wait estimated while requests are in flight does not stand in for Apollo's reset: a late opener keeps the low count", async () => {
    const {clock, pacer, send, land} = setup()
    land(await send(), minute(1, 2))
    await clock.advance(MINUTE + PACE_MARGIN_MS)
    // The old window is over: the count restarts from the limit (3) and three requests go out.
    const [a, b, c] = [await send(), await send(), await send()]
    // A fourth finds the window used up by those in flight and waits for an estimated reset.
    const d = track(send())
    await clock.advance(1_000)
    // Apollo counted a, b, c in that order (a opened the new window); they land as b, c, a.
    land(b, minute(2, 1))
    land(c, minute(3, 0))
    land(a, minute(1, 2))
    const resetAt = clock.now() + MINUTE + PACE_MARGIN_MS
    expect(pacer.quotaLeft()).toEqual({[E]: {minute: 0, hour: null, day: null}})
    const e = track(send())
    // Nothing goes out before the reset of the window a opened: that would be a 429.
    await clock.advance(resetAt - clock.now() - 1)
    expect([d.done, e.done]).toEqual([false, false])
    await clock.advance(1)
    expect([d.done, e.done]).toEqual([true, true])
  })

  it('a window that opens again (usage 1) while the old count is still held starts the count over', async () => {
    const {pacer, send, land} = setup()
    // The run started mid-window: the hour count is low, and when its window really began is unknown.
    land(await send(), hour(590, 10))
    land(await send(), hour(1, 599))
    expect(pacer.quotaLeft()).toEqual({[E]: {minute: null, hour: 599, day: null}})
  })

  it('a minute-window 429 holds the endpoint until its retry-after', async () => {
    const {clock, pacer, send, land, paces} = setup()
    land(await send(), {})
    pacer.recordRateLimited(E, 'minute', clock.now(), clock.now() + 5_000)
    expect(pacer.quotaLeft()).toEqual({[E]: {minute: 0, hour: null, day: null}})
    const next = track(send())
    await clock.advance(4_999)
    expect(next.done).toBe(false)
    expect(paces()).toEqual([{type: 'pace', endpoint: E, delayMs: 5_000, window: 'minute'}])
    await clock.advance(1)
    expect(next.done).toBe(true)

    // A retry-after shorter than a reset already expected does not bring that reset forward.
    land(clock.now(), minute(1, 0))
    pacer.recordRateLimited(E, 'minute', clock.now(), clock.now() + 5_000)
    void send()
    await flush()
    expect(paces().at(-1)).toEqual({type: 'pace', endpoint: E, delayMs: MINUTE + PACE_MARGIN_MS, window: 'minute'})
  })

  it('windowScale shortens every window', async () => {
    const {clock, pacer, send, land, paces} = setup({windowScale: 0.01})
    expect([pacer.windowMs('minute'), pacer.windowMs('hour'), pacer.windowMs('day')]).toEqual([600, 36_000, 864_000])
    land(await send(), {...minute(1, 0), ...hour(1, 5)})
    void send()
    await flush()
    expect(paces()).toEqual([{type: 'pace', endpoint: E, delayMs: 600 + PACE_MARGIN_MS, window: 'minute'}])
    await clock.advance(600 + PACE_MARGIN_MS)
    land(clock.now(), hour(2, 0))
    const error = await send().catch((e: unknown) => e)
    expect(error).toMatchObject({window: 'hour', resumeAt: 1_000_000 + 36_000 + PACE_MARGIN_MS})
  })

  it('with quotaWait, a used-up hourly window is waited out (announced once) and the request proceeds', async () => {
    const {clock, send, land, events} = setup({quotaWait: {maxWaitMs: 2 * HOUR}})
    land(await send(), {'x-rate-limit-hourly': '1', ...hour(1, 0)})
    const resumeAt = clock.now() + HOUR + PACE_MARGIN_MS
    await clock.advance(1_000)
    const next = track(send())
    const other = track(send())
    await flush()
    expect(events).toEqual([{type: 'quota-wait', endpoint: E, window: 'hour', resumeAt}])
    await clock.advance(resumeAt - clock.now() - 1)
    expect(next).toEqual({done: false, error: undefined})
    await clock.advance(1)
    expect(next.done || other.done).toBe(true)
    expect(events.slice(1)).toEqual([{type: 'quota-resume', endpoint: E, window: 'hour'}])
  })

  it('a reset further away than maxWaitMs stops at once, saying when it resumes and that --max-wait is shorter', async () => {
    const {clock, send, land} = setup({quotaWait: {maxWaitMs: 30 * MINUTE}})
    land(await send(), {'x-rate-limit-hourly': '1', ...hour(1, 0)})
    const error = await send().catch((e: unknown) => e)
    expect(error).toBeInstanceOf(QuotaExhaustedError)
    expect(error).toMatchObject({window: 'hour', resumeAt: clock.now() + HOUR + PACE_MARGIN_MS})
    expect((error as QuotaExhaustedError).message).toMatch(/resume at \d\d:\d\d UTC \(in 1 h\)$/)
    expect((error as QuotaExhaustedError).hint).toMatch(/longer than --max-wait \(30 min\)/)
  })

  it('maxWaitMs bounds all the waits of a run together: a wait that would pass it stops the run, saying so', async () => {
    const {clock, send, land, events} = setup({quotaWait: {maxWaitMs: 90 * MINUTE}})
    land(await send(), {'x-rate-limit-hourly': '1', ...hour(1, 0)})
    // The first wait (1 h) fits in the 90 min.
    const second = track(send())
    await clock.advance(HOUR + PACE_MARGIN_MS)
    expect(second.done).toBe(true)
    await clock.advance(1_000)
    land(clock.now(), hour(1, 0))
    // A second hour would make 2 h of waiting in all: stop now, not after waiting.
    const error = await send().catch((e: unknown) => e)
    expect(error).toBeInstanceOf(QuotaExhaustedError)
    expect((error as QuotaExhaustedError).hint).toMatch(
      /already waited 1 h for Apollo's quota, and waiting for this window too would pass --max-wait \(1 h 30 min\)/,
    )
    expect(events.filter((e) => e.type === 'quota-wait')).toHaveLength(1)
  })

  it('requests waiting for the same reset, or for overlapping ones, count the time once', async () => {
    const {clock, pacer, send, land} = setup({quotaWait: {maxWaitMs: HOUR + 10 * MINUTE}})
    land(await send(), {'x-rate-limit-hourly': '2', ...hour(2, 0)})
    pacer.land('email_accounts', {sentAt: clock.now(), receivedAt: clock.now(), headers: {}})
    await pacer.acquire('email_accounts')
    await clock.advance(5 * MINUTE)
    pacer.land('email_accounts', {sentAt: clock.now(), receivedAt: clock.now(), headers: hour(1, 0)})
    // Three waits: two for the same reset of contacts/search, one for email_accounts 5 min later.
    const waits = [track(send()), track(send()), track(pacer.acquire('email_accounts'))]
    await clock.advance(HOUR + 5 * MINUTE + PACE_MARGIN_MS)
    expect(waits.map((w) => [w.done, w.error])).toEqual([
      [true, undefined],
      [true, undefined],
      [true, undefined],
    ])
  })

  it('an hourly 429 holds the endpoint like a used-up window: stop, or wait for its retry-after', async () => {
    const stopping = setup()
    land429(stopping)
    const error = await stopping.send().catch((e: unknown) => e)
    expect(error).toMatchObject({window: 'hour', resumeAt: stopping.clock.now() + 1_200_000})
    expect((error as QuotaExhaustedError).hint).toMatch(/--wait-for-quota/)

    const waiting = setup({quotaWait: {maxWaitMs: HOUR}})
    land429(waiting)
    const next = track(waiting.send())
    await waiting.clock.advance(1_200_000 - 1)
    expect(next.done).toBe(false)
    await waiting.clock.advance(1)
    expect(next.done).toBe(true)

    function land429(s: ReturnType<typeof setup>): void {
      s.pacer.recordRateLimited(E, 'hour', s.clock.now(), s.clock.now() + 1_200_000)
    }
  })
})
