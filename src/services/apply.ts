// Orchestrates `seqsync apply`: the plan (a saved file, or planned now from manifests), the guards,
// the stale check of a saved plan, the writes, the re-read of what their answers left uncertain,
// and the verdict. No printing.

import {BULK_CREATE_LIMIT} from '../apollo/limits.js'
import {readLiveState} from '../apollo/read-live-state.js'
import type {ApolloClient} from '../apollo/types.js'
import type {ApplyProgress} from '../applier/apply-plan.js'
import {applyPlan} from '../applier/apply-plan.js'
import {checkBasis} from '../applier/check-basis.js'
import {ObservedState} from '../applier/observed-state.js'
import {buildApplyReport} from '../applier/verify-outcomes.js'
import type {ResolvedConfig} from '../config/config-schema.js'
import {NotConfirmedError, PlanMismatchError, SeqsyncError, StalePlanError, UnsafePlanError} from '../errors.js'
import type {Issue} from '../errors.js'
import type {ApplyReport} from '../model/apply-report.js'
import type {ManagedSequence} from '../model/plan-basis.js'
import type {Change, Plan, PlanTarget, ReadCost} from '../model/plan.js'
import type {KeyOwner, LiveState} from '../model/state.js'
import {statusIn} from '../model/state.js'
import {assessSafety} from '../planner/assess-safety.js'
import {hashDesiredState} from '../planner/plan-hash.js'
import {describeSafetyViolation} from '../render/reasons.js'
import {describeStaleItem} from '../render/stale-items.js'
import type {ApplyTarget} from './apply-target.js'
import {reducedDesiredState, rereadUncertain} from './apply-verify.js'
import {loadDesiredState} from './load-desired-state.js'
import {pairManagedSequences} from './plan-basis.js'
import type {PlanFile} from './plan-file.js'
import {assertSameApiHost, extractApiHost, readPlanFile} from './plan-file.js'
import {reportReadCost} from './read-cost.js'
import {createPlan, filterSequences, hasChanges} from './plan.js'

export interface ApplyGuards {
  /** `--allow-removals N`: must equal the planned number of removals/finishes/stops exactly. */
  readonly allowRemovals: number | undefined
  /** `--allow-adds N`: must equal the planned number of adds exactly. */
  readonly allowAdds: number | undefined
  /** `--expect-plan-hash`: refuse anything but the reviewed plan. */
  readonly expectPlanHash: string | undefined
}

/**
 * Refuse before anything is read or written: a plan other than the reviewed one, or one over a
 * safety brake (adds, removals) without the exact `--allow-adds` / `--allow-removals`. The counts
 * are the whole plan's, so re-applying the same plan after an interruption needs the same flags.
 */
function checkGuards(plan: Plan, config: ResolvedConfig, guards: ApplyGuards): void {
  if (guards.expectPlanHash !== undefined && guards.expectPlanHash !== plan.planHash) {
    throw new PlanMismatchError(
      `The plan to apply (${plan.planHash}) is not the reviewed plan (${guards.expectPlanHash})`,
      {hint: 'Apollo or the manifests changed since the review. Run plan again and have the new plan reviewed.'},
    )
  }
  const safety = assessSafety(plan, config.safety)
  const refusals: string[] = []
  if (guards.allowAdds !== undefined && guards.allowAdds !== safety.adds) {
    refusals.push(`--allow-adds ${guards.allowAdds} does not match the ${safety.adds} adds planned`)
  }
  if (guards.allowRemovals !== undefined && guards.allowRemovals !== safety.removals) {
    refusals.push(
      `--allow-removals ${guards.allowRemovals} does not match the ${safety.removals} removals, finishes and stops planned`,
    )
  }
  for (const v of safety.violations) {
    const allowed =
      v.code === 'too-many-adds' ? guards.allowAdds === safety.adds : guards.allowRemovals === safety.removals
    if (!allowed) refusals.push(describeSafetyViolation(v))
  }
  if (refusals.length === 0) return
  const flags = [
    ...(safety.required.allowAdds !== null || guards.allowAdds !== undefined ? [`--allow-adds ${safety.adds}`] : []),
    ...(safety.required.allowRemovals !== null || guards.allowRemovals !== undefined
      ? [`--allow-removals ${safety.removals}`]
      : []),
  ]
  throw new UnsafePlanError(refusals, safety.removals, {
    hint: `Nothing was written. Review the plan; if it is intended, re-run with ${flags.join(' ')}.`,
  })
}

/** What the writes start from: the read made just before them, and what of the plan is already done. */
interface WriteStart {
  readonly base: LiveState
  readonly done: ReadonlySet<Change>
  readonly knownIds: ReadonlyMap<string, string>
}

/** A plan to apply and how to start writing it. */
interface ApplySource {
  readonly plan: Plan
  /** The manifests of the sequences it changes (the verdict re-plans them). */
  readonly managed: readonly ManagedSequence[]
  readonly manifestsChanged: boolean | null
  /** Contacts per write call: a saved plan's own (what its call estimate assumed), else the config's. */
  readonly batchSize: number
  /** Who the key acts as (users/api_profile), for the header. */
  readonly keyOwner: KeyOwner | null
  /** Reads what the writes need; a saved plan is refused here (StalePlanError) when Apollo moved. */
  readonly prepare: () => Promise<WriteStart>
}

/** What the write phase reports and can be stopped by. */
export interface WriteControl {
  readonly signal?: AbortSignal
  readonly onProgress?: (progress: ApplyProgress) => void
}

/** Runs the write phase; the command wraps it with Ctrl-C handling and a progress display. */
export type WriteSession = (writes: (control: WriteControl) => Promise<ApplyReport>) => Promise<ApplyReport>

export interface RunApplyInput {
  /** A plan file to apply exactly, or manifests to plan first (services/apply-target.ts). */
  readonly target: ApplyTarget
  /** `--sequence NAME_OR_ID` when planning from manifests. Empty = all. */
  readonly sequenceFilter: readonly string[]
  readonly config: ResolvedConfig
  readonly apiUrl: string
  readonly client: ApolloClient
  readonly guards: ApplyGuards
  /** Called with the plan and where it is applied as soon as they are known, before any check (the command shows them). */
  readonly onPlan: (plan: Plan, target: PlanTarget) => void
  /** Asked once the plan passed every check, before the first write; null = apply without asking. */
  readonly confirm: (() => Promise<boolean>) | null
  readonly writeSession?: WriteSession
  /** Planning from manifests: their validation warnings, as soon as they are loaded (as for plan). */
  readonly onWarnings?: (issues: readonly Issue[]) => void
  /** Planning from manifests: the read's cost against the quota, before the bulk of it (as for plan). */
  readonly onReadCost?: (cost: ReadCost) => void
}

export type ApplyResult =
  /** The plan has no changes: nothing was checked or written. */
  | {readonly kind: 'nothing-to-do'; readonly report: ApplyReport}
  /** Writes were made and decided from Apollo's answers: the report says what converged. */
  | {readonly kind: 'applied'; readonly report: ApplyReport}
  /** Writes were sent but an error stopped the re-read of what was uncertain: Apollo may not match the manifests. */
  | {readonly kind: 'unverified'; readonly error: SeqsyncError}

/**
 * `seqsync apply`: get the plan, refuse it when unreviewed, unsafe or stale, confirm, write, judge.
 * Throws (nothing written) on every refusal; once writes were sent, an error becomes `unverified`.
 */
export async function runApply(input: RunApplyInput): Promise<ApplyResult> {
  const {config, client} = input
  const source = input.target.kind === 'plan-file' ? await fromPlanFile(input.target.path, input) : await planNow(input)
  const {plan} = source
  input.onPlan(plan, {apiHost: extractApiHost(input.apiUrl), keyOwner: source.keyOwner})
  if (!hasChanges(plan)) {
    return {
      kind: 'nothing-to-do',
      report: emptyReport(plan, source.manifestsChanged, input.target.kind !== 'plan-file'),
    }
  }
  checkGuards(plan, config, input.guards)
  const before = client.callCounts()
  const start = await source.prepare()
  // Again on Apollo's own member counts: the brakes' percent rule must not rest on counts a plan
  // file carries (its fileHash is no secret), only on what the fresh read shows.
  checkGuards(withLiveCounts(plan, start.base, start.done), config, input.guards)
  if (input.confirm && !(await input.confirm())) throw new NotConfirmedError('Apply cancelled: nothing was written.')
  const session: WriteSession = input.writeSession ?? ((writes) => writes({}))
  try {
    const report = await session(async (control) => {
      const outcome = await applyPlan(withoutDone(plan, start.done), client, {
        batchSize: source.batchSize,
        bulkCreate: BULK_CREATE_LIMIT,
        concurrency: config.concurrency,
        knownIds: start.knownIds,
        ...(control.signal ? {signal: control.signal} : {}),
        ...(control.onProgress ? {onProgress: control.onProgress} : {}),
      })
      const observed = new ObservedState(start.base, plan, outcome.answers)
      await rereadUncertain(client, outcome, observed)
      return buildApplyReport({
        plan,
        managed: source.managed,
        observed,
        done: start.done,
        outcome,
        manifestsChanged: source.manifestsChanged,
        calls: callsSince(before, client.callCounts()),
      })
    })
    return {kind: 'applied', report}
  } catch (error) {
    // The applier continues on per-batch errors, so an error here (a quota running out on the
    // re-read, say) came after writes were sent: Apollo is unverified, never "nothing written".
    if (error instanceof SeqsyncError) return {kind: 'unverified', error}
    throw error
  }
}

/**
 * A saved plan, applied exactly: refused if made against another host; before writing, the
 * sequences it changes are read again and checked against its basis.
 */
async function fromPlanFile(path: string, input: RunApplyInput): Promise<ApplySource> {
  const file = await readPlanFile(path)
  assertSameApiHost(file, input.apiUrl)
  return {
    plan: file.plan,
    managed: file.basis,
    manifestsChanged: await manifestsChangedSince(file, input.config),
    batchSize: file.batchSize,
    keyOwner: await input.client.getApiProfile(),
    prepare: async () => {
      const fresh = await readLiveState(
        input.client,
        reducedDesiredState(file.basis.map((b) => b.sequenceId)),
        input.onReadCost ? {onReadPlan: reportReadCost(input.client, input.onReadCost)} : {},
      )
      const check = checkBasis(file.plan, file.basis, fresh, file.keyOwnerUserId)
      if (check.stale.length > 0) {
        throw new StalePlanError(check.stale.map((item) => describeStaleItem(item, input.config.maskEmails)))
      }
      return {base: fresh, done: check.done, knownIds: check.knownIds}
    },
  }
}

/** The manifests (PATHs, else the config's globs) planned now: the plan's own read is the start. */
async function planNow(input: RunApplyInput): Promise<ApplySource> {
  const paths = input.target.kind === 'manifests' ? input.target.paths : []
  const result = await createPlan({
    paths,
    config: input.config,
    client: input.client,
    sequenceFilter: input.sequenceFilter,
    ...(input.onWarnings ? {onWarnings: input.onWarnings} : {}),
    ...(input.onReadCost ? {onReadCost: input.onReadCost} : {}),
  })
  return {
    plan: result.plan,
    managed: pairManagedSequences(result.plan, result.desired, result.live),
    manifestsChanged: null,
    batchSize: input.config.batchSize,
    keyOwner: result.live.keyOwner,
    prepare: () => Promise.resolve({base: result.live, done: new Set(), knownIds: new Map()}),
  }
}

/**
 * Whether the manifests of this checkout (the config's globs) differ from those the saved plan was
 * made from; null when the config names none. Manifests that no longer load count as changed.
 */
async function manifestsChangedSince(file: PlanFile, config: ResolvedConfig): Promise<boolean | null> {
  if (config.manifests.length === 0) return null
  try {
    const {desired} = await loadDesiredState([], config)
    return hashDesiredState(filterSequences(desired, file.sequenceFilter)) !== file.desiredHash
  } catch (error) {
    if (error instanceof SeqsyncError) return true
    throw error
  }
}

/**
 * The plan with each sequence's `liveMembers` as the fresh read counts them, with what this plan
 * already did undone (a done removal was a member when planned, a done add was not): the count the
 * plan would have been made against now. Members that appeared since count, as in a new plan.
 */
function withLiveCounts(plan: Plan, fresh: LiveState, done: ReadonlySet<Change>): Plan {
  return {
    ...plan,
    sequences: plan.sequences.map((s) => {
      let count = 0
      for (const id of fresh.members.get(s.id) ?? []) {
        const contact = fresh.contacts.get(id)
        if (contact !== undefined && statusIn(contact, s.id) !== 'absent') count++
      }
      for (const c of s.changes) {
        if (!done.has(c)) continue
        if (c.kind === 'remove') count++
        else if (c.kind === 'add') count--
      }
      return {...s, liveMembers: Math.max(0, count)}
    }),
  }
}

/** The plan without the changes already done: what this run writes. */
function withoutDone(plan: Plan, done: ReadonlySet<Change>): Plan {
  if (done.size === 0) return plan
  return {...plan, sequences: plan.sequences.map((s) => ({...s, changes: s.changes.filter((c) => !done.has(c))}))}
}

/**
 * The report of an apply with nothing to do, no calls: converged unless the manifests changed since
 * the plan; verified only when the plan was made from Apollo just now (a saved plan is not re-read).
 */
function emptyReport(plan: Plan, manifestsChanged: boolean | null, verified: boolean): ApplyReport {
  return {
    formatVersion: 1,
    planHash: plan.planHash,
    converged: manifestsChanged !== true,
    verified,
    interrupted: false,
    summary: {applied: 0, alreadyDone: 0, skipped: 0, failed: 0, differences: 0},
    sequences: [],
    problems: [],
    manifestsChanged,
    calls: {},
  }
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
