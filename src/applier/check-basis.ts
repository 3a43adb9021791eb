// Pure: a saved plan against a fresh read of what it was computed from (its basis). Every sequence
// it changes must still be there, unarchived, with the same name and activity, its mailbox active;
// every contact it looked at (each live member, each contact of a change, each declared contact)
// must have the status it was planned against — or, for a contact a change is about, already the
// change's target: that change is done (an interrupted apply of the same plan), not stale. A member
// that is new and undeclared is no fact of the plan: the verdict reports it as a difference.

import type {StaleItem} from '../model/apply-report.js'
import type {SequenceBasis} from '../model/plan-basis.js'
import type {Change, Plan, SequencePlan} from '../model/plan.js'
import type {DesiredSequence, LiveContact, LiveSequence, LiveState, LiveStatus} from '../model/state.js'
import {contactEmails, normalizeEmail, statusIn} from '../model/state.js'
import {isAtTarget} from './targets.js'

export interface BasisCheck {
  /** Empty = the plan may be applied. */
  readonly stale: readonly StaleItem[]
  /** Changes Apollo already shows at their target: not to be written again. */
  readonly done: ReadonlySet<Change>
  /** Normalised email -> id of the contacts the plan creates that the read found (a resumed plan). */
  readonly knownIds: ReadonlyMap<string, string>
}

/**
 * `fresh`: the live state of the basis' sequences (their members swept), read just before writing.
 * `plannedKeyOwner`: the Apollo user the plan's key acted as (pruneScope: owned decided by it).
 */
export function checkBasis(
  plan: Plan,
  basis: readonly SequenceBasis[],
  fresh: LiveState,
  plannedKeyOwner: string | null,
): BasisCheck {
  const stale: StaleItem[] = []
  const done = new Set<Change>()
  const knownIds = new Map<string, string>()
  const sequences = new Map<string, LiveSequence>()
  for (const list of fresh.sequences.values()) for (const s of list) sequences.set(s.id, s)
  const byEmail = new Map<string, LiveContact>()
  for (const c of fresh.contacts.values()) for (const e of contactEmails(c)) byEmail.set(e, c)
  const statusNow = (contactId: string, sequenceId: string): LiveStatus => {
    const contact = fresh.contacts.get(contactId)
    return contact === undefined ? 'absent' : statusIn(contact, sequenceId)
  }

  for (const b of basis) {
    const planned = plan.sequences.find((s) => s.id === b.sequenceId)
    if (planned === undefined) continue
    const about = {sequenceId: planned.id, sequenceName: planned.name}
    const live = sequences.get(planned.id)
    // Gone or archived: its members were not swept, so nothing more can be compared.
    if (live === undefined) {
      stale.push({code: 'sequence-gone', ...about})
      continue
    }
    if (live.archived) {
      stale.push({code: 'sequence-archived', ...about})
      continue
    }
    if (live.name !== planned.name) stale.push({code: 'sequence-renamed', ...about, nowName: live.name})
    if (live.active !== planned.active) stale.push({code: 'sequence-active-changed', ...about, nowActive: live.active})
    const nowKeyOwner = fresh.keyOwner?.userId ?? null
    if (b.desired.pruneScope === 'owned' && nowKeyOwner !== plannedKeyOwner) {
      stale.push({code: 'key-owner-changed', ...about, plannedUserId: plannedKeyOwner, nowUserId: nowKeyOwner})
    }
    const mailbox = fresh.mailboxes.find((m) => m.id === b.mailboxId)
    if (mailbox === undefined) stale.push({code: 'mailbox-gone', ...about, mailboxId: b.mailboxId})
    else if (!mailbox.active) {
      stale.push({code: 'mailbox-inactive', ...about, mailboxId: mailbox.id, mailboxEmail: mailbox.email})
    }

    const withChange = new Set<string>()
    const createdEmails = new Set<string>()
    for (const change of planned.changes) {
      if (change.contactId !== null) withChange.add(change.contactId)
      else createdEmails.add(normalizeEmail(change.email))
      if (change.kind === 'create') {
        const found = byEmail.get(normalizeEmail(change.email))
        if (found !== undefined) {
          done.add(change)
          knownIds.set(normalizeEmail(change.email), found.id)
        }
        continue
      }
      if (change.contactId === null) {
        // An add of a contact this plan creates: done when a contact with its email is enrolled.
        const found = byEmail.get(normalizeEmail(change.email))
        if (found !== undefined && isAtTarget('add', statusIn(found, planned.id))) done.add(change)
        continue
      }
      const now = statusNow(change.contactId, planned.id)
      if (now === change.liveStatus) continue
      if (isAtTarget(change.kind, now)) done.add(change)
      else stale.push(moved(planned, change.contactId, change.email, change.liveStatus, now))
    }
    for (const [contactId, status] of b.members) {
      if (withChange.has(contactId)) continue
      const now = statusNow(contactId, planned.id)
      if (now !== status) stale.push(moved(planned, contactId, emailOf(planned, contactId, fresh), status, now))
    }
    // A declared contact that was not a member (a tombstone, a `finished:` entry not enrolled) and is now.
    const declared = declaredIn(b.desired)
    for (const id of fresh.members.get(planned.id) ?? []) {
      const c = fresh.contacts.get(id)
      const now = c === undefined ? 'absent' : statusIn(c, planned.id)
      if (c === undefined || now === 'absent' || b.members.has(id) || withChange.has(id)) continue
      const emails = contactEmails(c)
      if (emails.some((e) => createdEmails.has(e))) continue
      if (declared.ids.has(c.id) || emails.some((e) => declared.emails.has(e))) {
        stale.push(moved(planned, c.id, c.email, 'absent', now))
      }
    }
  }
  return {stale, done, knownIds}
}

/** The contact ids and normalised emails a manifest declares, in any list. */
function declaredIn(desired: DesiredSequence): {ids: Set<string>; emails: Set<string>} {
  const ids = new Set<string>()
  const emails = new Set<string>()
  for (const e of desired.entries) {
    if (e.ref.kind === 'id') ids.add(e.ref.id)
    else emails.add(e.ref.email)
  }
  return {ids, emails}
}

function moved(
  sequence: SequencePlan,
  contactId: string,
  email: string | null,
  planned: LiveStatus,
  now: LiveStatus,
): StaleItem {
  return {code: 'contact-moved', sequenceId: sequence.id, sequenceName: sequence.name, contactId, email, planned, now}
}

/** A member's email for a stale line: from the fresh read, else the plan's unmanaged list. */
function emailOf(sequence: SequencePlan, contactId: string, fresh: LiveState): string | null {
  return (
    fresh.contacts.get(contactId)?.email ?? sequence.unmanaged.find((m) => m.contactId === contactId)?.email ?? null
  )
}
