// Resolution of what a manifest names against the live state: its mailbox (by id or email) and
// each declared contact (by id or by email, primary or additional). Problems are collected. Pure.

import type {PlanProblem} from '../model/plan.js'
import type {
  ContactDetails,
  DesiredEntry,
  DesiredSequence,
  LiveContact,
  LiveMailbox,
  LiveState,
} from '../model/state.js'
import {normalizeEmail} from '../model/state.js'
import {compareStrings} from './compare.js'

/** What a declared entry is in Apollo. */
export type Resolution =
  | {readonly kind: 'contact'; readonly contact: LiveContact; readonly email: string | null}
  | {readonly kind: 'missing'; readonly normEmail: string; readonly display: string; readonly details?: ContactDetails}
  /** Not read: the sweep found no membership, so the contact is not in this sequence. */
  | ({readonly kind: 'unread'} & (
      {readonly email: string; readonly contactId: null} | {readonly email: null; readonly contactId: string}
    ))
  /** A problem was reported. */
  | {readonly kind: 'error'}

/** The id of the sequence's sending mailbox, or undefined (and a problem) when it is unknown or inactive. */
export function resolveMailboxId(
  desired: DesiredSequence,
  mailboxes: readonly LiveMailbox[],
  problems: PlanProblem[],
): string | undefined {
  const sorted = [...mailboxes].sort((a, b) => compareStrings(a.id, b.id))
  const wanted = normalizeEmail(desired.mailbox)
  const byEmail = sorted.filter((m) => normalizeEmail(m.email) === wanted)
  const mailbox = sorted.find((m) => m.id === desired.mailbox.trim()) ?? byEmail.find((m) => m.active) ?? byEmail[0]
  if (mailbox === undefined) {
    problems.push({code: 'mailbox-not-found', mailbox: desired.mailbox, source: desired.mailboxSource})
    return undefined
  }
  if (!mailbox.active) {
    problems.push({
      code: 'mailbox-inactive',
      mailboxId: mailbox.id,
      mailboxEmail: mailbox.email,
      source: desired.mailboxSource,
    })
    return undefined
  }
  return mailbox.id
}

/** The Apollo contact a declared entry names, or why there is none. */
export function resolveEntry(
  entry: DesiredEntry,
  desired: DesiredSequence,
  live: LiveState,
  problems: PlanProblem[],
): Resolution {
  const ref = entry.ref
  if (ref.kind === 'id') {
    const contact = live.contacts.get(ref.id)
    if (contact) return {kind: 'contact', contact, email: contact.email}
    if (live.missingContactIds.has(ref.id)) {
      problems.push({code: 'contact-id-not-found', contactId: ref.id, source: entry.source})
      return {kind: 'error'}
    }
    return {kind: 'unread', email: null, contactId: ref.id}
  }
  const ids = emailOwners(live, ref.email)
  if (ids.length > 1) {
    problems.push({code: 'contact-ambiguous', email: ref.display, contactIds: ids, source: entry.source})
    return {kind: 'error'}
  }
  const [id] = ids
  if (id !== undefined) {
    const contact = live.contacts.get(id)
    if (contact) return {kind: 'contact', contact, email: ref.display}
    return {kind: 'unread', email: ref.display, contactId: null}
  }
  if (live.missingEmails.has(ref.email)) {
    if (desired.missingContacts === 'error') {
      problems.push({code: 'contact-missing', email: ref.display, source: entry.source})
      return {kind: 'error'}
    }
    return ref.details
      ? {kind: 'missing', normEmail: ref.email, display: ref.display, details: ref.details}
      : {kind: 'missing', normEmail: ref.email, display: ref.display}
  }
  return {kind: 'unread', email: ref.display, contactId: null}
}

/**
 * The contacts an email names. When several carry it, the one member of a managed sequence wins: the
 * membership sweep sees only members, so this is what every read strategy can agree on (a full scan
 * also sees the non-member, the sweep never does). Several members, or none: all of them (ambiguous).
 */
function emailOwners(live: LiveState, email: string): readonly string[] {
  const ids = [...new Set(live.contactsByEmail.get(email) ?? [])].sort(compareStrings)
  if (ids.length < 2) return ids
  const members = ids.filter((id) => live.contacts.get(id)?.memberships.some((m) => live.members.has(m.sequenceId)))
  return members.length === 1 ? members : ids
}
