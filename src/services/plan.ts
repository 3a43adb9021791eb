// Orchestrates `seqsync plan`: manifests -> live read -> pure plan -> API cost. No printing, no flags.

import type {ApolloClient} from '../apollo/types.js'
import {BULK_CREATE_LIMIT, PAGE_SIZE} from '../apollo/limits.js'
import {findSequencesByName, readLiveState} from '../apollo/read-live-state.js'
import type {ResolvedConfig} from '../config/config-schema.js'
import type {Issue} from '../errors.js'
import {PlanError, UsageError} from '../errors.js'
import type {ApiCost, Plan, ReadCost, SafetyAssessment} from '../model/plan.js'
import type {DesiredState, LiveState} from '../model/state.js'
import {APOLLO_ID_PATTERN, formatSourceRef, selectorValue} from '../model/state.js'
import {assessSafety} from '../planner/assess-safety.js'
import {computePlan} from '../planner/compute-plan.js'
import {estimateApplyCalls} from '../planner/estimate-apply-calls.js'
import {hashDesiredState} from '../planner/plan-hash.js'
import {describePlanProblem} from '../render/reasons.js'
import {loadDesiredState} from './load-desired-state.js'
import {reportReadCost} from './read-cost.js'

export interface PlanInput {
  readonly paths: readonly string[]
  readonly config: ResolvedConfig
  readonly client: ApolloClient
  /** `--sequence NAME_OR_ID`: only these managed sequences. Empty = all. */
  readonly sequenceFilter: readonly string[]
  /** Validation warnings, reported as soon as the manifests are loaded (before Apollo is read). */
  readonly onWarnings?: (issues: readonly Issue[]) => void
  /** Each preflight of the read (its strategy, what a phase needs against the quota), before that phase. */
  readonly onReadCost?: (cost: ReadCost) => void
}

export interface PlanResult {
  readonly plan: Plan
  /** The manifests planned (after `--sequence`). */
  readonly desired: DesiredState
  readonly desiredHash: string
  /** `--sequence` as the manifests declare the sequences (empty = all). */
  readonly sequenceFilter: readonly string[]
  /** What the plan was computed from. */
  readonly live: LiveState
  readonly cost: ApiCost
  /** The plan against the config's safety limits: what apply will refuse without --allow-adds / --allow-removals. */
  readonly safety: SafetyAssessment
}

export async function createPlan(input: PlanInput): Promise<PlanResult> {
  const {desired: all, issues} = await loadDesiredState(input.paths, input.config)
  input.onWarnings?.(issues)
  const sequenceFilter = await resolveSequenceFilter(all, input.sequenceFilter, input.client)
  const desired = filterSequences(all, sequenceFilter)
  const read: ReadCost[] = []
  const live = await readLiveState(input.client, desired, {
    onReadPlan: reportReadCost(input.client, (cost) => {
      read.push(cost)
      input.onReadCost?.(cost)
    }),
  })
  const plan = computePlan(desired, live)
  if (plan.errors.length > 0) {
    const n = plan.errors.length
    throw new PlanError(
      `Cannot plan: ${n} problem${n === 1 ? '' : 's'} with the manifests against Apollo`,
      plan.errors.map((e) => ({message: describePlanProblem(e), source: e.source})),
      {hint: 'Nothing was written to Apollo. Fix the manifests (or Apollo) and run plan again.'},
    )
  }
  const cost = {...estimateCost(plan, input.client, input.config.batchSize), ...(read.length === 0 ? {} : {read})}
  const safety = assessSafety(plan, input.config.safety)
  return {plan, desired, desiredHash: hashDesiredState(desired), sequenceFilter, live, cost, safety}
}

/** Keep the managed sequences named by `--sequence` (matched against the manifest's name or id). */
export function filterSequences(desired: DesiredState, filter: readonly string[]): DesiredState {
  if (filter.length === 0) return desired
  const wanted = new Set(filter)
  const sequences = desired.sequences.filter((s) => wanted.has(selectorValue(s.selector)))
  const matched = new Set(sequences.map((s) => selectorValue(s.selector)))
  const unknown = filter.filter((f) => !matched.has(f))
  if (unknown.length > 0) {
    const known = desired.sequences.map((s) => `${selectorValue(s.selector)} (${formatSourceRef(s.source)})`)
    throw new UsageError(`--sequence ${unknown.map((u) => JSON.stringify(u)).join(', ')} matches no managed sequence`, {
      hint: known.length > 0 ? `Managed sequences: ${known.join('; ')}` : 'No manifest declares a sequence.',
    })
  }
  return {sequences}
}

/**
 * `--sequence` takes a name or an Apollo id, whichever way the manifest declares the sequence: an
 * Apollo id given for a sequence declared by name (or a name for one pinned by id) is translated to
 * the declared selector with one lookup. Values that resolve to nothing are left as they are, so
 * filterSequences reports them.
 */
export async function resolveSequenceFilter(
  desired: DesiredState,
  filter: readonly string[],
  client: ApolloClient,
): Promise<string[]> {
  const declared = new Set(desired.sequences.map((s) => selectorValue(s.selector)))
  const resolved: string[] = []
  for (const value of filter) {
    if (declared.has(value)) {
      resolved.push(value)
      continue
    }
    const candidates: string[] = []
    if (APOLLO_ID_PATTERN.test(value)) {
      const sequence = await client.getSequence(value)
      if (sequence) candidates.push(sequence.name)
    } else {
      candidates.push(...(await findSequencesByName(client, value)).map((s) => s.id))
    }
    const matches = candidates.filter((c) => declared.has(c))
    resolved.push(...(matches.length > 0 ? matches : [value]))
  }
  return [...new Set(resolved)]
}

/**
 * Calls this plan made, calls apply will need (writes, plus the stale check's sweep of the changed
 * sequences when a saved plan is applied), and whether that fits in what Apollo reported as left.
 */
export function estimateCost(plan: Plan, client: ApolloClient, batchSize: number): ApiCost {
  const writes = estimateApplyCalls(plan, {batchSize, bulkCreate: BULK_CREATE_LIMIT})
  const affected = plan.sequences.filter((s) => s.changes.length > 0)
  const members = affected.reduce((n, s) => n + s.liveMembers + s.changes.filter((c) => c.kind === 'add').length, 0)
  // apply FILE re-reads the affected sequences before writing (stale check); the write answers verify.
  const sweeps = affected.length === 0 ? 0 : Math.max(1, Math.ceil(members / PAGE_SIZE))
  const applyCalls: Record<string, number> = {...writes}
  if (sweeps > 0) applyCalls['contacts/search'] = (applyCalls['contacts/search'] ?? 0) + sweeps
  const quotaLeft = client.quotaLeft()
  const warnings: string[] = []
  for (const [endpoint, needed] of Object.entries(applyCalls)) {
    const left = quotaLeft[endpoint as keyof typeof quotaLeft]
    if (!left || needed === 0) continue
    if (left.day !== null && needed > left.day) {
      warnings.push(`apply needs ${needed} calls to ${endpoint} but Apollo reports only ${left.day} left today`)
    } else if (left.hour !== null && needed > left.hour) {
      warnings.push(
        `apply needs ${needed} calls to ${endpoint} but Apollo reports only ${left.hour} left this hour: it will stop when the hourly quota runs out`,
      )
    }
  }
  return {
    planCalls: {...client.callCounts()},
    applyCalls,
    quotaLeft: {...quotaLeft},
    warnings,
  }
}

export function hasChanges(plan: Plan): boolean {
  return plan.sequences.some((s) => s.changes.length > 0)
}
