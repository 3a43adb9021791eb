// Safety limits on removals (remove + finish + stop), checked before apply writes anything. Pure.

import type {Plan, SafetyViolation} from '../model/plan.js'

export interface SafetyLimits {
  readonly maxRemovals: number
  readonly maxRemovalPercent: number
  readonly minSequenceSize: number
}

export interface SafetyAssessment {
  /** remove + finish + stop in the whole plan (what `--allow-removals N` must equal). */
  readonly planned: number
  /** Empty = safe. The total first, then per sequence in plan order. */
  readonly violations: SafetyViolation[]
}

export function assessSafety(plan: Plan, limits: SafetyLimits): SafetyAssessment {
  const violations: SafetyViolation[] = []
  let planned = 0
  for (const seq of plan.sequences) {
    const n = seq.changes.filter((c) => c.kind === 'remove' || c.kind === 'finish' || c.kind === 'stop').length
    planned += n
    // n / liveMembers > percent / 100, in integers.
    if (n > 0 && seq.liveMembers >= limits.minSequenceSize && n * 100 > limits.maxRemovalPercent * seq.liveMembers) {
      violations.push({
        code: 'removal-percent',
        sequenceId: seq.id,
        sequenceName: seq.name,
        removals: n,
        liveMembers: seq.liveMembers,
        maxRemovalPercent: limits.maxRemovalPercent,
      })
    }
  }
  if (planned > limits.maxRemovals) {
    violations.unshift({code: 'too-many-removals', planned, maxRemovals: limits.maxRemovals})
  }
  return {planned, violations}
}
