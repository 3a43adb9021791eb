// The planner's orderings, in one place: changes within a sequence, warnings, problems. Each is a
// total order on the data, so the plan never depends on the order maps or id lists come in.

import {CHANGE_ORDER, WARNING_CODES} from '../model/plan.js'
import type {ChangeKind, PlanProblem, PlanWarning} from '../model/plan.js'
import type {SourceRef} from '../model/state.js'
import {normalizeEmail} from '../model/state.js'

export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

/** null sorts after any string. */
export function compareNullable(a: string | null, b: string | null): number {
  if (a === b) return 0
  if (a === null) return 1
  if (b === null) return -1
  return compareStrings(a, b)
}

/** By file, line, column; a missing source sorts last. */
export function compareSources(a: SourceRef | null, b: SourceRef | null): number {
  if (!a || !b) return a ? -1 : b ? 1 : 0
  return compareStrings(a.file, b.file) || a.line - b.line || a.col - b.col
}

/** A change with its normalised email (planner/plan-sequence.ts Draft). */
interface Ordered {
  readonly change: {readonly kind: ChangeKind; readonly contactId: string | null}
  readonly normEmail: string | null
}

/** CHANGE_ORDER, then normalised email (contacts without one last), then contact id. */
export function compareChanges(a: Ordered, b: Ordered): number {
  return (
    CHANGE_ORDER.indexOf(a.change.kind) - CHANGE_ORDER.indexOf(b.change.kind) ||
    compareNullable(a.normEmail, b.normEmail) ||
    compareNullable(a.change.contactId, b.change.contactId)
  )
}

/** By kind of warning, then the contact it is about; the data breaks the remaining ties. */
export function compareWarnings(a: PlanWarning, b: PlanWarning): number {
  return (
    WARNING_CODES.indexOf(a.code) - WARNING_CODES.indexOf(b.code) ||
    compareNullable(
      a.email === null ? null : normalizeEmail(a.email),
      b.email === null ? null : normalizeEmail(b.email),
    ) ||
    compareNullable(a.contactId, b.contactId) ||
    compareStrings(JSON.stringify(a), JSON.stringify(b))
  )
}

/** By manifest location, then code; the data breaks the remaining ties. */
export function compareProblems(a: PlanProblem, b: PlanProblem): number {
  return (
    compareSources(a.source, b.source) ||
    compareStrings(a.code, b.code) ||
    compareStrings(JSON.stringify(a), JSON.stringify(b))
  )
}
