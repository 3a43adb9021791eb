// Endpoint behaviour of the emulator: pure functions of (state, params) -> response, no sockets.
// Choices where Apollo is undocumented are the ones hardest on a client (docs/emulator.md):
// archived sequences hidden from search, per_page > 100 -> 422, a page past the display cap -> 422
// (or empty with true totals), `pagination.page` alternating between number and string.

import {LOADING_STATUSES, serializeContact, serializeMailbox, serializeSequence} from './serialize.js'
import type {ContactRec, EmulatorState} from './state.js'
import {nowIso} from './state.js'

export type Params = Record<string, unknown>

export interface HandlerResult {
  readonly status: number
  readonly body: unknown
  /** True when the state changed (persist, fault "after the write"). */
  readonly wrote: boolean
}

export interface HandlerContext {
  readonly state: EmulatorState
  readonly displayCap: number
  /** A search page past the display cap: a 422 naming the limit, or an empty page with true totals. */
  readonly pastDisplayCap: 'error' | 'empty'
  /** Flips per search request: `pagination.page` is sent as a string every other time. */
  readonly pageAsString: () => boolean
}

export const SKIP_REASONS = [
  'contact_not_found',
  'contacts_already_exists_in_current_campaign',
  'contacts_without_email',
  'contacts_unverified_email',
  'contacts_with_job_change',
  'contacts_active_in_other_campaigns',
  'contacts_finished_in_other_campaigns',
  'contacts_in_same_company',
] as const

function ok(body: unknown, wrote = false): HandlerResult {
  return {status: 200, body, wrote}
}

function unprocessable(error: string, extra: Record<string, unknown> = {}): HandlerResult {
  return {status: 422, body: {error, ...extra}, wrote: false}
}

/** Apollo accepts numbers as strings; anything unparsable falls back to the default. */
function toInt(value: unknown, fallback: number): number {
  if (typeof value === 'number' && Number.isFinite(value)) return Math.trunc(value)
  if (typeof value === 'string' && /^\s*-?\d+\s*$/.test(value)) return Number.parseInt(value, 10)
  return fallback
}

function toBool(value: unknown): boolean {
  return value === true || value === 'true' || value === 1 || value === '1'
}

function toStringList(value: unknown): string[] | null {
  if (value === undefined || value === null) return null
  if (Array.isArray(value)) return value.filter((v) => typeof v === 'string' || typeof v === 'number').map(String)
  if (typeof value === 'string' || typeof value === 'number') return [String(value)]
  return null
}

function toStr(value: unknown): string | null {
  if (typeof value === 'string') return value
  if (typeof value === 'number') return String(value)
  return null
}

function paging(params: Params): {page: number; perPage: number} | HandlerResult {
  const perPage = toInt(params['per_page'], 25)
  if (perPage > 100) return unprocessable('per_page must be less than or equal to 100')
  return {page: Math.max(1, toInt(params['page'], 1)), perPage: Math.max(1, perPage)}
}

function pagination(ctx: HandlerContext, page: number, perPage: number, total: number): Record<string, unknown> {
  return {
    page: ctx.pageAsString() ? String(page) : page,
    per_page: perPage,
    total_entries: total,
    total_pages: Math.ceil(total / perPage),
  }
}

// --- misc ------------------------------------------------------------------------------------------

export function handleHealth(): HandlerResult {
  return ok({is_logged_in: true})
}

export function handleApiProfile(ctx: HandlerContext): HandlerResult {
  const user = ctx.state.actingUser()
  return ok({
    id: user.id,
    team_id: ctx.state.teamId,
    first_name: user.first_name ?? 'Emulator',
    last_name: user.last_name ?? 'User',
    title: null,
    email: user.email,
  })
}

export function handleEmailAccounts(ctx: HandlerContext): HandlerResult {
  const accounts = [...ctx.state.mailboxes.values()]
  return ok({email_accounts: accounts.map((m, i) => serializeMailbox(m, i === 0))})
}

// --- sequences ---------------------------------------------------------------------------------------

export function handleSequenceSearch(ctx: HandlerContext, params: Params): HandlerResult {
  const p = paging(params)
  if ('status' in p) return p
  const qName = toStr(params['q_name'])
  const needle = qName?.trim().toLowerCase() ?? ''
  // Archived sequences are NOT returned by search: a client must GET them by id.
  const all = [...ctx.state.sequences.values()]
    .filter((s) => !s.archived && (needle === '' || s.name.toLowerCase().includes(needle)))
    .sort((a, b) => a.order - b.order)
  const slice = all.slice((p.page - 1) * p.perPage, p.page * p.perPage)
  return ok({
    pagination: pagination(ctx, p.page, p.perPage, all.length),
    breadcrumbs: qName ? [{label: 'Name', signal_field_name: 'q_name', value: qName, display_name: qName}] : [],
    emailer_campaigns: slice.map((s) => serializeSequence(ctx.state, s)),
    num_fetch_result: null,
  })
}

export function handleSequenceShow(ctx: HandlerContext, id: string): HandlerResult {
  const s = ctx.state.sequences.get(id)
  if (!s) return unprocessable('Sequence not found')
  const counts = ctx.state.countStatuses(id)
  return ok({
    emailer_campaign: {
      ...serializeSequence(ctx.state, s),
      contact_statuses: counts,
      num_contacts: ctx.state.members.get(id)?.size ?? 0,
    },
    emailer_steps: [],
    emailer_touches: [],
    emailer_templates: [],
  })
}

export function handleAddContactIds(ctx: HandlerContext, pathId: string, params: Params): HandlerResult {
  const {state} = ctx
  const bodyId = toStr(params['emailer_campaign_id'])
  const mailboxParam = params['send_email_from_email_account_id']
  const mailboxId = Array.isArray(mailboxParam) ? toStr(mailboxParam[0]) : toStr(mailboxParam)
  if (bodyId === null || bodyId !== pathId || mailboxId === null || mailboxId === '') {
    return unprocessable('Please specify a emailer_campaign_id and send_email_from_email_account_id.')
  }
  const contactIds = toStringList(params['contact_ids'])
  if (contactIds === null || contactIds.length === 0) {
    return unprocessable('Please specify either contact_ids or label_names.')
  }
  const sequence = state.sequences.get(pathId)
  if (!sequence) return unprocessable('Sequence not found')
  // Our assumption (unconfirmed, docs/emulator.md): an archived sequence refuses adds.
  if (sequence.archived) return unprocessable('Cannot add contacts to an archived sequence.')
  const mailbox = state.mailboxes.get(mailboxId)
  if (!mailbox) return unprocessable(`Email account not found: ${mailboxId}`)
  if (!mailbox.active) return unprocessable(`These mailboxes are no longer active. ${mailbox.email}`)

  const allow = {
    noEmail: toBool(params['sequence_no_email']),
    unverified: toBool(params['sequence_unverified_email']),
    jobChange: toBool(params['sequence_job_change']),
    activeElsewhere: toBool(params['sequence_active_in_other_campaigns']),
    finishedElsewhere: toBool(params['sequence_finished_in_other_campaigns']),
    sameCompany: toBool(params['sequence_same_company_in_same_campaign']),
  }
  let companies: Set<string> | null = null
  const companiesHere = (): Set<string> => {
    if (companies === null) {
      companies = new Set()
      for (const id of state.members.get(pathId) ?? []) {
        const c = state.contacts.get(id)
        const m = c?.memberships.get(pathId)
        const org = c?.organizationName?.trim().toLowerCase()
        if (org && m && (m.status === 'active' || m.status === 'paused')) companies.add(org)
      }
    }
    return companies
  }

  const added: ContactRec[] = []
  // No prototype: a contact id `__proto__` is a key like any other (Apollo's JSON object of skips).
  const skipped = Object.create(null) as Record<string, string>
  for (const id of contactIds) {
    const c = state.contacts.get(id)
    const reason = skipReason(c, pathId, allow, companiesHere)
    if (reason !== null || !c) {
      skipped[id] = reason ?? 'contact_not_found'
      continue
    }
    state.setStatus(c, pathId, sequence.active ? 'active' : 'paused', mailbox.id)
    const org = c.organizationName?.trim().toLowerCase()
    if (org) companiesHere().add(org)
    added.push(c)
  }
  const now = nowIso()
  return ok(
    {
      contacts: added.map((c) => serializeContact(state, c)),
      skipped_contact_ids: skipped,
      emailer_campaign: {
        ...serializeSequence(state, sequence),
        last_used_at: now,
        contact_statuses: LOADING_STATUSES,
        num_contacts: state.members.get(pathId)?.size ?? 0,
      },
      emailer_steps: [],
      emailer_touches: [],
      team: {id: state.teamId, sequences_finder_empty: false},
    },
    added.length > 0,
  )
}

function skipReason(
  c: ContactRec | undefined,
  sequenceId: string,
  allow: {
    noEmail: boolean
    unverified: boolean
    jobChange: boolean
    activeElsewhere: boolean
    finishedElsewhere: boolean
    sameCompany: boolean
  },
  companiesHere: () => Set<string>,
): string | null {
  if (!c) return 'contact_not_found'
  if (c.memberships.has(sequenceId) || c.removedFrom.has(sequenceId))
    return 'contacts_already_exists_in_current_campaign'
  if (!c.email && !allow.noEmail) return 'contacts_without_email'
  // Apollo documents only `unverified` as skipped; the emulator skips every status but `verified`
  // (`guessed`, `unavailable`, none, …) the same way, the hardest reading (docs/emulator.md).
  if (c.email && c.emailStatus !== 'verified' && !allow.unverified) return 'contacts_unverified_email'
  if (c.jobChange && !allow.jobChange) return 'contacts_with_job_change'
  const others = [...c.memberships.values()].filter((m) => m.sequenceId !== sequenceId)
  if (!allow.activeElsewhere && others.some((m) => m.status === 'active' || m.status === 'paused')) {
    return 'contacts_active_in_other_campaigns'
  }
  if (!allow.finishedElsewhere && others.some((m) => m.status === 'finished'))
    return 'contacts_finished_in_other_campaigns'
  const org = c.organizationName?.trim().toLowerCase()
  if (!allow.sameCompany && org && companiesHere().has(org)) return 'contacts_in_same_company'
  return null
}

export function handleRemoveOrStop(ctx: HandlerContext, params: Params): HandlerResult {
  const {state} = ctx
  const sequenceIds = toStringList(params['emailer_campaign_ids'])
  const contactIds = toStringList(params['contact_ids'])
  const mode = toStr(params['mode'])
  if (sequenceIds === null || sequenceIds.length === 0) return unprocessable('Please specify emailer_campaign_ids.')
  if (contactIds === null || contactIds.length === 0) return unprocessable('Please specify contact_ids.')
  if (mode !== 'remove' && mode !== 'mark_as_finished' && mode !== 'stop') {
    return unprocessable('mode must be one of mark_as_finished, remove, stop')
  }
  let wrote = false
  const touched: ContactRec[] = []
  const seen = new Set<string>()
  for (const cid of contactIds) {
    const c = state.contacts.get(cid)
    if (!c) continue
    if (!seen.has(cid)) {
      seen.add(cid)
      touched.push(c)
    }
    // Apollo applies the call to the CROSS PRODUCT of sequences x contacts.
    for (const sid of sequenceIds) {
      const m = c.memberships.get(sid)
      if (!m) continue
      const now = nowIso()
      if (mode === 'remove') {
        c.memberships.delete(sid)
        state.membersOf(sid).delete(c.id)
        c.removedFrom.add(sid)
      } else if (mode === 'mark_as_finished') {
        if (m.status === 'finished') continue
        m.status = 'finished'
        m.inactiveReason = 'manually finished'
        m.finishedAt = now
        m.pausedAt = null
      } else {
        if (m.status !== 'active') continue
        m.status = 'paused'
        m.inactiveReason = 'Manually stopped'
        m.pausedAt = now
      }
      state.touch(c)
      wrote = true
    }
  }
  return ok(
    {
      contacts: touched.map((c) => serializeContact(state, c)),
      emailer_campaigns: sequenceIds.map((id) => ({id})),
      num_contacts: touched.length,
      contact_statuses: LOADING_STATUSES,
      emailer_steps: [],
    },
    wrote,
  )
}

// --- contacts ----------------------------------------------------------------------------------------

export function handleContactSearch(ctx: HandlerContext, params: Params): HandlerResult {
  const {state} = ctx
  const p = paging(params)
  if ('status' in p) return p
  const breadcrumbs: Record<string, unknown>[] = []
  const keywordsRaw = toStr(params['q_keywords'])
  const keywords = keywordsRaw?.trim().toLowerCase() || null
  if (keywords !== null && keywordsRaw !== null) {
    breadcrumbs.push({
      label: 'Keywords',
      signal_field_name: 'q_keywords',
      value: keywordsRaw,
      display_name: keywordsRaw,
    })
  }
  const sequenceIds = toStringList(params['emailer_campaign_ids'])
  const filter = sequenceIds !== null && sequenceIds.length > 0 ? sequenceIds : null
  for (const id of filter ?? []) {
    breadcrumbs.push({
      label: 'Sequence',
      signal_field_name: 'emailer_campaign_ids',
      value: id,
      display_name: state.sequences.get(id)?.name ?? id,
    })
  }
  const sortRaw = toStr(params['sort_by_field'])
  const sortField = sortRaw === 'contact_created_at' ? 'created' : sortRaw === 'contact_updated_at' ? 'updated' : null
  const ascending = toBool(params['sort_ascending'])
  // The display cap: no page past it, whatever the total (total_entries stays true).
  const pastCap = p.page > Math.floor(ctx.displayCap / p.perPage)
  if (pastCap && ctx.pastDisplayCap === 'error') return unprocessable(displayCapMessage(ctx.displayCap, p.perPage))
  const ids = state.queryContactIds({sequenceIds: filter, keywords, sortField, ascending})
  const pageIds = pastCap ? [] : ids.slice((p.page - 1) * p.perPage, p.page * p.perPage)
  const contacts: Record<string, unknown>[] = []
  for (const id of pageIds) {
    const c = state.contacts.get(id)
    if (c) contacts.push(serializeContact(state, c))
  }
  return ok({
    contacts,
    breadcrumbs,
    partial_results_only: false,
    has_join: false,
    disable_eu_prospecting: false,
    partial_results_limit: 10000,
    pagination: pagination(ctx, p.page, p.perPage, ids.length),
    num_fetch_result: null,
  })
}

/**
 * Our reading of Apollo's answer to a page past its display cap (undocumented; docs/emulator.md):
 * a 422 that names the limit in records, in the words of Apollo's documentation.
 */
export function displayCapMessage(cap: number, perPage: number): string {
  const pages = Math.floor(cap / perPage)
  return `The display limit for this search is ${cap.toLocaleString('en-US')} records (${pages} pages of ${perPage} per page). Add more filters to narrow your search results.`
}

export function handleContactShow(ctx: HandlerContext, id: string): HandlerResult {
  const c = ctx.state.contacts.get(id)
  if (!c) return unprocessable('Oops! This contact does not exist in Apollo.')
  return ok({contact: serializeContact(ctx.state, c)})
}

interface NewContactFields {
  email: string | null
  firstName: string | null
  lastName: string | null
  organizationName: string | null
  title: string | null
}

function readNewContact(raw: unknown): NewContactFields {
  const r = (typeof raw === 'object' && raw !== null ? raw : {}) as Params
  const email = toStr(r['email'])?.trim() || null
  return {
    email,
    firstName: toStr(r['first_name']),
    lastName: toStr(r['last_name']),
    organizationName: toStr(r['organization_name']),
    title: toStr(r['title']),
  }
}

export function handleContactCreate(ctx: HandlerContext, params: Params): HandlerResult {
  const fields = readNewContact(params)
  if (toBool(params['run_dedupe']) && fields.email !== null) {
    const existing = ctx.state.findByEmail(fields.email)[0]
    if (existing) return ok({contact: serializeContact(ctx.state, existing)})
  }
  const c = ctx.state.createContact(fields)
  return ok({contact: serializeContact(ctx.state, c)}, true)
}

export function handleBulkCreate(ctx: HandlerContext, params: Params): HandlerResult {
  const list = params['contacts']
  if (!Array.isArray(list) || list.length === 0) return unprocessable('Please specify contacts.')
  if (list.length > 100) return unprocessable('Please limit your array to 100 contacts or fewer.')
  const dedupe = toBool(params['run_dedupe'])
  const created: ContactRec[] = []
  const existing: ContactRec[] = []
  for (const raw of list) {
    const fields = readNewContact(raw)
    const match = dedupe && fields.email !== null ? ctx.state.findByEmail(fields.email)[0] : undefined
    if (match) {
      // run_dedupe: matches come back unchanged, in existing_contacts.
      if (!existing.includes(match)) existing.push(match)
      continue
    }
    created.push(ctx.state.createContact(fields))
  }
  return ok(
    {
      created_contacts: created.map((c) => serializeContact(ctx.state, c)),
      existing_contacts: existing.map((c) => serializeContact(ctx.state, c)),
    },
    created.length > 0,
  )
}

// --- usage -------------------------------------------------------------------------------------------

export function usageKey(endpoint: string): string {
  const scopes: Record<string, [string, string]> = {
    email_accounts: ['api/v1/email_accounts', 'index'],
    'contacts/create': ['api/v1/contacts', 'create'],
  }
  const pair =
    scopes[endpoint] ??
    (() => {
      const slash = endpoint.lastIndexOf('/')
      return [`api/v1/${endpoint.slice(0, slash)}`, endpoint.slice(slash + 1)] as [string, string]
    })()
  return `["${pair[0]}", "${pair[1]}"]`
}
