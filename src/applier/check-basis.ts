// Pure: a saved plan against a fresh read of what it was computed from (its basis). Every sequence
// it changes must still be there, unarchived, with the same name and activity, its mailbox active;
// every contact it looked at (each live member, each contact of a change) must have the status it
// was planned against — or, for a contact a change is about, already the change's target: that
// change is done (an interrupted apply of the same plan), not stale.

import type {StaleItem} from '../model/apply-report.js'
import type {SequenceBasis} from '../model/plan-basis.js'
import type {Change, Plan, SequencePlan} from '../model/plan.js'
import type {LiveContact, LiveSequence, LiveState, LiveStatus} from '../model/state.js'
import {normalizeEmail, statusIn} from '../model/state.js'
import {isAtTarget} from './targets.js'

export interface BasisCheck {
  /** Empty = the plan may be applied. */
  readonly stale: readonly StaleItem[]
  /** Changes Apollo already shows at their target: not to be written again. */
  readonly done: ReadonlySet<Change>
  /** Normalised email -> id of the contacts the plan creates that the read found (a resumed plan). */
  readonly knownIds: ReadonlyMap<string, string>
}

/** `fresh`: the live state of the basis' sequences (their members swept), read just before writing. */
export function checkBasis(plan: Plan, basis: readonly SequenceBasis[], fresh: LiveState): BasisCheck {
  const stale: StaleItem[] = []
  const done = new Set<Change>()
  const knownIds = new Map<string, string>()
  const sequences = new Map<string, LiveSequence>()
  for (const list of fresh.sequences.values()) for (const s of list) sequences.set(s.id, s)
  const byEmail = new Map<string, LiveContact>()
  for (const c of fresh.contacts.values())
    for (const e of [c.email, ...c.otherEmails]) if (e) byEmail.set(normalizeEmail(e), c)
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
    const mailbox = fresh.mailboxes.find((m) => m.id === b.mailboxId)
    if (mailbox === undefined) stale.push({code: 'mailbox-gone', ...about, mailboxId: b.mailboxId})
    else if (!mailbox.active) {
      stale.push({code: 'mailbox-inactive', ...about, mailboxId: mailbox.id, mailboxEmail: mailbox.email})
    }

    const withChange = new Set<string>()
    for (const change of planned.changes) {
      if (change.contactId !== null) withChange.add(change.contactId)
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
  }
  return {stale, done, knownIds}
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
