// Safety limits on removals (remove + finish + stop), checked before apply writes anything. Pure.

import type {Plan} from '../model/plan.js'

export interface SafetyLimits {
  readonly maxRemovals: number
  readonly maxRemovalPercent: number
  readonly minSequenceSize: number
}

export interface SafetyAssessment {
  /** remove + finish + stop in the whole plan (what `--allow-removals N` must equal). */
  readonly planned: number
  /** Empty = safe. */
  readonly violations: string[]
}

function isRemoval(kind: string): boolean {
  return kind === 'remove' || kind === 'finish' || kind === 'stop'
}

export function assessSafety(plan: Plan, limits: SafetyLimits): SafetyAssessment {
  const violations: string[] = []
  let planned = 0
  for (const seq of plan.sequences) {
    const n = seq.changes.filter((c) => isRemoval(c.kind)).length
    planned += n
    // n / liveMembers > percent / 100, in integers.
    if (n > 0 && seq.liveMembers >= limits.minSequenceSize && n * 100 > limits.maxRemovalPercent * seq.liveMembers) {
      const pct = Math.round((n * 1000) / seq.liveMembers) / 10
      violations.push(
        `would remove/finish/stop ${n} of ${seq.liveMembers} live members (${pct}%) of sequence "${seq.name}" (${seq.id}), more than safety.maxRemovalPercent (${limits.maxRemovalPercent}%)`,
      )
    }
  }
  if (planned > limits.maxRemovals) {
    violations.unshift(
      `would remove/finish/stop ${planned} contacts in total, more than safety.maxRemovals (${limits.maxRemovals})`,
    )
  }
  return {planned, violations}
}
