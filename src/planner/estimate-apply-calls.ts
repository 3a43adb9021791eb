// Write calls `apply` will need per endpoint label: the batches of plan-batches.ts, counted. Pure.

import type {Plan} from '../model/plan.js'
import type {BatchLimits} from './plan-batches.js'
import {countBatchCalls, planBatches} from './plan-batches.js'

export function estimateApplyCalls(plan: Plan, limits: BatchLimits): Record<string, number> {
  const {batches} = planBatches(
    plan.sequences.flatMap((s) => s.changes),
    limits,
  )
  return countBatchCalls(batches)
}
