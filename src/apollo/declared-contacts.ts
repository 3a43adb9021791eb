// The declared contacts a live read must resolve: every email and id of the manifests' `contacts`
// lists (only contacts to enroll: a finished/stopped/removed entry the read does not see is simply
// not in the sequence, so looking it up would spend quota to learn nothing). While the strategy is
// chosen, an entry is open until a contact read carries it; once a complete read is done, what it
// leaves unresolved (`unresolvedBy`) is looked up, or, after a scan, missing from Apollo.

import {createHash} from 'node:crypto'

import type {DesiredState, LiveContact} from '../model/state.js'
import {contactEmails, normalizeEmail} from '../model/state.js'

export type DeclaredRef = {readonly kind: 'email'; readonly email: string} | {readonly kind: 'id'; readonly id: string}

export class DeclaredContacts {
  /** Every declared email and id (open or not): what a scan keeps besides the members. */
  readonly #emails = new Set<string>()
  readonly #ids = new Set<string>()
  readonly #openEmails = new Set<string>()
  readonly #openIds = new Set<string>()

  constructor(desired: DesiredState) {
    for (const seq of desired.sequences) {
      for (const entry of seq.entries) {
        if (entry.list !== 'contacts') continue
        if (entry.ref.kind === 'email') this.#emails.add(normalizeEmail(entry.ref.email))
        else this.#ids.add(entry.ref.id)
      }
    }
    for (const e of this.#emails) this.#openEmails.add(e)
    for (const id of this.#ids) this.#openIds.add(id)
  }

  /** Declared entries (emails and ids, distinct). */
  get size(): number {
    return this.#emails.size + this.#ids.size
  }

  /** Entries no contact read so far carries. */
  get openCount(): number {
    return this.#openEmails.size + this.#openIds.size
  }

  get openEmailCount(): number {
    return this.#openEmails.size
  }

  /** Whether `c` is declared (by id or by any of its emails), open or not. */
  declares(c: LiveContact): boolean {
    return this.#ids.has(c.id) || contactEmails(c).some((e) => this.#emails.has(e))
  }

  /** `c` was read: its id and emails are resolved. */
  resolve(c: LiveContact): void {
    this.#openIds.delete(c.id)
    for (const e of contactEmails(c)) this.#openEmails.delete(e)
  }

  /** `ref` was looked up (found or not): it is no longer open. */
  close(ref: DeclaredRef): void {
    if (ref.kind === 'email') this.#openEmails.delete(ref.email)
    else this.#openIds.delete(ref.id)
  }

  /** The open entries, sorted (emails first). */
  open(): DeclaredRef[] {
    return toRefs(this.#openEmails, this.#openIds)
  }

  /** The declared entries none of `contacts` carries, sorted (emails first). */
  unresolvedBy(contacts: Iterable<LiveContact>): DeclaredRef[] {
    const emails = new Set(this.#emails)
    const ids = new Set(this.#ids)
    for (const c of contacts) {
      ids.delete(c.id)
      for (const e of contactEmails(c)) emails.delete(e)
    }
    return toRefs(emails, ids)
  }

  /**
   * `count` open entries in a pseudo-random order that depends only on the entries (sha-256 of each),
   * so the sample, and with it the plan, is the same for the same desired and live state.
   */
  sample(count: number): DeclaredRef[] {
    const rank = (ref: DeclaredRef): string => createHash('sha256').update(refKey(ref)).digest('hex')
    return this.open()
      .map((ref) => ({ref, rank: rank(ref)}))
      .sort((a, b) => (a.rank < b.rank ? -1 : 1))
      .slice(0, count)
      .map((r) => r.ref)
  }
}

function toRefs(emails: Iterable<string>, ids: Iterable<string>): DeclaredRef[] {
  return [
    ...[...emails].sort().map((email): DeclaredRef => ({kind: 'email', email})),
    ...[...ids].sort().map((id): DeclaredRef => ({kind: 'id', id})),
  ]
}

export function refKey(ref: DeclaredRef): string {
  return ref.kind === 'email' ? `email:${ref.email}` : `id:${ref.id}`
}
