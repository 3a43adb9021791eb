// Pure: the ApplyReport. Each change of the plan counts as applied when the observed state (the
// read before writing, the write answers, the re-read of what they left uncertain) shows its target;
// otherwise Apollo's skip reason or the error says why. The verdict then re-plans the manifests of
// the changed sequences against that state: Apollo matches only when nothing remains, and whatever
// remains that the plan did not have appeared in Apollo since the plan was made.

import {BugError} from '../errors.js'
import type {AppliedItem, ApplyReport, FailedItem, SequenceReport, SkippedItem} from '../model/apply-report.js'
import type {ManagedSequence} from '../model/plan-basis.js'
import type {Change, Plan} from '../model/plan.js'
import {normalizeEmail} from '../model/state.js'
import {computePlan} from '../planner/compute-plan.js'
import type {ApplyOutcome, ChangeOutcome} from './apply-plan.js'
import type {ObservedState} from './observed-state.js'
import {isAtTarget} from './targets.js'

/** Reason recorded when Apollo took the call but does not show the change. */
export const NOT_CONVERGED = 'not-converged'

export interface VerdictInput {
  /** The whole plan (the reviewed one when it came from a file). */
  readonly plan: Plan
  /** The manifests of the sequences the plan changes, with the ids they were planned on. */
  readonly managed: readonly ManagedSequence[]
  readonly observed: ObservedState
  /** Changes already at their target before this run wrote anything: not sent. */
  readonly done: ReadonlySet<Change>
  /** The applier's outcome for every change not done. */
  readonly outcome: ApplyOutcome
  readonly manifestsChanged: boolean | null
  readonly calls: Readonly<Record<string, number>>
}

export function buildApplyReport(input: VerdictInput): ApplyReport {
  const {plan, observed, done, outcome} = input
  // Changes that did not happen, by every key a re-planned change may have: what remains of them is explained.
  const unmet = new Set<string>()
  const sequences = plan.sequences.map((sequence) => {
    const applied: AppliedItem[] = []
    const alreadyDone: AppliedItem[] = []
    const skipped: SkippedItem[] = []
    const failed: FailedItem[] = []
    for (const change of sequence.changes) {
      if (done.has(change)) {
        alreadyDone.push({kind: change.kind, contactId: change.contactId, email: change.email})
        continue
      }
      const result = outcome.outcomes.get(change)
      if (result === undefined) throw new BugError('the apply outcome has no entry for a planned change')
      const contactId = result.contactId ?? change.contactId
      const item = {kind: change.kind, contactId, email: change.email}
      if (reachedTarget(change, contactId, outcome.createdIds, observed)) {
        applied.push(item)
        continue
      }
      for (const key of changeKeys(change, contactId)) unmet.add(key)
      const why = explain(result)
      if ('reason' in why) skipped.push({...item, reason: why.reason})
      else failed.push({...item, error: why.error})
    }
    return {sequence, applied, alreadyDone, skipped, failed}
  })

  const replan = computePlan({sequences: input.managed.map((m) => m.desired)}, observed.toLiveState(input.managed))
  const differences = new Map<string, AppliedItem[]>()
  for (const s of replan.sequences) {
    for (const change of s.changes) {
      if (changeKeys(change, change.contactId).some((k) => unmet.has(k))) continue
      const list = differences.get(change.sequenceId) ?? []
      list.push({kind: change.kind, contactId: change.contactId, email: change.email})
      differences.set(change.sequenceId, list)
    }
  }

  const reports: SequenceReport[] = sequences.map(({sequence, ...items}) => {
    const diff = differences.get(sequence.id) ?? []
    const remaining = items.skipped.length + items.failed.length + diff.length
    return {id: sequence.id, name: sequence.name, ...items, differences: diff, converged: remaining === 0, remaining}
  })
  const sum = (pick: (s: SequenceReport) => number): number => reports.reduce((n, s) => n + pick(s), 0)
  const summary = {
    applied: sum((s) => s.applied.length),
    alreadyDone: sum((s) => s.alreadyDone.length),
    skipped: sum((s) => s.skipped.length),
    failed: sum((s) => s.failed.length),
    differences: sum((s) => s.differences.length) + replan.errors.length,
  }
  return {
    formatVersion: 1,
    planHash: plan.planHash,
    converged: reports.every((s) => s.converged) && replan.errors.length === 0 && input.manifestsChanged !== true,
    verified: true,
    interrupted: outcome.interruption !== null,
    summary,
    sequences: reports,
    problems: replan.errors,
    manifestsChanged: input.manifestsChanged,
    calls: {...input.calls},
  }
}

/** Whether the observed state (for creates: Apollo's answer) shows the change's target. */
function reachedTarget(
  change: Change,
  contactId: string | null,
  createdIds: ReadonlyMap<string, string>,
  observed: ObservedState,
): boolean {
  if (change.kind === 'create') return createdIds.has(normalizeEmail(change.email))
  return contactId !== null && isAtTarget(change.kind, observed.statusOf(contactId, change.sequenceId))
}

/** Why a change that did not reach its target did not: Apollo's skip reason, or the error. */
function explain(result: ChangeOutcome): {reason: string} | {error: string} {
  switch (result.status) {
    case 'skipped':
      return {reason: result.reason ?? NOT_CONVERGED}
    case 'failed':
      return {error: result.error ?? 'failed'}
    case 'not-attempted':
      return {error: `not attempted: ${result.error ?? result.reason ?? 'the run stopped early'}`}
    case 'uncertain':
      if (result.reason !== undefined) return {reason: result.reason}
      return result.error !== undefined ? {error: result.error} : {reason: NOT_CONVERGED}
    case 'applied':
      return {reason: NOT_CONVERGED}
  }
}

/** The identities of a change: by contact id and by email (a create is the same in every sequence). */
function changeKeys(change: Change, contactId: string | null): string[] {
  const email = change.email === null ? null : normalizeEmail(change.email)
  const scope = change.kind === 'create' ? 'create' : `${change.kind}|${change.sequenceId}`
  return [
    ...(contactId === null ? [] : [`${scope}|id:${contactId}`]),
    ...(email === null ? [] : [`${scope}|email:${email}`]),
  ]
}
