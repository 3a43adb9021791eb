// The skip forecast (PRODUCT.md §2): which adds Apollo will refuse, decided over the state projected
// the way apply runs — every removal/finish/stop first, then adds sequence by sequence in plan order
// (within a sequence in change order), each add that is not skipped counting for the ones after it.

import type {AddChange, SkipReason} from '../model/plan.js'
import type {EnrollSwitches, LiveContact, LiveState, MemberStatus} from '../model/state.js'
import {statusIn} from '../model/state.js'
import type {Draft, SequenceDraft} from './plan-sequence.js'

/** Every add Apollo is expected to skip, with the reason it will give. */
export function forecastSkips(
  sequences: readonly SequenceDraft[],
  live: LiveState,
): ReadonlyMap<AddChange, SkipReason> {
  const projected = new Projected()
  for (const contact of live.contacts.values()) {
    const key = `id:${contact.id}`
    projected.setOrg(key, contact.organizationName)
    for (const membership of contact.memberships) {
      const st = statusIn(contact, membership.sequenceId)
      if (st !== 'absent') projected.setStatus(key, membership.sequenceId, st)
    }
  }
  for (const s of sequences) {
    for (const d of s.drafts) {
      if (d.change.kind === 'remove') projected.setStatus(identityOf(d), s.live.id, null)
      else if (d.change.kind === 'finish') projected.setStatus(identityOf(d), s.live.id, 'finished')
      else if (d.change.kind === 'stop') projected.setStatus(identityOf(d), s.live.id, 'paused')
    }
  }
  const skips = new Map<AddChange, SkipReason>()
  for (const s of sequences) {
    for (const d of s.drafts) {
      if (d.change.kind !== 'add') continue
      const key = identityOf(d)
      const contact = d.contact ?? null
      if (contact === null) projected.setOrg(key, d.details?.organization)
      const skip = forecastOne(contact, key, s.live.id, s.desired.enroll, projected)
      if (skip) skips.set(d.change, skip)
      else projected.setStatus(key, s.live.id, s.live.active ? 'active' : 'paused')
    }
  }
  return skips
}

/** Identity key: `id:<contact id>`, or `new:<normalised email>` for a contact this plan creates. */
function identityOf(d: Draft): string {
  return d.change.contactId !== null ? `id:${d.change.contactId}` : `new:${d.normEmail ?? ''}`
}

/** Apollo's add rules in its order of precedence; `contact` null = created by this plan (email unverified). */
function forecastOne(
  contact: LiveContact | null,
  key: string,
  sequenceId: string,
  enroll: EnrollSwitches,
  projected: Projected,
): SkipReason | undefined {
  if (contact !== null && (contact.email === null || contact.email.trim() === '') && !enroll.noEmail) {
    return 'contacts_without_email'
  }
  if ((contact === null || contact.emailStatus === 'unverified') && !enroll.unverifiedEmail) {
    return 'contacts_unverified_email'
  }
  let activeElsewhere = false
  let finishedElsewhere = false
  for (const [seqId, st] of projected.statusesOf(key)) {
    if (seqId === sequenceId) continue
    if (st === 'active' || st === 'paused') activeElsewhere = true
    if (st === 'finished') finishedElsewhere = true
  }
  if (activeElsewhere && !enroll.activeInOtherSequences) return 'contacts_active_in_other_campaigns'
  if (finishedElsewhere && !enroll.finishedInOtherSequences) return 'contacts_finished_in_other_campaigns'
  if (!enroll.sameCompany && projected.hasColleagueIn(key, sequenceId)) return 'contacts_in_same_company'
  return undefined
}

/** The projected memberships while the forecast walks the plan, with a same-company index. */
class Projected {
  /** Identity key -> sequence id -> status. */
  private readonly statuses = new Map<string, Map<string, MemberStatus>>()
  /** Identity key -> normalised organisation name ('' = none). */
  private readonly orgs = new Map<string, string>()
  /** Organisation -> sequence id -> identity keys active or paused there. */
  private readonly enrolledByOrg = new Map<string, Map<string, Set<string>>>()

  statusesOf(key: string): ReadonlyMap<string, MemberStatus> {
    return this.statuses.get(key) ?? new Map<string, MemberStatus>()
  }

  setOrg(key: string, org: string | null | undefined): void {
    this.orgs.set(key, (org ?? '').trim().toLowerCase())
  }

  setStatus(key: string, sequenceId: string, status: MemberStatus | null): void {
    let m = this.statuses.get(key)
    if (!m) {
      m = new Map()
      this.statuses.set(key, m)
    }
    if (status === null) m.delete(sequenceId)
    else m.set(sequenceId, status)
    const org = this.orgs.get(key) ?? ''
    if (org === '') return
    let bySeq = this.enrolledByOrg.get(org)
    if (!bySeq) {
      bySeq = new Map()
      this.enrolledByOrg.set(org, bySeq)
    }
    let keys = bySeq.get(sequenceId)
    if (!keys) {
      keys = new Set()
      bySeq.set(sequenceId, keys)
    }
    if (status === 'active' || status === 'paused') keys.add(key)
    else keys.delete(key)
  }

  /** Another contact of the same organisation is active or paused in the sequence. */
  hasColleagueIn(key: string, sequenceId: string): boolean {
    const org = this.orgs.get(key) ?? ''
    if (org === '') return false
    const keys = this.enrolledByOrg.get(org)?.get(sequenceId)
    if (!keys) return false
    return keys.size > (keys.has(key) ? 1 : 0)
  }
}
