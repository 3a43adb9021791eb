// A tiny in-memory Apollo for planner invariants: applies a Plan to a copy of a LiveState the way
// `apply` runs it (removals/finishes/stops of every sequence, then creates, then adds sequence by
// sequence in plan order) with Apollo's add skip rules evaluated on the state at that moment.

import type {AddChange, Change, Plan} from '../../src/model/plan.js'
import type {LiveContact, LiveMembership, LiveState, MemberStatus} from '../../src/model/state.js'
import {normalizeEmail} from '../../src/model/state.js'

interface MutableContact {
  id: string
  email: string | null
  otherEmails: readonly string[]
  emailStatus: string | null
  name: string | null
  organizationName: string | null
  memberships: LiveMembership[]
}

export interface SimulationResult {
  readonly live: LiveState
  /** Adds Apollo skipped: `sequenceId/contactId` -> reason. */
  readonly skipped: ReadonlyMap<string, string>
}

export function simulateApply(plan: Plan, live: LiveState): SimulationResult {
  const contacts = new Map<string, MutableContact>()
  for (const c of live.contacts.values()) contacts.set(c.id, {...c, memberships: c.memberships.map((m) => ({...m}))})
  const byEmail = new Map<string, string>()
  for (const c of contacts.values()) if (c.email) byEmail.set(normalizeEmail(c.email), c.id)
  const missingEmails = new Set(live.missingEmails)
  const skipped = new Map<string, string>()

  const setStatus = (
    c: MutableContact,
    sequenceId: string,
    status: MemberStatus | null,
    mailboxId: string | null,
  ): void => {
    c.memberships = c.memberships.filter((m) => m.sequenceId !== sequenceId)
    if (status !== null)
      c.memberships.push({
        sequenceId,
        status,
        inactiveReason: null,
        failureReason: null,
        mailboxId,
        addedByUserId: null,
      })
  }
  const contactOf = (ch: Change): MutableContact => {
    const id = ch.contactId !== null ? ch.contactId : byEmail.get(normalizeEmail(ch.email))
    const c = id === undefined ? undefined : contacts.get(id)
    if (!c) throw new Error(`simulator: unknown contact for ${JSON.stringify(ch)}`)
    return c
  }

  for (const seq of plan.sequences) {
    for (const ch of seq.changes) {
      if (ch.kind === 'remove') setStatus(contactOf(ch), seq.id, null, null)
      else if (ch.kind === 'finish') setStatus(contactOf(ch), seq.id, 'finished', null)
      else if (ch.kind === 'stop') setStatus(contactOf(ch), seq.id, 'paused', null)
    }
  }
  for (const seq of plan.sequences) {
    for (const ch of seq.changes) {
      if (ch.kind !== 'create') continue
      const norm = normalizeEmail(ch.email)
      if (byEmail.has(norm)) continue
      const id = `new-${norm}`
      contacts.set(id, {
        id,
        email: ch.email,
        otherEmails: [],
        emailStatus: 'unverified',
        name: null,
        organizationName: ch.details?.organization ?? null,
        memberships: [],
      })
      byEmail.set(norm, id)
      missingEmails.delete(norm)
    }
  }
  for (const seq of plan.sequences) {
    for (const ch of seq.changes) {
      if (ch.kind !== 'add') continue
      const c = contactOf(ch)
      const reason = apolloSkipReason(c, seq.id, ch, contacts)
      if (reason) skipped.set(`${seq.id}/${c.id}`, reason)
      else setStatus(c, seq.id, seq.active ? 'active' : 'paused', ch.mailboxId)
    }
  }

  const contactsOut = new Map<string, LiveContact>()
  const contactsByEmail = new Map<string, string[]>()
  const members = new Map<string, string[]>()
  for (const c of contacts.values()) {
    contactsOut.set(c.id, {...c, memberships: [...c.memberships]})
    for (const e of [c.email, ...c.otherEmails]) {
      if (!e) continue
      const k = normalizeEmail(e)
      contactsByEmail.set(k, [...(contactsByEmail.get(k) ?? []), c.id])
    }
    for (const m of c.memberships) members.set(m.sequenceId, [...(members.get(m.sequenceId) ?? []), c.id])
  }
  return {
    live: {
      keyOwner: live.keyOwner,
      sequences: live.sequences,
      mailboxes: live.mailboxes,
      contacts: contactsOut,
      contactsByEmail,
      members,
      missingEmails,
      missingContactIds: live.missingContactIds,
    },
    skipped,
  }
}

function apolloSkipReason(
  c: MutableContact,
  sequenceId: string,
  ch: AddChange,
  contacts: ReadonlyMap<string, MutableContact>,
): string | null {
  const enroll = ch.enroll
  if (c.memberships.some((m) => m.sequenceId === sequenceId)) return 'contacts_already_exists_in_current_campaign'
  if (!c.email && !enroll.noEmail) return 'contacts_without_email'
  // As the emulator assumes (docs/emulator.md): every status but `verified` counts as unverified.
  if (c.emailStatus !== 'verified' && !enroll.unverifiedEmail) return 'contacts_unverified_email'
  const others = c.memberships.filter((m) => m.sequenceId !== sequenceId)
  if (others.some((m) => m.status === 'active' || m.status === 'paused') && !enroll.activeInOtherSequences) {
    return 'contacts_active_in_other_campaigns'
  }
  if (others.some((m) => m.status === 'finished') && !enroll.finishedInOtherSequences) {
    return 'contacts_finished_in_other_campaigns'
  }
  const org = (c.organizationName ?? '').trim().toLowerCase()
  if (org !== '' && !enroll.sameCompany) {
    for (const o of contacts.values()) {
      if (o.id === c.id || (o.organizationName ?? '').trim().toLowerCase() !== org) continue
      if (o.memberships.some((m) => m.sequenceId === sequenceId && (m.status === 'active' || m.status === 'paused'))) {
        return 'contacts_in_same_company'
      }
    }
  }
  return null
}
