// The pure planner: desired state (manifests) + live state (Apollo) -> Plan. Synchronous, total,
// deterministic: the output depends on the order of desired.sequences (plan order) and on nothing
// else's order (maps, id lists, entries and memberships are all canonicalised).
//
// Sequence by sequence (plan-sequence.ts), then the skip forecast over all of them
// (forecast-skips.ts: definite and possible skips), then the Plan with its hash and summary. Orderings live in compare.ts.

import type {AddChange, Change, Plan, PlanProblem, PlanSummary, PlanWarning, SequencePlan} from '../model/plan.js'
import type {DesiredSequence, DesiredState, LiveSequence, LiveState} from '../model/state.js'
import {selectorKey} from '../model/state.js'
import {compareProblems, compareStrings, compareWarnings} from './compare.js'
import {forecastSkips} from './forecast-skips.js'
import type {SkipForecast} from './forecast-skips.js'
import {hashPlanChanges} from './plan-hash.js'
import type {SequenceDraft} from './plan-sequence.js'
import {planSequence} from './plan-sequence.js'

/**
 * Compute the plan. Never throws on bad input: problems are `plan.errors` (a plan with errors must
 * not be applied).
 */
export function computePlan(desired: DesiredState, live: LiveState): Plan {
  const problems: PlanProblem[] = []
  const drafts: SequenceDraft[] = []
  const createdEmails = new Set<string>()
  const claimedSequences = new Map<string, DesiredSequence>()

  for (const ds of desired.sequences) {
    const seq = resolveSequence(ds, live, problems)
    if (!seq) continue
    const earlier = claimedSequences.get(seq.id)
    if (earlier) {
      problems.push({
        code: 'sequence-duplicate',
        selector: ds.selector,
        sequenceId: seq.id,
        otherSelector: earlier.selector,
        source: ds.source,
      })
      continue
    }
    claimedSequences.set(seq.id, ds)
    drafts.push(planSequence(ds, seq, live, problems, createdEmails))
  }

  const forecasts = forecastSkips(drafts, live)
  const sequences = drafts.map((d) => toSequencePlan(d, forecasts))
  return {
    formatVersion: 1,
    planHash: hashPlanChanges(sequences),
    summary: summarise(sequences),
    sequences,
    errors: problems.sort(compareProblems),
  }
}

function resolveSequence(ds: DesiredSequence, live: LiveState, problems: PlanProblem[]): LiveSequence | null {
  const found = [...(live.sequences.get(selectorKey(ds.selector)) ?? [])].sort((a, b) => compareStrings(a.id, b.id))
  const [first] = found
  const {selector, source} = ds
  if (!first) {
    problems.push({code: 'sequence-not-found', selector, source})
    return null
  }
  if (found.length > 1) {
    problems.push({code: 'sequence-ambiguous', selector, sequenceIds: found.map((s) => s.id), source})
    return null
  }
  if (first.archived) {
    problems.push({code: 'sequence-archived', selector, sequenceId: first.id, source})
    return null
  }
  return first
}

/** The sequence's part of the Plan: its changes with their skip forecasts, its warnings sorted. */
function toSequencePlan(d: SequenceDraft, forecasts: ReadonlyMap<AddChange, SkipForecast>): SequencePlan {
  const warnings: PlanWarning[] = [...d.warnings]
  const changes = d.drafts.map(({change}): Change => {
    const forecast = change.kind === 'add' ? forecasts.get(change) : undefined
    if (change.kind !== 'add' || forecast === undefined) return change
    const about = {contactId: change.contactId, email: change.email, source: change.source}
    if (forecast.certainty === 'definite') {
      warnings.push({code: 'skip-forecast', skipReason: forecast.reason, ...about})
      return {...change, forecastSkip: forecast.reason}
    }
    warnings.push({code: 'skip-possible', possibleSkip: forecast.skip, ...about})
    return {...change, possibleSkip: forecast.skip}
  })
  return {
    id: d.live.id,
    name: d.live.name,
    active: d.live.active,
    source: d.desired.source,
    prune: d.desired.prune,
    pruneScope: d.desired.pruneScope,
    liveMembers: d.liveMembers,
    unmanaged: d.unmanaged,
    changes,
    warnings: warnings.sort(compareWarnings),
  }
}

/** The plan's totals, from its changes (parse-plan.ts derives a saved plan's the same way). */
export function summarise(sequences: readonly SequencePlan[]): PlanSummary {
  const s = {add: 0, remove: 0, finish: 0, stop: 0, create: 0, skipsForecast: 0, skipsPossible: 0}
  for (const seq of sequences) {
    for (const c of seq.changes) {
      s[c.kind]++
      if (c.kind === 'add' && c.forecastSkip !== undefined) s.skipsForecast++
      if (c.kind === 'add' && c.possibleSkip !== undefined) s.skipsPossible++
    }
  }
  return s
}
