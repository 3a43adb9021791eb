// The theoretical minimum API cost of a generated case (README: What a plan costs; BENCHMARKS.md), computed from the
// generator's truth and Apollo's limits only, independently of the code under test:
// - plan: the cheaper of the two complete strategies, each read from both ends of its order (a
//   query reaches 2 x the display cap at ceil(records / 100) calls):
//     SWEEP = ceil(distinct members / 100) (+ one probe per split past 2 x cap) + one look-up per
//             declared email outside every managed sequence;
//     SCAN  = ceil(contacts / 100), possible only up to 2 x cap contacts;
//   (the display cap is Apollo's documented 50,000 unless the case's emulator is given another);
//   plus the sequence list (ceil(sequences / 100) pages, or per-name searches + per-id reads when
//   fewer), one email_accounts call and one users/api_profile call;
// - apply writes: the batches of apply's own batching rule (src/planner/plan-batches.ts) over the
//   case's expected changes, one call per batch; the stale-check read before them is one sweep of
//   the sequences the plan touches (ceil(their distinct members / 100));
// - the per-contact script baseline: one look-up per declared contact and one write per change.

import {BULK_CREATE_LIMIT, DISPLAY_CAP, PAGE_SIZE} from '../../src/apollo/limits.js'
import {countBatchCalls, planBatches} from '../../src/planner/plan-batches.js'
import type {BatchableChange} from '../../src/planner/plan-batches.js'
import {CASE_ENROLL, MAILBOX_ID} from './generate.js'
import type {ExpectedChange, GeneratedCase} from './generate.js'

export interface MinimumCalls {
  readonly plan: Readonly<Record<string, number>>
  readonly apply: Readonly<Record<string, number>>
  /** The read before apply's writes: one sweep of the sequences the plan touches. */
  readonly staleCheck: number
  /** A script that looks up every declared contact and writes one change per call. */
  readonly baseline: {readonly lookups: number; readonly writes: number}
  readonly detail: {
    readonly strategy: 'sweep' | 'scan'
    readonly distinct: number
    readonly contacts: number
    readonly sweep: number
    readonly lookups: number
    readonly scan: number | null
    readonly sequencePages: number
  }
}

/** Distinct contacts that are live members of at least one of `sequenceIds`. */
function countDistinctMembers(caseData: GeneratedCase, sequenceIds: Iterable<string>): number {
  const distinct = new Set<string>()
  for (const id of sequenceIds) for (const c of caseData.expected.liveMembers[id] ?? []) distinct.add(c)
  return distinct.size
}

/** A sweep of `members` distinct members: one two-ended query, or one per group of at most 2 x cap. */
function sweepCalls(members: number, cap: number): number {
  const groups = Math.max(1, Math.ceil(members / (2 * cap)))
  return Math.ceil(members / PAGE_SIZE) + (groups - 1)
}

/** An expected change as the batching rule reads a plan change: every add goes to the case's one mailbox and switches. */
function toBatchable(change: ExpectedChange): BatchableChange {
  return change.kind === 'add' ? {...change, mailboxId: MAILBOX_ID, enroll: CASE_ENROLL} : change
}

export function computeMinimumCalls(
  caseData: GeneratedCase,
  options: {readonly batchSize?: number; readonly displayCap?: number} = {},
): MinimumCalls {
  const e = caseData.expected
  const cap = options.displayCap ?? DISPLAY_CAP
  const distinct = countDistinctMembers(caseData, e.managedSequenceIds)
  const sweep = sweepCalls(distinct, cap)
  const lookups = e.outsideEmails.length
  const scan = e.totalContacts <= 2 * cap ? Math.ceil(e.totalContacts / PAGE_SIZE) : null
  const strategy = scan !== null && scan <= sweep + lookups ? 'scan' : 'sweep'
  const sequencePages = Math.max(1, Math.ceil(e.totalSequences / PAGE_SIZE))

  const plan: Record<string, number> = {
    'contacts/search': strategy === 'scan' ? (scan ?? 0) : sweep + lookups,
    email_accounts: 1,
    'users/api_profile': 1,
  }
  if (sequencePages <= e.namePinned + e.idPinned) plan['emailer_campaigns/search'] = sequencePages
  else {
    if (e.namePinned > 0) plan['emailer_campaigns/search'] = e.namePinned
    if (e.idPinned > 0) plan['emailer_campaigns/show'] = e.idPinned
  }

  const {batches, unbatchable} = planBatches(e.changes.map(toBatchable), {
    batchSize: options.batchSize ?? 100,
    bulkCreate: BULK_CREATE_LIMIT,
  })
  if (unbatchable.length > 0) throw new Error(`cost model: ${unbatchable.length} expected changes fit no batch`)

  return {
    plan,
    apply: countBatchCalls(batches),
    staleCheck: sweepCalls(countDistinctMembers(caseData, new Set(e.changes.map((c) => c.sequenceId))), cap),
    baseline: {lookups: e.declaredContacts, writes: e.changes.length},
    detail: {strategy, distinct, contacts: e.totalContacts, sweep, lookups, scan, sequencePages},
  }
}

export function sumCalls(counts: Readonly<Record<string, number>>): number {
  return Object.values(counts).reduce((a, b) => a + b, 0)
}
