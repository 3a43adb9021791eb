// The theoretical minimum API cost of a generated case, per PRODUCT.md §7's cost model:
// - plan (the yardstick, computed here independently of the code under test): one contacts/search
//   sweep over the distinct members of all managed sequences (ceil(distinct / 100) pages, plus one
//   wasted probe page per split needed to stay under the 50,000-record display cap), the sequence
//   list (ceil(sequences / 100) pages, or per-name searches + per-id reads when fewer), one
//   email_accounts call, one users/api_profile call (who the key is), and for emails not seen in the sweep min(one look-up each, a full scan
//   when the account has <= 50,000 contacts);
// - apply writes: the batches of apply's own batching rule (src/planner/plan-batches.ts) over the
//   case's expected changes, one call per batch.

import {BULK_CREATE_LIMIT, DISPLAY_CAP, PAGE_SIZE} from '../../src/apollo/limits.js'
import {countBatchCalls, planBatches} from '../../src/planner/plan-batches.js'
import type {BatchableChange} from '../../src/planner/plan-batches.js'
import {CASE_ENROLL, MAILBOX_ID} from './generate.js'
import type {ExpectedChange, GeneratedCase} from './generate.js'

export interface MinimumCalls {
  readonly plan: Readonly<Record<string, number>>
  readonly apply: Readonly<Record<string, number>>
  readonly detail: {
    readonly distinct: number
    readonly chunks: number
    readonly sweep: number
    readonly lookups: number
    readonly scanPages: number | null
    readonly emailCost: number
    readonly sequencePages: number
  }
}

/** Distinct contacts that are live members of at least one managed sequence. */
function countDistinctMembers(caseData: GeneratedCase): number {
  const distinct = new Set<string>()
  for (const ids of Object.values(caseData.expected.liveMembers)) for (const id of ids) distinct.add(id)
  return distinct.size
}

/** An expected change as the batching rule reads a plan change: every add goes to the case's one mailbox and switches. */
function toBatchable(change: ExpectedChange): BatchableChange {
  return change.kind === 'add' ? {...change, mailboxId: MAILBOX_ID, enroll: CASE_ENROLL} : change
}

export function computeMinimumCalls(
  caseData: GeneratedCase,
  options: {readonly batchSize?: number} = {},
): MinimumCalls {
  const e = caseData.expected
  const distinct = countDistinctMembers(caseData)
  const chunks = Math.max(1, Math.ceil(distinct / DISPLAY_CAP))
  const sweep = Math.ceil(distinct / PAGE_SIZE) + (chunks - 1)
  const lookups = e.outsideEmails.length
  const scanPages = e.totalContacts <= DISPLAY_CAP ? Math.ceil(e.totalContacts / PAGE_SIZE) : Number.POSITIVE_INFINITY
  const emailCost = Math.min(lookups, scanPages)
  const sequencePages = Math.max(1, Math.ceil(e.totalSequences / PAGE_SIZE))

  const plan: Record<string, number> = {
    'contacts/search': sweep + emailCost,
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
    detail: {
      distinct,
      chunks,
      sweep,
      lookups,
      scanPages: Number.isFinite(scanPages) ? scanPages : null,
      emailCost,
      sequencePages,
    },
  }
}

export function sumCalls(counts: Readonly<Record<string, number>>): number {
  return Object.values(counts).reduce((a, b) => a + b, 0)
}
