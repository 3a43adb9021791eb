// Words for the quota preflight of a read (services/read-cost.ts): what the read will cost against
// the quota, printed on stderr before the bulk of the read, and the same sentences in the JSON cost.

import {formatDuration} from '../model/duration.js'
import type {QuotaShortfall, ReadCost} from '../model/plan.js'

const count = (n: number): string => n.toLocaleString('en-US')

/** "needs ~720 contacts/search calls, 580 left this hour: it will wait ~47 min with --wait-for-quota, or stop". */
export function describeQuotaShortfall(s: QuotaShortfall): string {
  const when = s.window === 'hour' ? 'this hour' : 'today'
  return `needs ~${count(s.needed)} ${s.endpoint} calls, ${count(s.left)} left ${when}: it will wait ~${formatDuration(s.waitMs)} with --wait-for-quota, or stop`
}

/** The preflight lines (none when nothing is left to read). */
export function renderReadCost(cost: ReadCost): string[] {
  const endpoints = Object.entries(cost.estimatedCalls).filter(([, n]) => n > 0)
  if (cost.strategy === 'none' || endpoints.length === 0) return []
  const lookups = Object.values(cost.estimatedCalls).reduce((a, b) => a + b, 0)
  const head =
    cost.phase === 'look-ups'
      ? `Looking up the ${count(lookups)} declared contacts the sweep did not see:`
      : cost.strategy === 'scan'
        ? `Reading Apollo by a scan of every contact (${count(cost.contacts ?? 0)}):`
        : `Reading Apollo by a sweep of the ${count(cost.members ?? 0)} members of the sequences (declared contacts it does not see, if any, are looked up after it):`
  const lines = [head]
  for (const [endpoint, n] of endpoints) {
    const q = cost.quota[endpoint]
    const left = [
      q?.hour === null || q?.hour === undefined ? null : `${count(q.hour)} left this hour`,
      q?.day === null || q?.day === undefined ? null : `${count(q.day)} today`,
    ].filter((x): x is string => x !== null)
    lines.push(`  ${endpoint}: ~${count(n)} more calls${left.length > 0 ? `; ${left.join(', ')}` : ''}`)
  }
  for (const s of cost.shortfalls) lines.push(`  warning: ${describeQuotaShortfall(s)}`)
  return lines
}
