import {describe, expect, it} from 'vitest'
import {classifyRateLimit, parseRetryAfter} from './transport.js'

describe('429 helpers', () => {
  it('classifies 429 windows from the body, else from retry-after', () => {
    expect(
      classifyRateLimit(
        'The maximum number of api calls allowed for api/v1/contacts/search is 200 times per minute.',
        30_000,
      ),
    ).toBe('minute')
    expect(classifyRateLimit('... is 600 times per hour. Please upgrade', 10_000)).toBe('hour')
    expect(classifyRateLimit('... is 2000 times per day.', null)).toBe('day')
    // Apollo's daily window is its "24-hour" one (x-rate-limit-24-hour): not the hourly window.
    expect(classifyRateLimit('... is 2000 times per 24-hour period.', null)).toBe('day')
    expect(classifyRateLimit('... is 2000 times per 24 hours.', null)).toBe('day')
    expect(classifyRateLimit('', 5_000)).toBe('minute')
    expect(classifyRateLimit('', null)).toBe('minute')
    expect(classifyRateLimit('', 1_800_000)).toBe('hour')
    expect(classifyRateLimit('', 20 * 3_600_000)).toBe('day')
  })

  it('parses retry-after in seconds or as a date', () => {
    expect(parseRetryAfter('3', 0)).toBe(3000)
    expect(parseRetryAfter(undefined, 0)).toBeNull()
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 4_000)).toBe(6_000)
  })
})
