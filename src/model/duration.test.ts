import {describe, expect, it} from 'vitest'

import {formatDuration, formatUtcTime, parseDuration} from './duration.js'

describe('durations', () => {
  it.each([
    ['90s', 90_000],
    ['45m', 2_700_000],
    ['6h', 21_600_000],
    ['1h30m', 5_400_000],
    ['1H30M15S', 5_415_000],
    [' 2m ', 120_000],
  ])('parses %s', (text, ms) => {
    expect(parseDuration(text)).toBe(ms)
  })

  it.each(['', '0s', '6', 'h', '1.5h', '-1h', '30m1h', '6 hours'])('refuses %j', (text) => {
    expect(parseDuration(text)).toBeNull()
  })

  it('formats: seconds rounded up, minutes to the nearest', () => {
    expect([45_000, 44_100, 60_000, 2_220_000, 3_600_025, 7_500_000].map(formatDuration)).toEqual([
      '45 s',
      '45 s',
      '1 min',
      '37 min',
      '1 h',
      '2 h 05 min',
    ])
  })

  it('gives a UTC time, with the date when it is another day', () => {
    const now = Date.UTC(2026, 11, 1, 20, 34)
    expect(formatUtcTime(Date.UTC(2026, 11, 1, 21, 11), now)).toBe('21:11 UTC')
    expect(formatUtcTime(Date.UTC(2026, 11, 2, 1, 5), now)).toBe('2026-12-02 01:05 UTC')
  })
})
