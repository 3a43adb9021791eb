// Safety limits on adds (they email real people) and on removals (remove + finish + stop), checked
// before apply writes anything and shown by plan. Pure.

import type {Plan, SafetyAssessment, SafetyViolation} from '../model/plan.js'

export interface SafetyLimits {
  readonly maxAdds: number
  readonly maxRemovals: number
  readonly maxRemovalPercent: number
  readonly minSequenceSize: number
}

export function assessSafety(plan: Plan, limits: SafetyLimits): SafetyAssessment {
  const perSequence: SafetyViolation[] = []
  let adds = 0
  let removals = 0
  for (const seq of plan.sequences) {
    adds += seq.changes.filter((c) => c.kind === 'add').length
    const n = seq.changes.filter((c) => c.kind === 'remove' || c.kind === 'finish' || c.kind === 'stop').length
    removals += n
    // n / liveMembers > percent / 100, in integers.
    if (n > 0 && seq.liveMembers >= limits.minSequenceSize && n * 100 > limits.maxRemovalPercent * seq.liveMembers) {
      perSequence.push({
        code: 'removal-percent',
        sequenceId: seq.id,
        sequenceName: seq.name,
        removals: n,
        liveMembers: seq.liveMembers,
        maxRemovalPercent: limits.maxRemovalPercent,
      })
    }
  }
  const violations: SafetyViolation[] = []
  if (adds > limits.maxAdds) violations.push({code: 'too-many-adds', planned: adds, maxAdds: limits.maxAdds})
  if (removals > limits.maxRemovals) {
    violations.push({code: 'too-many-removals', planned: removals, maxRemovals: limits.maxRemovals})
  }
  const all = [...violations, ...perSequence]
  const overAdds = all.some((v) => v.code === 'too-many-adds')
  const overRemovals = all.some((v) => v.code !== 'too-many-adds')
  return {
    adds,
    removals,
    violations: all,
    required: {allowAdds: overAdds ? adds : null, allowRemovals: overRemovals ? removals : null},
  }
}
