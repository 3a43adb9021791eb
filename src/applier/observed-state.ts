// Pure: Apollo as apply last saw it. It starts from the read made before writing, takes every
// contact a write answer returned (the latest view wins), then what the re-read of uncertain
// changes found. The verdict re-plans the manifests against it.

import type {ManagedSequence} from '../model/plan-basis.js'
import type {Change, Plan} from '../model/plan.js'
import type {LiveContact, LiveSequence, LiveState, LiveStatus} from '../model/state.js'
import {contactEmails, normalizeEmail, selectorKey, statusIn} from '../model/state.js'

export class ObservedState {
  readonly #base: LiveState
  readonly #contacts = new Map<string, LiveContact>()
  /** Emails the plan found no contact for (creates, `missingContacts: skip`). */
  readonly #missingEmails: ReadonlySet<string>

  /**
   * `base`: the read before writing (a plan file's stale check reads only the members of the
   * sequences it changes, so a contact a change is about may be missing: it is in none of them).
   */
  constructor(base: LiveState, plan: Plan, answers: ReadonlyMap<string, LiveContact>) {
    this.#base = base
    for (const [id, c] of base.contacts) this.#contacts.set(id, c)
    const changes = plan.sequences.flatMap((s) => s.changes)
    for (const change of changes) {
      if (change.contactId !== null && !this.#contacts.has(change.contactId)) {
        this.#contacts.set(change.contactId, notEnrolled(change.contactId, change.email))
      }
    }
    for (const c of answers.values()) this.observe(c)
    const missing = new Set(base.missingEmails)
    for (const change of changes) if (change.kind === 'create') missing.add(normalizeEmail(change.email))
    for (const s of plan.sequences) {
      for (const w of s.warnings) {
        if (w.code === 'missing-contact-skipped' && w.email !== null) missing.add(normalizeEmail(w.email))
      }
    }
    this.#missingEmails = missing
  }

  /** A newer view of a contact (a write answer, a re-read). */
  observe(contact: LiveContact): void {
    this.#contacts.set(contact.id, contact)
  }

  /** A read of these sequences did not list the contact: it is in none of them. */
  absentFrom(contactId: string, sequenceIds: ReadonlySet<string>): void {
    const contact = this.#contacts.get(contactId)
    if (contact === undefined) return
    this.observe({...contact, memberships: contact.memberships.filter((m) => !sequenceIds.has(m.sequenceId))})
  }

  /** A sweep of these sequences read `contacts`: every other contact is in none of them. */
  observeSweep(sequenceIds: ReadonlySet<string>, contacts: Iterable<LiveContact>): void {
    const seen = new Set<string>()
    for (const c of contacts) {
      this.observe(c)
      seen.add(c.id)
    }
    for (const [id, c] of this.#contacts) {
      if (!seen.has(id) && c.memberships.some((m) => sequenceIds.has(m.sequenceId))) this.absentFrom(id, sequenceIds)
    }
  }

  statusOf(contactId: string, sequenceId: string): LiveStatus {
    const contact = this.#contacts.get(contactId)
    return contact === undefined ? 'absent' : statusIn(contact, sequenceId)
  }

  /** Distinct contacts with a membership in any of these sequences (what a sweep of them would read). */
  countMembers(sequenceIds: ReadonlySet<string>): number {
    let n = 0
    for (const c of this.#contacts.values()) if (c.memberships.some((m) => sequenceIds.has(m.sequenceId))) n++
    return n
  }

  /** The observed state as the planner reads it, each managed sequence resolved to the id it was planned on. */
  toLiveState(managed: readonly ManagedSequence[]): LiveState {
    const byId = new Map<string, LiveSequence>()
    for (const list of this.#base.sequences.values()) for (const s of list) byId.set(s.id, s)
    const sequences = new Map<string, LiveSequence[]>()
    const members = new Map<string, string[]>(managed.map((m) => [m.sequenceId, []]))
    for (const m of managed) {
      const live = byId.get(m.sequenceId)
      sequences.set(selectorKey(m.desired.selector), live === undefined ? [] : [live])
    }
    const contactsByEmail = new Map<string, string[]>()
    const seenEmails = new Set<string>()
    for (const c of this.#contacts.values()) {
      for (const e of contactEmails(c)) {
        seenEmails.add(e)
        contactsByEmail.set(e, [...(contactsByEmail.get(e) ?? []), c.id])
      }
      for (const membership of c.memberships) members.get(membership.sequenceId)?.push(c.id)
    }
    return {
      keyOwner: this.#base.keyOwner,
      sequences,
      mailboxes: this.#base.mailboxes,
      contacts: this.#contacts,
      contactsByEmail,
      members,
      missingEmails: new Set([...this.#missingEmails].filter((e) => !seenEmails.has(e))),
      missingContactIds: this.#base.missingContactIds,
    }
  }
}

/** A contact known only from the plan: in no sequence that was read. */
function notEnrolled(id: string, email: Change['email']): LiveContact {
  return {id, email, otherEmails: [], emailStatus: null, name: null, organizationName: null, memberships: []}
}
