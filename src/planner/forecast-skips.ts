// The skip forecast (README, Manifest reference: the decision table, README "Skip forecasts"): which adds Apollo will refuse, and
// which it may refuse, decided over the state projected the way apply runs — every removal/finish/
// stop first, then adds sequence by sequence in plan order.
//
// A forecast is DEFINITE only where Apollo documents the rule and the data is known: no email, an
// `unverified` email, active/paused or finished in another sequence according to the live read. It
// is POSSIBLE where the rule or the data is uncertain: the same-company rule (undocumented), a
// contact this plan creates (its email status is set by Apollo), an email status Apollo does not
// document, or a membership that only an earlier add of this plan would create.

import type {AddChange, PossibleSkip, SkipReason} from '../model/plan.js'
import type {LiveContact, LiveState, MemberStatus} from '../model/state.js'
import {statusIn} from '../model/state.js'
import type {Draft, SequenceDraft} from './plan-sequence.js'

export type SkipForecast =
  | {readonly certainty: 'definite'; readonly reason: SkipReason}
  | {readonly certainty: 'possible'; readonly skip: PossibleSkip}

/** A projected membership; `certain` when it comes from the live read (or this plan's removals), not from an add of this plan. */
interface Projected {
  readonly status: MemberStatus
  readonly certain: boolean
}

type AddDraft = Draft & {readonly change: AddChange}

/** Every add Apollo will or may skip, with the reason it would give. */
export function forecastSkips(
  sequences: readonly SequenceDraft[],
  live: LiveState,
): ReadonlyMap<AddChange, SkipForecast> {
  const projected = new Map<string, Map<string, Projected>>()
  const setStatus = (key: string, sequenceId: string, value: Projected | null): void => {
    let m = projected.get(key)
    if (!m) {
      m = new Map()
      projected.set(key, m)
    }
    if (value === null) m.delete(sequenceId)
    else m.set(sequenceId, value)
  }
  for (const contact of live.contacts.values()) {
    for (const {sequenceId} of contact.memberships) {
      const status = statusIn(contact, sequenceId)
      if (status !== 'absent') setStatus(`id:${contact.id}`, sequenceId, {status, certain: true})
    }
  }
  for (const s of sequences) {
    for (const d of s.drafts) {
      const key = identityOf(d)
      if (d.change.kind === 'remove') setStatus(key, s.live.id, null)
      else if (d.change.kind === 'finish') setStatus(key, s.live.id, {status: 'finished', certain: true})
      else if (d.change.kind === 'stop') setStatus(key, s.live.id, {status: 'paused', certain: true})
    }
  }

  const forecasts = new Map<AddChange, SkipForecast>()
  for (const s of sequences) {
    const adds = s.drafts.filter((d): d is AddDraft => d.change.kind === 'add')
    const bySequenceRules = new Map<AddDraft, SkipForecast | null>()
    for (const d of adds) bySequenceRules.set(d, forecastByContact(d, s, projected.get(identityOf(d))))
    const sameCompany = s.desired.enroll.sameCompany
      ? new Set<AddDraft>()
      : findSameCompany(s, adds, bySequenceRules, live, projected)
    for (const d of adds) {
      const byContact = bySequenceRules.get(d) ?? null
      const forecast =
        byContact ??
        (sameCompany.has(d)
          ? {certainty: 'possible' as const, skip: {reason: 'contacts_in_same_company', why: 'same-company' as const}}
          : null)
      if (forecast !== null) forecasts.set(d.change, forecast)
      // Not skipped for sure: enrolled, as far as the sequences after this one are concerned — but
      // not certainly (Apollo may skip it for a reason the read cannot show).
      if (forecast?.certainty !== 'definite') {
        setStatus(identityOf(d), s.live.id, {status: s.live.active ? 'active' : 'paused', certain: false})
      }
    }
  }
  return forecasts
}

/** Identity key: `id:<contact id>`, or `new:<normalised email>` for a contact this plan creates. */
function identityOf(d: Draft): string {
  return d.change.contactId !== null ? `id:${d.change.contactId}` : `new:${d.normEmail ?? ''}`
}

/**
 * Apollo's per-contact rules in its order of precedence (docs/emulator.md: the skip reasons of add_contact_ids): the first definite
 * one wins; otherwise the first possible one. `d.contact` null = a contact this plan creates.
 */
function forecastByContact(
  d: AddDraft,
  s: SequenceDraft,
  memberships: ReadonlyMap<string, Projected> | undefined,
): SkipForecast | null {
  const enroll = s.desired.enroll
  const contact: LiveContact | null = d.contact ?? null
  let possible: PossibleSkip | null = null
  const definite = (reason: SkipReason): SkipForecast => ({certainty: 'definite', reason})

  if (contact !== null && (contact.email === null || contact.email.trim() === '') && !enroll.noEmail) {
    return definite('contacts_without_email')
  }
  if (!enroll.unverifiedEmail) {
    if (contact === null) possible = {reason: 'contacts_unverified_email', why: 'new-contact'}
    else if (contact.emailStatus === 'unverified') return definite('contacts_unverified_email')
    else if (contact.emailStatus !== 'verified') {
      possible = {reason: 'contacts_unverified_email', why: 'email-status', emailStatus: contact.emailStatus}
    }
  }
  const elsewhere = {active: null as boolean | null, finished: null as boolean | null}
  for (const [sequenceId, p] of memberships ?? []) {
    if (sequenceId === s.live.id) continue
    const which =
      p.status === 'active' || p.status === 'paused' ? 'active' : p.status === 'finished' ? 'finished' : null
    if (which !== null) elsewhere[which] = (elsewhere[which] ?? false) || p.certain
  }
  const rules = [
    [elsewhere.active, enroll.activeInOtherSequences, 'contacts_active_in_other_campaigns'],
    [elsewhere.finished, enroll.finishedInOtherSequences, 'contacts_finished_in_other_campaigns'],
  ] as const
  for (const [certain, allowed, reason] of rules) {
    if (certain === null || allowed) continue
    if (certain) return definite(reason)
    possible ??= {reason, why: 'planned-add'}
  }
  return possible === null ? null : {certainty: 'possible', skip: possible}
}

/**
 * Adds that meet another contact of the same organisation (trimmed, case-insensitive) in the
 * sequence: a live member active or paused there, or another add of this sequence that Apollo is
 * not sure to skip. Every one of them may be skipped — which one Apollo keeps depends on the order
 * its calls arrive in, and what Apollo counts as the same company is not documented.
 */
function findSameCompany(
  s: SequenceDraft,
  adds: readonly AddDraft[],
  byContact: ReadonlyMap<AddDraft, SkipForecast | null>,
  live: LiveState,
  projected: ReadonlyMap<string, ReadonlyMap<string, Projected>>,
): Set<AddDraft> {
  const count = new Map<string, number>()
  const bump = (org: string): void => {
    if (org !== '') count.set(org, (count.get(org) ?? 0) + 1)
  }
  for (const id of new Set(live.members.get(s.live.id) ?? [])) {
    const status = projected.get(`id:${id}`)?.get(s.live.id)?.status
    if (status === 'active' || status === 'paused') bump(normalizeOrg(live.contacts.get(id)?.organizationName))
  }
  const candidates = adds.filter((d) => byContact.get(d)?.certainty !== 'definite')
  for (const d of candidates) bump(orgOf(d))
  return new Set(candidates.filter((d) => (count.get(orgOf(d)) ?? 0) > 1))
}

function orgOf(d: AddDraft): string {
  return normalizeOrg(d.contact ? d.contact.organizationName : d.details?.organization)
}

function normalizeOrg(org: string | null | undefined): string {
  return (org ?? '').trim().toLowerCase()
}
