// Warnings grouped for people (text and Markdown): one group per code and sentence, with the exact
// count and a few examples, so tens of thousands of warnings stay a few lines. JSON keeps every one.
// Pure.

import type {PlanWarning, WarningCode} from '../model/plan.js'
import {describeWarning} from './reasons.js'

/** Examples shown per group of warnings (or of validation issues); the count is always exact. */
export const EXAMPLES_PER_GROUP = 3

export interface WarningGroup {
  readonly code: WarningCode
  /** The warning's sentence, the same for every member of the group. */
  readonly sentence: string
  /** Every warning of the group, in plan order. */
  readonly warnings: readonly PlanWarning[]
}

/** Groups in order of first appearance (the planner sorts warnings by code, then contact). */
export function groupWarnings(warnings: readonly PlanWarning[]): WarningGroup[] {
  const groups = new Map<string, {code: WarningCode; sentence: string; warnings: PlanWarning[]}>()
  for (const w of warnings) {
    const sentence = describeWarning(w)
    const key = `${w.code}\u0000${sentence}`
    const group = groups.get(key)
    if (group) group.warnings.push(w)
    else groups.set(key, {code: w.code, sentence, warnings: [w]})
  }
  return [...groups.values()]
}

/** `N contacts` / `1 contact`, the subject of a group line. */
export function countContacts(n: number): string {
  return `${n} contact${n === 1 ? '' : 's'}`
}
