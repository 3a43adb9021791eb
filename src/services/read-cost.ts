// The quota preflight of a read (issue 11.4): once the reader has chosen its strategy, what it still
// needs per endpoint against what Apollo reports as left in the current hour and day (the rate-limit
// headers of the calls made so far; usage_stats for an endpoint not called yet, when the key may
// read it), and how long `--wait-for-quota` would wait where it does not fit. No printing.

import type {ReadPlan} from '../apollo/read-live-state.js'
import type {ApolloClient, Endpoint, RateWindow, WindowStatus} from '../apollo/types.js'
import type {QuotaShortfall, ReadCost} from '../model/plan.js'

type Windows = Partial<Record<RateWindow, Pick<WindowStatus, 'left' | 'limit'> & {readonly resetAt: number | null}>>

export async function assessReadPlan(plan: ReadPlan, client: ApolloClient, now: number): Promise<ReadCost> {
  const endpoints = Object.keys(plan.remainingCalls) as Endpoint[]
  const known: Partial<Record<Endpoint, Windows>> = {...client.quotaStatus()}
  if (endpoints.some((e) => known[e] === undefined)) {
    const usage = await client.getUsageStats()
    for (const e of endpoints) {
      const u = usage?.[e]
      if (known[e] === undefined && u !== undefined) {
        known[e] = {hour: {...u.hour, resetAt: null}, day: {...u.day, resetAt: null}}
      }
    }
  }
  const quota: Record<string, {hour: number | null; day: number | null}> = {}
  const shortfalls: QuotaShortfall[] = []
  for (const endpoint of endpoints) {
    const needed = plan.remainingCalls[endpoint] ?? 0
    const windows = known[endpoint] ?? {}
    quota[endpoint] = {hour: windows.hour?.left ?? null, day: windows.day?.left ?? null}
    for (const window of ['hour', 'day'] as const) {
      const w = windows[window]
      if (w?.left === null || w?.left === undefined || needed <= w.left) continue
      const lengthMs = client.windowLengthMs(window)
      // Until this window resets (at most one window away), then one whole window per window more.
      const more = w.limit === null || w.limit <= 0 ? 0 : Math.ceil((needed - w.left) / w.limit) - 1
      const untilReset = w.resetAt === null ? lengthMs : Math.max(0, w.resetAt - now)
      shortfalls.push({endpoint, window, needed, left: w.left, waitMs: untilReset + more * lengthMs})
    }
  }
  return {
    strategy: plan.strategy,
    phase: plan.phase,
    members: plan.members,
    contacts: plan.contacts,
    estimatedCalls: {...plan.remainingCalls},
    quota,
    shortfalls,
  }
}

/** A reader's `onReadPlan` hook: each read plan, assessed against the quota when told, goes to `onCost`. */
export function reportReadCost(
  client: ApolloClient,
  onCost: (cost: ReadCost) => void,
): (plan: ReadPlan) => Promise<void> {
  return async (plan) => onCost(await assessReadPlan(plan, client, Date.now()))
}
