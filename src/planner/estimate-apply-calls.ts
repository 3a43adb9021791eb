// Write calls `apply` will need per endpoint label (the labels of apollo/types.ts `Endpoint`; this
// module must not import apollo/). Mirrors the applier's batching: adds per (sequence, mailbox,
// switches), removals per (sequence, mode), creates 100 per call. Pure.

import type {Plan} from '../model/plan.js'
import {canonicalJson} from './plan-hash.js'

export const BULK_CREATE_LIMIT = 100

export function estimateApplyCalls(plan: Plan, batchSize: number): Record<string, number> {
  const size = Math.max(1, Math.floor(batchSize))
  let creates = 0
  const adds = new Map<string, number>()
  const removals = new Map<string, number>()
  for (const seq of plan.sequences) {
    for (const c of seq.changes) {
      if (c.kind === 'create') creates++
      else if (c.kind === 'add') {
        const key = canonicalJson([c.sequenceId, c.mailboxId ?? null, c.enroll ? {...c.enroll} : null])
        adds.set(key, (adds.get(key) ?? 0) + 1)
      } else {
        const key = canonicalJson([c.sequenceId, c.kind])
        removals.set(key, (removals.get(key) ?? 0) + 1)
      }
    }
  }
  const batches = (groups: Map<string, number>): number =>
    [...groups.values()].reduce((sum, n) => sum + Math.ceil(n / size), 0)
  const out: Record<string, number> = {}
  if (creates > 0) out['contacts/bulk_create'] = Math.ceil(creates / BULK_CREATE_LIMIT)
  if (adds.size > 0) out['emailer_campaigns/add_contact_ids'] = batches(adds)
  if (removals.size > 0) out['emailer_campaigns/remove_or_stop_contact_ids'] = batches(removals)
  return out
}
