// Apollo's response bodies -> model types, one parser per operation. Apollo adds fields, omits
// optional ones and sends numbers as strings, so each parser reads only what it needs, checks it,
// and fails closed (IncompleteReadError) where a wrong reading would mislead the planner. Pure.

import {IncompleteReadError} from '../errors.js'
import {isRecord} from '../model/guards.js'
import type {KeyOwner, LiveContact, LiveSequence} from '../model/state.js'
import {PAGE_SIZE} from './limits.js'
import type {Endpoint} from './endpoints.js'
import {ENDPOINTS, SCOPES} from './endpoints.js'
import {
  listContactSequenceIds,
  parseWireNumber,
  readId,
  toLiveContact,
  toLiveMailbox,
  toLiveSequence,
  toPagination,
} from './to-live-state.js'
import type {
  AddContactsResult,
  ContactPage,
  ContactQuery,
  MailboxAccount,
  Page,
  RateWindow,
  RemoveContactsResult,
  SortKey,
  SortOrder,
  UsageWindows,
} from './types.js'

/** An array field, or nothing when Apollo left it out. */
function list(value: unknown): readonly unknown[] {
  return Array.isArray(value) ? value : []
}

/** `POST /emailer_campaigns/search`: `{pagination, emailer_campaigns: [...]}`. */
export function parseSequencePage(body: Record<string, unknown>, requestedPage: number): Page<LiveSequence> {
  const pagination = toPagination(body['pagination'], requestedPage, PAGE_SIZE, 'emailer_campaigns/search')
  return {items: list(body['emailer_campaigns']).map((s) => toLiveSequence(s)), ...pagination}
}

/** `GET /emailer_campaigns/{id}`: `{emailer_campaign: {...}}`. */
export function parseSequenceShow(body: Record<string, unknown>, id: string): LiveSequence {
  const sequence = body['emailer_campaign']
  if (!isRecord(sequence)) throw new IncompleteReadError(`Apollo's answer for sequence ${id} has no emailer_campaign`)
  return toLiveSequence(sequence)
}

/** `GET /email_accounts`: `{email_accounts: [...]}` (no pagination). */
export function parseMailboxes(body: Record<string, unknown>): readonly MailboxAccount[] {
  const accounts = body['email_accounts']
  if (!Array.isArray(accounts))
    throw new IncompleteReadError("Apollo's email_accounts response has no email_accounts list")
  return list(accounts).map((m) => toLiveMailbox(m))
}

/** `GET /users/api_profile`: the user at the top level or under `user`. */
export function parseApiProfile(body: Record<string, unknown>): KeyOwner {
  const user = isRecord(body['user']) ? body['user'] : body
  const id = readId(user['id'])
  if (id === null) throw new IncompleteReadError("Apollo's api_profile response has no user id")
  const text = (value: unknown): string | null => (typeof value === 'string' && value.trim() !== '' ? value : null)
  const name = [text(user['first_name']), text(user['last_name'])].filter((p): p is string => p !== null).join(' ')
  return {
    userId: id,
    teamId: text(user['team_id']) ?? text(body['team_id']),
    email: text(user['email']),
    name: text(user['name']) ?? (name === '' ? null : name),
  }
}

/** `POST /contacts/search`: `{pagination, contacts: [...]}`. */
export function parseContactPage(body: Record<string, unknown>, requestedPage: number): Page<LiveContact> {
  const pagination = toPagination(body['pagination'], requestedPage, PAGE_SIZE, 'contacts/search')
  return {items: list(body['contacts']).map((c) => toLiveContact(c)), ...pagination}
}

/** Orders sort keys as Apollo sorts `contact_created_at` ascending: by time, ties broken by id. */
export function compareSortKeys(a: SortKey, b: SortKey): number {
  return a.createdMs - b.createdMs || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
}

/**
 * `POST /contacts/search` sorted by `contact_created_at` in `order`, for `query`. Apollo ignores
 * parameters it does not apply, so the answer must prove it applied what the read relies on: with
 * sequence ids, its breadcrumbs echo every id and every contact is in one of those sequences; and
 * the contacts come in the requested order (ties by id). Across pages the reader checks the rest.
 */
export function parseContactSearch(
  body: Record<string, unknown>,
  query: ContactQuery,
  requestedPage: number,
  order: SortOrder,
): ContactPage {
  if (query.sequenceIds !== null) checkFilterEchoed(body, query.sequenceIds)
  const requested = query.sequenceIds === null ? null : new Set(query.sequenceIds)
  const items: LiveContact[] = []
  const keys: SortKey[] = []
  for (const dto of list(body['contacts'])) {
    const contact = toLiveContact(dto)
    if (requested !== null && !listContactSequenceIds(dto).some((sid) => requested.has(sid))) {
      throw new IncompleteReadError(
        `Apollo returned contact ${contact.id}, which is in none of the requested sequences (the emailer_campaign_ids filter was ignored)`,
      )
    }
    items.push(contact)
    keys.push(readSortKey(dto, contact.id))
  }
  checkPageOrder(keys, order, requestedPage)
  return {
    items,
    ...toPagination(body['pagination'], requestedPage, PAGE_SIZE, 'contacts/search'),
    first: keys[0] ?? null,
    last: keys.at(-1) ?? null,
  }
}

function checkFilterEchoed(body: Record<string, unknown>, sequenceIds: readonly string[]): void {
  const echoed = new Set<string>()
  for (const crumb of list(body['breadcrumbs'])) {
    if (!isRecord(crumb) || crumb['signal_field_name'] !== 'emailer_campaign_ids') continue
    const value = crumb['value']
    const values: readonly unknown[] = Array.isArray(value) ? value : [value]
    for (const v of values) if (typeof v === 'string') echoed.add(v)
  }
  const notEchoed = sequenceIds.filter((id) => !echoed.has(id))
  if (notEchoed.length > 0) {
    throw new IncompleteReadError(
      `Apollo did not confirm the emailer_campaign_ids filter for ${notEchoed.length} sequence${notEchoed.length === 1 ? '' : 's'} (${notEchoed.slice(0, 3).join(', ')}${notEchoed.length > 3 ? ', …' : ''})`,
      {
        hint: 'The membership read cannot be trusted, so nothing is planned from it. Run again; report it if it persists.',
      },
    )
  }
}

function readSortKey(dto: unknown, id: string): SortKey {
  const raw = isRecord(dto) ? dto['created_at'] : undefined
  const createdMs = typeof raw === 'string' ? Date.parse(raw) : Number.NaN
  if (!Number.isFinite(createdMs)) {
    throw new IncompleteReadError(
      `Apollo returned contact ${id} without a usable created_at, so the contact_created_at order the read relies on cannot be checked`,
    )
  }
  return {createdMs, id}
}

/** Apollo applied the sort: each contact strictly after the one before it, in the requested direction. */
function checkPageOrder(keys: readonly SortKey[], order: SortOrder, page: number): void {
  const sign = order === 'asc' ? 1 : -1
  const inOrder = (i: number): boolean => sign * compareSortKeys(keys[i - 1]!, keys[i]!) < 0
  for (let i = 1; i < keys.length; i++) {
    if (inOrder(i)) continue
    const reversed = keys.every((_, j) => j === 0 || sign * compareSortKeys(keys[j - 1]!, keys[j]!) > 0)
    throw new IncompleteReadError(describeOrderViolation(order, reversed, `page ${page}`), {
      hint: 'seqsync reads large queries from both ends of that order; without it the read cannot be complete, so nothing is planned from it. Report it if it persists.',
    })
  }
}

/** What an out-of-order read means: which of Apollo's sort parameters it ignored. */
export function describeOrderViolation(order: SortOrder, reversed: boolean, where: string): string {
  const asked = order === 'asc' ? 'oldest first' : 'newest first'
  if (reversed && order === 'asc') {
    return `Apollo ignored sort_ascending: contacts/search ${where} came newest first although seqsync asked for ${asked}`
  }
  return `Apollo ignored sort_by_field: contacts/search ${where} is not sorted by contact_created_at ${asked} (ties by id)`
}

/**
 * `POST /usage_stats/api_usage_stats`: `{'["api/v1/contacts", "search"]': {day|hour|minute: {limit,
 * consumed, left_over}}, ...}`, keyed by Apollo's scope pairs; read into seqsync's endpoint labels.
 */
export function parseUsageStats(body: Record<string, unknown>): Partial<Record<Endpoint, UsageWindows>> {
  const byScope = new Map<string, Endpoint>(ENDPOINTS.map((e) => [SCOPES[e], e]))
  const out: Partial<Record<Endpoint, UsageWindows>> = {}
  for (const [key, value] of Object.entries(body)) {
    let pair: unknown
    try {
      pair = JSON.parse(key)
    } catch {
      continue
    }
    const endpoint = Array.isArray(pair) ? byScope.get(pair.join('/')) : undefined
    if (endpoint === undefined || !isRecord(value)) continue
    const window = (name: RateWindow): UsageWindows[RateWindow] => {
      const raw = value[name]
      const w = isRecord(raw) ? raw : {}
      return {
        limit: parseWireNumber(w['limit']),
        consumed: parseWireNumber(w['consumed']),
        left: parseWireNumber(w['left_over']),
      }
    }
    out[endpoint] = {minute: window('minute'), hour: window('hour'), day: window('day')}
  }
  return out
}

/** `GET /contacts/{id}`: `{contact: {...}}`. */
export function parseContactShow(body: Record<string, unknown>, id: string): LiveContact {
  const contact = body['contact']
  if (!isRecord(contact)) throw new IncompleteReadError(`Apollo's answer for contact ${id} has no contact`)
  return toLiveContact(contact)
}

/** `POST /contacts/bulk_create`: `{created_contacts: [...], existing_contacts: [...]}`. */
export function parseBulkCreate(body: Record<string, unknown>): {
  readonly created: readonly LiveContact[]
  readonly existing: readonly LiveContact[]
} {
  return {
    created: list(body['created_contacts']).map((c) => toLiveContact(c)),
    existing: list(body['existing_contacts']).map((c) => toLiveContact(c)),
  }
}

/**
 * `POST /emailer_campaigns/{id}/add_contact_ids`: `{contacts: [...], skipped_contact_ids}`, the
 * latter documented as an object id -> reason code (an array of ids is read as reason "unknown").
 * Only requested ids count as added, each once, and a skipped id never does; each added contact
 * comes with its memberships as Apollo has them after the call (the applier decides from them).
 */
export function parseAddContactIds(body: Record<string, unknown>, contactIds: readonly string[]): AddContactsResult {
  const skipped: Record<string, string> = {}
  const rawSkipped = body['skipped_contact_ids']
  if (Array.isArray(rawSkipped)) {
    for (const id of list(rawSkipped)) if (typeof id === 'string') skipped[id] = 'unknown'
  } else if (isRecord(rawSkipped)) {
    for (const [id, reason] of Object.entries(rawSkipped)) skipped[id] = typeof reason === 'string' ? reason : 'unknown'
  }
  const added = requestedContacts(body, contactIds).filter((c) => !(c.id in skipped))
  return {added, skipped}
}

/** `POST /emailer_campaigns/remove_or_stop_contact_ids`: `{contacts: [...], ...}`, the contacts as they are after the call. */
export function parseRemoveOrStop(body: Record<string, unknown>, contactIds: readonly string[]): RemoveContactsResult {
  return {contacts: requestedContacts(body, contactIds)}
}

/**
 * The answer's `contacts[]` that were asked about, each once. The write has happened by now, so a
 * contact this cannot read (no id, a status seqsync does not know) is left out rather than failing
 * the call: a contact the answer does not mention is re-read, and that read fails closed.
 */
function requestedContacts(body: Record<string, unknown>, contactIds: readonly string[]): LiveContact[] {
  const requested = new Set(contactIds)
  const seen = new Map<string, LiveContact>()
  for (const dto of list(body['contacts'])) {
    let contact: LiveContact
    try {
      contact = toLiveContact(dto)
    } catch (error) {
      if (error instanceof IncompleteReadError) continue
      throw error
    }
    if (requested.has(contact.id) && !seen.has(contact.id)) seen.set(contact.id, contact)
  }
  return [...seen.values()]
}
