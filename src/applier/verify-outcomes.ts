// Pure: turns the applier's per-change outcomes and a re-read of the affected sequences into the
// ApplyReport. The re-read is the truth: a change counts as applied only when Apollo now shows it.

import {BugError} from '../errors.js'
import type {AppliedItem, ApplyReport, FailedItem, SequenceReport, SkippedItem} from '../model/apply-report.js'
import type {Change, Plan} from '../model/plan.js'
import type {LiveStatus} from '../model/state.js'
import {normalizeEmail} from '../model/state.js'
import type {ApplyOutcome, ChangeOutcome} from './apply-plan.js'
import type {MemberSweep} from './find-stale-changes.js'
import {findLiveStatus} from './find-stale-changes.js'

/** Reason recorded when a call "succeeded" but the re-read does not show the change. */
export const NOT_CONVERGED = 'not-converged'

export function buildApplyReport(
  plan: Plan,
  outcome: ApplyOutcome,
  after: MemberSweep,
  calls: Record<string, number>,
): ApplyReport {
  const sequences: SequenceReport[] = plan.sequences.map((sequence) => {
    const applied: AppliedItem[] = []
    const skipped: SkippedItem[] = []
    const failed: FailedItem[] = []
    for (const change of sequence.changes) {
      const result = outcome.outcomes.get(change)
      if (result === undefined) throw new BugError('the apply outcome has no entry for a planned change')
      const contactId = resolveContactId(change, result, outcome.createdIds)
      const item = {kind: change.kind, contactId, email: change.email}
      if (reachedTarget(change, contactId, outcome.createdIds, after)) {
        applied.push(item)
        continue
      }
      switch (result.status) {
        case 'skipped':
          skipped.push({...item, reason: result.reason ?? NOT_CONVERGED})
          break
        case 'failed':
          failed.push({...item, error: result.error ?? 'failed'})
          break
        case 'not-attempted':
          failed.push({...item, error: `not attempted: ${result.error ?? result.reason ?? 'the run stopped early'}`})
          break
        case 'applied':
          skipped.push({...item, reason: NOT_CONVERGED})
          break
      }
    }
    const remaining = skipped.length + failed.length
    return {id: sequence.id, name: sequence.name, applied, skipped, failed, converged: remaining === 0, remaining}
  })
  const sum = (pick: (s: SequenceReport) => number): number => sequences.reduce((n, s) => n + pick(s), 0)
  return {
    formatVersion: 1,
    planHash: plan.planHash,
    converged: sequences.every((s) => s.converged),
    interrupted: outcome.interrupted,
    summary: {
      applied: sum((s) => s.applied.length),
      skipped: sum((s) => s.skipped.length),
      failed: sum((s) => s.failed.length),
    },
    sequences,
    calls: {...calls},
  }
}

function resolveContactId(
  change: Change,
  result: ChangeOutcome,
  createdIds: ReadonlyMap<string, string>,
): string | null {
  if (result.contactId !== null) return result.contactId
  if (change.contactId !== null) return change.contactId
  return createdIds.get(normalizeEmail(change.email)) ?? null
}

/** Whether the re-read (or, for creates, Apollo's answer) shows the change's target state. */
function reachedTarget(
  change: Change,
  contactId: string | null,
  createdIds: ReadonlyMap<string, string>,
  after: MemberSweep,
): boolean {
  if (change.kind === 'create') return createdIds.has(normalizeEmail(change.email))
  if (contactId === null) return false
  const status: LiveStatus = findLiveStatus(after, contactId, change.sequenceId)
  switch (change.kind) {
    case 'add':
      return status === 'active' || status === 'paused'
    case 'remove':
      return status === 'absent'
    case 'finish':
      return status === 'finished'
    case 'stop':
      return status === 'paused' || status === 'finished'
  }
}
