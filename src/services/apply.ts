// Orchestrates `seqsync apply`: the plan, safety checks, stale check, writes, re-read, report. No printing.

import {BULK_CREATE_LIMIT} from '../apollo/limits.js'
import {sweepSequenceMembers} from '../apollo/read-live-state.js'
import type {ApolloClient} from '../apollo/types.js'
import type {ApplyProgress} from '../applier/apply-plan.js'
import {applyPlan} from '../applier/apply-plan.js'
import {findStaleChanges} from '../applier/find-stale-changes.js'
import {buildApplyReport} from '../applier/verify-outcomes.js'
import type {ResolvedConfig} from '../config/config-schema.js'
import {NotConfirmedError, PlanMismatchError, SeqsyncError, StalePlanError, UnsafePlanError} from '../errors.js'
import type {ApplyReport} from '../model/apply-report.js'
import type {Plan, PlanTarget} from '../model/plan.js'
import type {KeyOwner} from '../model/state.js'
import {assessSafety} from '../planner/assess-safety.js'
import {describeSafetyViolation} from '../render/reasons.js'
import {createPlan, hasChanges} from './plan.js'
import {assertSameApiHost, extractApiHost, readPlanFile} from './plan-file.js'

export interface ApplyGuards {
  /** `--allow-removals N`: must equal the planned number of removals/finishes/stops exactly. */
  readonly allowRemovals: number | undefined
  /** `--expect-plan-hash`: refuse anything but the reviewed plan. */
  readonly expectPlanHash: string | undefined
}

/**
 * Refuse before anything is written: a plan other than the reviewed one, or one that removes more
 * than the safety limits allow without an exact `--allow-removals`.
 */
function checkGuards(plan: Plan, config: ResolvedConfig, guards: ApplyGuards): void {
  if (guards.expectPlanHash !== undefined && guards.expectPlanHash !== plan.planHash) {
    throw new PlanMismatchError(
      `The plan to apply (${plan.planHash}) is not the reviewed plan (${guards.expectPlanHash})`,
      {hint: 'Apollo or the manifests changed since the review. Run plan again and have the new plan reviewed.'},
    )
  }
  const {planned, violations: found} = assessSafety(plan, config.safety)
  const violations = found.map(describeSafetyViolation)
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
function affectedSequenceIds(plan: Plan): string[] {
  return plan.sequences.filter((s) => s.changes.length > 0).map((s) => s.id)
}

/** Apply a saved plan: refuse it if any live precondition moved since it was made. */
async function assertNotStale(plan: Plan, client: ApolloClient): Promise<void> {
  const ids = affectedSequenceIds(plan)
  if (ids.length === 0) return
  const sweep = await sweepSequenceMembers(client, ids)
  const stale = findStaleChanges(plan, sweep)
  if (stale.length > 0) throw new StalePlanError(stale)
}

/** What the write phase reports and can be stopped by. */
export interface WriteControl {
  readonly signal?: AbortSignal
  readonly onProgress?: (progress: ApplyProgress) => void
}

/** Runs the write phase; the command wraps it with Ctrl-C handling and a progress display. */
export type WriteSession = (writes: (control: WriteControl) => Promise<ApplyReport>) => Promise<ApplyReport>

export interface RunApplyInput {
  /** A plan file (`plan --out`) to apply exactly; undefined = plan the config's manifests first. */
  readonly planFile: string | undefined
  readonly config: ResolvedConfig
  readonly apiUrl: string
  readonly client: ApolloClient
  readonly guards: ApplyGuards
  /** Called with the plan and where it will be applied as soon as they are known, before any check (the command shows them). */
  readonly onPlan: (plan: Plan, target: PlanTarget) => void
  /** Asked once the plan passed every check, before the first write; null = apply without asking. */
  readonly confirm: (() => Promise<boolean>) | null
  readonly writeSession?: WriteSession
}

export type ApplyResult =
  /** The plan has no changes: nothing was checked or written; the report is empty. */
  | {readonly kind: 'nothing-to-do'; readonly report: ApplyReport}
  /** Writes were made and read back: the report says what converged. */
  | {readonly kind: 'applied'; readonly report: ApplyReport}
  /** Writes were sent but an error stopped the read-back: Apollo may not match the manifests. */
  | {readonly kind: 'unverified'; readonly error: SeqsyncError}

/**
 * `seqsync apply`: get the plan (from the file, refused if made against another host, or planned
 * now), refuse it when unreviewed, unsafe or stale, confirm, write, read back. Throws (nothing
 * written) on every refusal; once writes were sent, an error becomes an `unverified` result.
 */
export async function runApply(input: RunApplyInput): Promise<ApplyResult> {
  const {config, client} = input
  const {plan, keyOwner} = await loadPlan(input)
  input.onPlan(plan, {apiHost: extractApiHost(input.apiUrl), keyOwner})
  if (!hasChanges(plan)) return {kind: 'nothing-to-do', report: emptyReport(plan)}
  checkGuards(plan, config, input.guards)
  if (input.planFile !== undefined) await assertNotStale(plan, client)
  if (input.confirm && !(await input.confirm())) throw new NotConfirmedError('Apply cancelled: nothing was written.')
  const session: WriteSession = input.writeSession ?? ((writes) => writes({}))
  try {
    return {kind: 'applied', report: await session((control) => executePlan({plan, client, config, ...control}))}
  } catch (error) {
    // The applier continues on per-batch errors, so an error here (a quota running out on the
    // re-read, say) came after writes were sent: Apollo is unverified, never "nothing written".
    if (error instanceof SeqsyncError) return {kind: 'unverified', error}
    throw error
  }
}

/** The plan to apply, and who the key acts as (read with the plan, or once for a plan file). */
async function loadPlan(input: RunApplyInput): Promise<{plan: Plan; keyOwner: KeyOwner | null}> {
  if (input.planFile === undefined) {
    return createPlan({paths: [], config: input.config, client: input.client, sequenceFilter: []})
  }
  const file = await readPlanFile(input.planFile)
  assertSameApiHost(file, input.apiUrl)
  return {plan: file.plan, keyOwner: await input.client.getApiProfile()}
}

/** The report of an apply with nothing to do: converged, no calls. */
function emptyReport(plan: Plan): ApplyReport {
  return {
    formatVersion: 1,
    planHash: plan.planHash,
    converged: true,
    interrupted: false,
    summary: {applied: 0, skipped: 0, failed: 0},
    sequences: [],
    calls: {},
  }
}

interface ExecuteInput extends WriteControl {
  readonly plan: Plan
  readonly client: ApolloClient
  readonly config: ResolvedConfig
}

/** Writes, then re-reads the affected sequences and reports what converged. */
async function executePlan(input: ExecuteInput): Promise<ApplyReport> {
  const {plan, client, config} = input
  const before = client.callCounts()
  const outcome = await applyPlan(plan, client, {
    batchSize: config.batchSize,
    bulkCreate: BULK_CREATE_LIMIT,
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
