// The arithmetic of a live read, pure: which pages a two-ended read of a query takes, and which of
// the two complete strategies (sweep or scan) a run uses. read-live-state.ts does the reading.
//
// A TWO-ENDED READ of a query with T records under a display cap of C records per query: sorted by
// contact_created_at (ties by id), ascending pages 1..ceil(min(T, C)/100), then, when T > C,
// descending pages 1..ceil((T - C)/100). The two halves overlap by less than one page, so the read
// takes exactly ceil(T/100) pages and reaches up to 2 x C records; a larger query must be split.
// A read that uses both ends takes END_CHECK_CALLS more (page 1 of each end again, at the end).
//
// The STRATEGY (README "What a plan costs"): the SWEEP reads the members of every managed sequence
// (one query over all their ids, split by sequence when it passes 2 x C) and looks up, one call each,
// the declared contacts it did not see; the SCAN reads every contact of the account (possible up to
// 2 x C contacts) and so needs no look-up. The figures cost one call each: page 1 of each query is a
// probe whose total_entries gives T (sweep) and N (scan), and is also the first page of its own read.
// Whichever strategy is chosen, the other probe is the one wasted call (its contacts still resolve
// declared emails). With G = scan pages - sweep pages still to read (N >= T, so G >= 0) and U the
// declared contacts not resolved yet, the sweep costs G fewer pages but L look-ups, 0 <= L <= U:
//   - G <= 0: scan (it costs no more and resolves everything);
//   - otherwise look up a deterministic pseudo-random sample of the U contacts (these look-ups are
//     real: a sampled contact is resolved and never looked up again) until the pessimistic estimate
//     L+ = U' x (o + 1) / (s + 1) of the look-ups left (s sampled, o of them outside the managed
//     sequences, U' not sampled) fits in G: then sweep. With s = 0 that is "U <= G: sweep", the
//     case where even looking up every declared contact costs less than the scan's extra pages.
//   - the sample may cost at most G/4 look-ups (what it could save is G); when proving the sweep
//     would take more, scan. So a scan is never more than G pages (+ G/4 samples) over the sweep, and
//     a sweep is only chosen when the evidence says its look-ups fit.
// The add-one estimate keeps a sample that found nothing outside from "proving" L = 0: 20 samples
// without a hit still allow L = U/21, which is what decides between a 717-page scan and a 700-page
// sweep with 200 contacts outside it (the benchmark's 200 x 500 case: scan).

import {PAGE_SIZE, pageCount} from './limits.js'

/** Pages of a two-ended read of `total` records under a cap of `cap` records; null when 2 x cap cannot hold it. */
export function planTwoEndedPages(total: number, cap: number): {readonly asc: number; readonly desc: number} | null {
  const reach = reachablePages(cap) * PAGE_SIZE
  if (total > 2 * reach) return null
  return {
    asc: Math.max(1, pageCount(Math.min(total, reach))),
    desc: total > reach ? pageCount(total - reach) : 0,
  }
}

/** Pages a query can be read in one direction under a cap of `cap` records (Apollo: 500). */
export function reachablePages(cap: number): number {
  return Math.floor(cap / PAGE_SIZE)
}

/**
 * The calls a read from both ends adds once its pages add up: page 1 of each end again, to see that
 * nothing moved at either end meanwhile (two-ended-read.ts). A read from one end only adds none.
 */
export const END_CHECK_CALLS = 2

/** Calls a two-ended read of `total` records takes, the end check included (0 when the cap is too small for it). */
export function twoEndedCalls(total: number, cap: number): number {
  const plan = planTwoEndedPages(total, cap)
  return plan === null ? 0 : plan.asc + plan.desc + (plan.desc > 0 ? END_CHECK_CALLS : 0)
}

/**
 * Calls a sweep of `total` distinct members takes, its probe included: one two-ended read, or, past
 * 2 x cap, at least ceil(total / 100) pages plus one wasted probe per split (halves of halves until
 * each group fits; groups that share members read them twice, which no figure shows in advance).
 */
export function sweepCallsEstimate(total: number, cap: number): number {
  const calls = twoEndedCalls(total, cap)
  if (calls > 0) return calls
  const reach = Math.max(PAGE_SIZE, reachablePages(cap) * PAGE_SIZE)
  const groups = 2 ** Math.ceil(Math.log2(total / (2 * reach)))
  const endChecks = total / groups > reach ? groups * END_CHECK_CALLS : 0
  return pageCount(total) + groups - 1 + endChecks
}

export interface StrategyFigures {
  /** Sweep pages still to read (its probe already read). */
  readonly sweepRest: number
  /** Scan pages still to read; null when the scan cannot be complete (N > 2 x cap) or was not probed. */
  readonly scanRest: number | null
  /** Declared `contacts` entries not resolved yet and not sampled (U'). */
  readonly unresolved: number
  /** Entries looked up as samples so far (s) and how many of those were outside the managed sequences (o). */
  readonly sampled: number
  readonly outside: number
}

export type StrategyChoice =
  | {readonly kind: 'sweep'}
  | {readonly kind: 'scan'}
  /** Look up `count` more declared contacts (sampled), then decide again. */
  | {readonly kind: 'sample'; readonly count: number}

/** The pessimistic (add-one) estimate of the look-ups the sweep still needs. */
export function pessimisticLookups(f: Pick<StrategyFigures, 'unresolved' | 'sampled' | 'outside'>): number {
  return Math.ceil((f.unresolved * (f.outside + 1)) / (f.sampled + 1))
}

export function chooseStrategy(f: StrategyFigures): StrategyChoice {
  if (f.scanRest === null) return {kind: 'sweep'}
  const gap = f.scanRest - f.sweepRest
  if (gap <= 0) return {kind: 'scan'}
  if (pessimisticLookups(f) <= gap) return {kind: 'sweep'}
  // The fewest further samples that could prove the sweep (none of them outside):
  // (U' - n)(o + 1) / (s + n + 1) <= G  <=>  n >= ((o + 1)U' - G(s + 1)) / (G + o + 1).
  const needed = Math.ceil(((f.outside + 1) * f.unresolved - gap * (f.sampled + 1)) / (gap + f.outside + 1))
  const budget = Math.floor(gap / 4)
  if (f.sampled + needed > budget) return {kind: 'scan'}
  return {kind: 'sample', count: Math.max(1, needed)}
}
