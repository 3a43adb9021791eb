import {describe, expect, it} from 'vitest'

import {RateLimiter, rateLimitHeaders} from './rate-limiter.js'

describe('RateLimiter', () => {
  it('opens fixed windows on the first request, refuses without counting, and reopens after the window', () => {
    let now = 1_000_000
    const limiter = new RateLimiter({minute: 2, hour: 3, day: null}, () => now)
    expect(limiter.take('contacts/search').ok).toBe(true)
    now += 10_000
    const second = limiter.take('contacts/search')
    expect(second.ok && second.windows.minute.left).toBe(0)
    const refused = limiter.take('contacts/search')
    expect(refused).toMatchObject({ok: false, window: 'minute', limit: 2, retryAfterSeconds: 50})
    // Other endpoints have their own windows.
    expect(limiter.take('contacts/show').ok).toBe(true)
    now += 50_000 // the minute opened at t0 ends now
    const reopened = limiter.take('contacts/search')
    expect(reopened.ok && reopened.windows.minute.consumed).toBe(1)
    expect(reopened.windows.hour.consumed).toBe(3)
    now += 60_000
    const hourly = limiter.take('contacts/search')
    expect(hourly).toMatchObject({ok: false, window: 'hour', limit: 3})
    expect(!hourly.ok && hourly.retryAfterSeconds).toBe(3600 - 120)
  })

  it('scales windows and applies per-endpoint overrides', () => {
    let now = 0
    const limiter = new RateLimiter(
      {minute: 1, hour: null, day: null, windowScale: 0.01, perEndpoint: {'auth/health': {minute: null}}},
      () => now,
    )
    expect(limiter.take('email_accounts').ok).toBe(true)
    expect(limiter.take('email_accounts')).toMatchObject({ok: false, retryAfterSeconds: 1})
    now += 600
    expect(limiter.take('email_accounts').ok).toBe(true)
    for (let i = 0; i < 5; i += 1) expect(limiter.take('auth/health').ok).toBe(true)
  })

  it('renders Apollo header names; an unlimited window has an empty limit and no usage', () => {
    const limiter = new RateLimiter({minute: 5, hour: null, day: 100}, () => 0)
    const d = limiter.take('x')
    expect(rateLimitHeaders(d.windows)).toEqual({
      'x-rate-limit-minute': '5',
      'x-minute-usage': '1',
      'x-minute-requests-left': '4',
      'x-rate-limit-hourly': '',
      'x-rate-limit-24-hour': '100',
      'x-24-hour-usage': '1',
      'x-24-hour-requests-left': '99',
    })
  })
})
