// Pure mappers: Apollo's records (a contact, a sequence, a mailbox, pagination) -> model types;
// parse-responses.ts reads whole response bodies with them. Defensive: tolerate extra and missing optional
// fields, numbers as strings and "loading" stats; fail closed (IncompleteReadError) on anything the
// planner would otherwise misread (no id, a membership status we do not know).

import {IncompleteReadError} from '../errors.js'
import {isRecord} from '../model/guards.js'
import type {LiveContact, LiveMembership, LiveSequence, MemberStatus} from '../model/state.js'
import {pageCount} from './limits.js'
import type {MailboxAccount} from './types.js'
import {normalizeEmail} from '../model/state.js'

const MEMBER_STATUSES: ReadonlySet<string> = new Set<MemberStatus>(['active', 'paused', 'finished', 'failed'])

function isMemberStatus(value: string): value is MemberStatus {
  return MEMBER_STATUSES.has(value)
}

function readString(value: unknown): string | null {
  return typeof value === 'string' ? value : null
}

/** What an Apollo id may be: it goes into request paths and onto the terminal, so nothing else. */
const ID = /^[A-Za-z0-9_-]{1,64}$/

/** An Apollo id (a string, or a non-negative integer) when it is one; null otherwise. */
export function readId(value: unknown): string | null {
  const text =
    typeof value === 'string'
      ? value
      : typeof value === 'number' && Number.isSafeInteger(value) && value >= 0
        ? String(value)
        : null
  return text !== null && ID.test(text) ? text : null
}

/** A boolean Apollo may send as `true`/`"true"`; anything else is false. */
function readBoolean(value: unknown): boolean {
  return value === true || value === 'true'
}

/** A non-negative integer from a number or numeric string; null for "loading", null, garbage. */
export function parseWireNumber(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null
  if (typeof value === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(value)) return Number(value)
  return null
}

export interface ParsedPagination {
  readonly page: number
  readonly totalEntries: number
  readonly totalPages: number
}

/**
 * Pagination of a search response. `total_entries` is required (the reader's completeness checks
 * depend on it); `total_pages` falls back to ceil(total / perPage).
 */
export function toPagination(dto: unknown, requestedPage: number, perPage: number, what: string): ParsedPagination {
  const p: Record<string, unknown> = isRecord(dto) ? dto : {}
  const totalEntries = parseWireNumber(p['total_entries'])
  if (totalEntries === null || totalEntries < 0) {
    throw new IncompleteReadError(`Apollo's ${what} response has no usable pagination.total_entries`)
  }
  const page = parseWireNumber(p['page']) ?? requestedPage
  const reportedPages = parseWireNumber(p['total_pages'])
  const totalPages = reportedPages ?? pageCount(totalEntries, perPage)
  return {page, totalEntries, totalPages}
}

function toMembership(dto: unknown, contactId: string): LiveMembership | null {
  if (!isRecord(dto)) return null
  const sequenceId = readId(dto['emailer_campaign_id'])
  if (sequenceId === null) return null
  const status = readString(dto['status'])
  if (status === null || !isMemberStatus(status)) {
    throw new IncompleteReadError(
      `Contact ${contactId} has status ${JSON.stringify(status)} in sequence ${sequenceId}, which seqsync does not understand`,
      {
        hint: 'Refusing to plan from a membership whose meaning is unknown; report this Apollo status to the seqsync maintainers.',
      },
    )
  }
  return {
    sequenceId,
    status,
    inactiveReason: readString(dto['inactive_reason']),
    failureReason: readString(dto['failure_reason']),
    mailboxId: readId(dto['send_email_from_email_account_id']),
    addedByUserId: readId(dto['added_by_user_id']),
  }
}

/** `dto`: one contact as Apollo sends it, unverified. */
export function toLiveContact(dto: unknown): LiveContact {
  if (!isRecord(dto)) throw new IncompleteReadError('Apollo returned a contact that is not an object')
  const id = readId(dto['id'])
  if (id === null) throw new IncompleteReadError('Apollo returned a contact without an id')
  const email = readString(dto['email'])
  const primary = email !== null && email.trim() !== '' ? email : null
  const otherEmails: string[] = []
  const rawEmails = dto['contact_emails']
  if (Array.isArray(rawEmails)) {
    for (const item of rawEmails) {
      const other = isRecord(item) ? readString(item['email']) : readString(item)
      if (other === null || other.trim() === '') continue
      const norm = normalizeEmail(other)
      if (primary !== null && norm === normalizeEmail(primary)) continue
      if (otherEmails.some((e) => normalizeEmail(e) === norm)) continue
      otherEmails.push(other)
    }
  }
  // One membership per sequence: contact_campaign_statuses[].id is not a key (not unique).
  const memberships: LiveMembership[] = []
  const seen = new Set<string>()
  const rawStatuses = dto['contact_campaign_statuses']
  if (Array.isArray(rawStatuses)) {
    for (const item of rawStatuses) {
      const membership = toMembership(item, id)
      if (membership === null || seen.has(membership.sequenceId)) continue
      seen.add(membership.sequenceId)
      memberships.push(membership)
    }
  }
  const first = readString(dto['first_name'])
  const last = readString(dto['last_name'])
  const joined = [first, last].filter((x): x is string => x !== null && x !== '').join(' ')
  return {
    id,
    email: primary,
    otherEmails,
    emailStatus: readString(dto['email_status']),
    name: readString(dto['name']) ?? (joined === '' ? null : joined),
    organizationName: readString(dto['organization_name']),
    memberships,
  }
}

/** Sequence ids a contact DTO claims membership of (`emailer_campaign_ids` plus its statuses). */
export function listContactSequenceIds(dto: unknown): string[] {
  if (!isRecord(dto)) return []
  const ids: string[] = []
  const raw = dto['emailer_campaign_ids']
  if (Array.isArray(raw)) for (const x of raw) if (typeof x === 'string') ids.push(x)
  const statuses = dto['contact_campaign_statuses']
  if (Array.isArray(statuses)) {
    for (const s of statuses) {
      const sid = isRecord(s) ? readId(s['emailer_campaign_id']) : null
      if (sid !== null) ids.push(sid)
    }
  }
  return ids
}

/** `dto`: one sequence (emailer campaign) as Apollo sends it, unverified. */
export function toLiveSequence(dto: unknown): LiveSequence {
  if (!isRecord(dto)) throw new IncompleteReadError('Apollo returned a sequence that is not an object')
  const id = readId(dto['id'])
  if (id === null) throw new IncompleteReadError('Apollo returned a sequence without an id')
  return {
    id,
    name: readString(dto['name']) ?? '',
    active: readBoolean(dto['active']),
    archived: readBoolean(dto['archived']),
  }
}

/** `dto`: one email account as Apollo sends it, unverified. */
export function toLiveMailbox(dto: unknown): MailboxAccount {
  if (!isRecord(dto)) throw new IncompleteReadError('Apollo returned an email account that is not an object')
  const id = readId(dto['id'])
  if (id === null) throw new IncompleteReadError('Apollo returned an email account without an id')
  const revokedAt = readString(dto['revoked_at'])
  return {
    id,
    email: readString(dto['email']) ?? '',
    active: readBoolean(dto['active']),
    revokedAt: revokedAt === null || revokedAt.trim() === '' ? null : revokedAt,
  }
}
