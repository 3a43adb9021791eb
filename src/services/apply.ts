// Orchestrates `seqsync apply`: safety checks, stale check, writes, re-read, report. No printing.

import {sweepSequenceMembers} from '../apollo/read-live-state.js'
import type {ApolloClient} from '../apollo/types.js'
import {applyPlan} from '../applier/apply-plan.js'
import {findStaleChanges} from '../applier/find-stale-changes.js'
import {buildApplyReport} from '../applier/verify-outcomes.js'
import type {ResolvedConfig} from '../config/config-schema.js'
import {PlanMismatchError, StalePlanError, UnsafePlanError} from '../errors.js'
import type {ApplyReport} from '../model/apply-report.js'
import type {Plan} from '../model/plan.js'
import {assessSafety} from '../planner/assess-safety.js'

export interface ApplyGuards {
  /** `--allow-removals N`: must equal the planned number of removals/finishes/stops exactly. */
  readonly allowRemovals: number | undefined
  /** `--expect-plan-hash`: refuse anything but the reviewed plan. */
  readonly expectPlanHash: string | undefined
}

export type ApplyProgress = (p: {phase: 'create' | 'remove' | 'add'; done: number; total: number}) => void

/**
 * Refuse before anything is written: a plan other than the reviewed one, or one that removes more
 * than the safety limits allow without an exact `--allow-removals`.
 */
export function checkGuards(plan: Plan, config: ResolvedConfig, guards: ApplyGuards): void {
  if (guards.expectPlanHash !== undefined && guards.expectPlanHash !== plan.planHash) {
    throw new PlanMismatchError(
      `The plan to apply (${plan.planHash}) is not the reviewed plan (${guards.expectPlanHash})`,
      {hint: 'Apollo or the manifests changed since the review. Run plan again and have the new plan reviewed.'},
    )
  }
  const {planned, violations} = assessSafety(plan, config.safety)
  if (guards.allowRemovals !== undefined && guards.allowRemovals !== planned) {
    throw new UnsafePlanError(
      [`--allow-removals ${guards.allowRemovals} does not match the ${planned} removals, finishes and stops planned`],
      planned,
      {hint: `Review the plan; if the ${planned} are intended, pass --allow-removals ${planned}.`},
    )
  }
  if (violations.length > 0 && guards.allowRemovals !== planned) {
    throw new UnsafePlanError(violations, planned, {
      hint: `Nothing was written. If these ${planned} removals, finishes and stops are intended, re-run with --allow-removals ${planned}.`,
    })
  }
}

/** The sequences a plan writes to, in plan order. */
export function affectedSequenceIds(plan: Plan): string[] {
  return plan.sequences.filter((s) => s.changes.length > 0).map((s) => s.id)
}

/** Apply a saved plan: refuse it if any live precondition moved since it was made. */
export async function assertNotStale(plan: Plan, client: ApolloClient): Promise<void> {
  const ids = affectedSequenceIds(plan)
  if (ids.length === 0) return
  const sweep = await sweepSequenceMembers(client, ids)
  const stale = findStaleChanges(plan, sweep)
  if (stale.length > 0) throw new StalePlanError(stale)
}

export interface ExecuteInput {
  readonly plan: Plan
  readonly client: ApolloClient
  readonly config: ResolvedConfig
  readonly signal?: AbortSignal
  readonly onProgress?: ApplyProgress
}

/** Writes, then re-reads the affected sequences and reports what converged. */
export async function executePlan(input: ExecuteInput): Promise<ApplyReport> {
  const {plan, client, config} = input
  const before = client.callCounts()
  const outcome = await applyPlan(plan, client, {
    batchSize: config.batchSize,
    concurrency: config.concurrency,
    ...(input.signal ? {signal: input.signal} : {}),
    ...(input.onProgress ? {onProgress: input.onProgress} : {}),
  })
  const ids = affectedSequenceIds(plan)
  const after = ids.length === 0 ? {contacts: new Map(), members: new Map()} : await sweepSequenceMembers(client, ids)
  return buildApplyReport(plan, outcome, after, callsSince(before, client.callCounts()))
}

/** Calls per endpoint made between two snapshots of the client's counters. */
function callsSince(
  before: Readonly<Record<string, number>>,
  now: Readonly<Record<string, number>>,
): Record<string, number> {
  const calls: Record<string, number> = {}
  for (const [endpoint, n] of Object.entries(now)) {
    const made = n - (before[endpoint] ?? 0)
    if (made > 0) calls[endpoint] = made
  }
  return calls
}
