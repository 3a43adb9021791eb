import {describe, expect, it} from 'vitest'

import {chooseStrategy, pessimisticLookups, planTwoEndedPages, sweepCallsEstimate} from './read-strategy.js'

describe('planTwoEndedPages', () => {
  it.each([
    // total, cap, plan
    [0, 50_000, {asc: 1, desc: 0}],
    [1, 50_000, {asc: 1, desc: 0}],
    [50_000, 50_000, {asc: 500, desc: 0}],
    [50_001, 50_000, {asc: 500, desc: 1}],
    [71_604, 50_000, {asc: 500, desc: 217}],
    [100_000, 50_000, {asc: 500, desc: 500}],
    [100_001, 50_000, null],
    [1_500, 1_000, {asc: 10, desc: 5}],
    [1_550, 1_050, {asc: 10, desc: 6}],
  ])('%i records under a cap of %i: %o', (total, cap, plan) => {
    expect(planTwoEndedPages(total, cap)).toEqual(plan)
  })

  it('costs exactly ceil(total / 100) calls whenever it is possible', () => {
    for (const total of [1, 99, 100, 101, 49_999, 50_000, 50_001, 50_099, 50_100, 99_901, 100_000]) {
      const plan = planTwoEndedPages(total, 50_000)!
      expect(plan.asc + plan.desc, String(total)).toBe(Math.ceil(total / 100))
      // The halves overlap by less than one page.
      expect(plan.asc * 100 + plan.desc * 100 - total).toBeLessThan(100)
    }
  })

  it('estimates a sweep past 2 x cap as its pages plus a wasted probe per split', () => {
    // Each group read from both ends checks both ends once more at the end (2 calls).
    expect(sweepCallsEstimate(50_000, 50_000)).toBe(500)
    expect(sweepCallsEstimate(70_000, 50_000)).toBe(700 + 2)
    expect(sweepCallsEstimate(140_000, 50_000)).toBe(1_400 + 1 + 2 * 2)
    expect(sweepCallsEstimate(300_000, 50_000)).toBe(3_000 + 3 + 4 * 2)
  })
})

describe('chooseStrategy', () => {
  const none = {sampled: 0, outside: 0}

  it('sweeps when the scan cannot be complete or was not probed', () => {
    expect(chooseStrategy({sweepRest: 700, scanRest: null, unresolved: 5_000, ...none})).toEqual({kind: 'sweep'})
  })

  it('scans when it costs no more pages than the sweep', () => {
    expect(chooseStrategy({sweepRest: 0, scanRest: 0, unresolved: 3, ...none})).toEqual({kind: 'scan'})
    expect(chooseStrategy({sweepRest: 12, scanRest: 12, unresolved: 0, ...none})).toEqual({kind: 'scan'})
  })

  it('sweeps when even looking up every open contact costs less than the extra scan pages', () => {
    expect(chooseStrategy({sweepRest: 99, scanRest: 899, unresolved: 800, ...none})).toEqual({kind: 'sweep'})
    expect(chooseStrategy({sweepRest: 99, scanRest: 899, unresolved: 801, ...none}).kind).not.toBe('sweep')
  })

  it("benchmark 200 x 500 (71,604 contacts, 200 adds outside): scan, no sample can prove the sweep's look-ups fit", () => {
    // 716 scan pages left vs 699 sweep pages; ~67,000 declared contacts not on a probe page.
    expect(chooseStrategy({sweepRest: 699, scanRest: 716, unresolved: 67_000, ...none})).toEqual({kind: 'scan'})
  })

  it('the field case (76,000 contacts, 4,600 adds outside): scan', () => {
    expect(chooseStrategy({sweepRest: 699, scanRest: 760, unresolved: 70_000, ...none})).toEqual({kind: 'scan'})
  })

  it('a big account with few managed members: samples, then sweeps while the sample finds nothing outside', () => {
    // 90,000 contacts, 20,000 members, 20,050 declared: 700 pages to save.
    const figures = {sweepRest: 199, scanRest: 899, unresolved: 20_050}
    const first = chooseStrategy({...figures, ...none})
    expect(first).toEqual({kind: 'sample', count: 28})
    expect(pessimisticLookups({unresolved: 20_022, sampled: 28, outside: 0})).toBeLessThanOrEqual(700)
    expect(chooseStrategy({...figures, unresolved: 20_022, sampled: 28, outside: 0})).toEqual({kind: 'sweep'})
    // One hit: more samples needed, still within the budget (175).
    const again = chooseStrategy({...figures, unresolved: 20_022, sampled: 28, outside: 1})
    expect(again.kind).toBe('sample')
    // Many hits: the sweep cannot be proven within the budget: scan.
    expect(chooseStrategy({...figures, unresolved: 19_950, sampled: 100, outside: 30})).toEqual({kind: 'scan'})
  })

  it('never samples more than a quarter of the pages it could save', () => {
    expect(chooseStrategy({sweepRest: 10, scanRest: 18, unresolved: 100, ...none})).toEqual({kind: 'scan'})
    expect(chooseStrategy({sweepRest: 10, scanRest: 30, unresolved: 100, ...none})).toEqual({kind: 'sample', count: 4})
    expect(chooseStrategy({sweepRest: 10, scanRest: 50, unresolved: 100, ...none})).toEqual({kind: 'sample', count: 2})
  })
})
