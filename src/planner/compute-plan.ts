// The pure planner: desired state (manifests) + live state (Apollo) -> Plan. Synchronous, total,
// deterministic: the output depends on the order of desired.sequences (plan order) and on nothing
// else's order (maps, id lists, entries and memberships are all canonicalised).

import type {
  Change,
  ChangeKind,
  ChangeReason,
  Plan,
  PlanError,
  PlanSummary,
  PlanWarning,
  SequencePlan,
  SkipReason,
  UnmanagedMember,
} from '../model/plan.js'
import {CHANGE_ORDER} from '../model/plan.js'
import type {
  ContactDetails,
  DesiredEntry,
  DesiredSequence,
  DesiredState,
  EnrollSwitches,
  LiveContact,
  LiveMailbox,
  LiveSequence,
  LiveState,
  LiveStatus,
  MemberStatus,
  SourceRef,
} from '../model/state.js'
import {normalizeEmail, selectorKey} from '../model/state.js'
import {describeSkipReason} from '../render/reasons.js'
import {hashPlanChanges} from './plan-hash.js'

/** A change before the skip forecast is attached (mutable while planning, frozen into the Plan). */
interface Draft {
  kind: ChangeKind
  contactId: string | null
  email: string | null
  /** Normalised email, used for ordering and for contacts created by this plan. */
  normEmail: string | null
  source: SourceRef | null
  reason: ChangeReason
  liveStatus: LiveStatus
  details?: ContactDetails
  /** add only: the live contact, or null for a contact this plan creates. */
  contact?: LiveContact | null
  forecastSkip?: SkipReason
}

interface SequenceDraft {
  readonly desired: DesiredSequence
  readonly live: LiveSequence
  readonly mailboxId: string | undefined
  readonly liveMembers: number
  readonly changes: Draft[]
  readonly warnings: PlanWarning[]
  readonly unmanaged: UnmanagedMember[]
}

const STATUS_RANK: Readonly<Record<MemberStatus, number>> = {active: 0, paused: 1, finished: 2, failed: 3}

/** The contact's status in one sequence (`absent` when it has no membership there). */
export function statusIn(contact: LiveContact, sequenceId: string): LiveStatus {
  let best: MemberStatus | null = null
  for (const m of contact.memberships) {
    if (m.sequenceId !== sequenceId) continue
    if (best === null || STATUS_RANK[m.status] < STATUS_RANK[best]) best = m.status
  }
  return best ?? 'absent'
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

/** null sorts after any string. */
function compareNullable(a: string | null, b: string | null): number {
  if (a === b) return 0
  if (a === null) return 1
  if (b === null) return -1
  return compareStrings(a, b)
}

function compareSources(a: SourceRef | null | undefined, b: SourceRef | null | undefined): number {
  if (!a || !b) return a ? -1 : b ? 1 : 0
  return compareStrings(a.file, b.file) || a.line - b.line || a.col - b.col
}

function compareDrafts(a: Draft, b: Draft): number {
  return (
    CHANGE_ORDER.indexOf(a.kind) - CHANGE_ORDER.indexOf(b.kind) ||
    compareNullable(a.normEmail, b.normEmail) ||
    compareNullable(a.contactId, b.contactId)
  )
}

const WARNING_ORDER = [
  'sequence-inactive',
  'unmanaged',
  'skip-forecast',
  'already-finished',
  'member-failed',
  'not-enrolled',
  'missing-contact-skipped',
]

function compareWarnings(a: PlanWarning, b: PlanWarning): number {
  const ra = WARNING_ORDER.indexOf(a.code)
  const rb = WARNING_ORDER.indexOf(b.code)
  return (
    (ra < 0 ? WARNING_ORDER.length : ra) - (rb < 0 ? WARNING_ORDER.length : rb) ||
    compareStrings(a.code, b.code) ||
    compareNullable(a.email ? normalizeEmail(a.email) : null, b.email ? normalizeEmail(b.email) : null) ||
    compareNullable(a.contactId, b.contactId) ||
    compareStrings(a.message, b.message)
  )
}

function compareErrors(a: PlanError, b: PlanError): number {
  return compareSources(a.source, b.source) || compareStrings(a.code, b.code) || compareStrings(a.message, b.message)
}

function refKey(e: DesiredEntry): string {
  return e.ref.kind === 'id' ? `id:${e.ref.id}` : `email:${e.ref.email}`
}

function describeSelector(s: DesiredSequence): string {
  return 'id' in s.selector ? `id ${s.selector.id}` : `"${s.selector.name}"`
}

function resolveMailbox(
  mailbox: string,
  mailboxes: readonly LiveMailbox[],
): LiveMailbox | {readonly error: 'not-found'} {
  const sorted = [...mailboxes].sort((a, b) => compareStrings(a.id, b.id))
  const byId = sorted.find((m) => m.id === mailbox.trim())
  if (byId) return byId
  const wanted = normalizeEmail(mailbox)
  const byEmail = sorted.filter((m) => normalizeEmail(m.email) === wanted)
  return byEmail.find((m) => m.active) ?? byEmail[0] ?? {error: 'not-found'}
}

const DESIRED_LIST_REASON = {
  contacts: 'declared-in-contacts',
  finished: 'declared-in-finished',
  stopped: 'declared-in-stopped',
  removed: 'declared-in-removed',
} as const

type Resolution =
  | {readonly kind: 'contact'; readonly contact: LiveContact; readonly email: string | null}
  | {readonly kind: 'missing'; readonly normEmail: string; readonly display: string; readonly details?: ContactDetails}
  /** Not read: the sweep found no membership, so the contact is not in this sequence. */
  | {readonly kind: 'unread'; readonly label: string}
  | {readonly kind: 'error'}

/**
 * Compute the plan. Never throws on bad input: problems are `plan.errors` (a plan with errors must
 * not be applied).
 */
export function computePlan(desired: DesiredState, live: LiveState): Plan {
  const errors: PlanError[] = []
  const drafts: SequenceDraft[] = []
  const createdEmails = new Set<string>()
  const claimedSequences = new Map<string, DesiredSequence>()

  for (const ds of desired.sequences) {
    const seq = resolveSequence(ds, live, errors)
    if (!seq) continue
    const earlier = claimedSequences.get(seq.id)
    if (earlier) {
      errors.push({
        code: 'sequence-duplicate',
        message: `Sequence ${describeSelector(ds)} resolves to ${seq.id}, already managed by the manifest for ${describeSelector(earlier)}`,
        source: ds.source,
      })
      continue
    }
    claimedSequences.set(seq.id, ds)
    drafts.push(planSequence(ds, seq, live, errors, createdEmails))
  }

  forecastSkips(drafts, live)

  const sequences: SequencePlan[] = drafts.map((d) => finishSequence(d))
  const summary = summarise(sequences)
  return {
    formatVersion: 1,
    planHash: hashPlanChanges(sequences),
    summary,
    sequences,
    errors: errors.sort(compareErrors),
  }
}

function resolveSequence(ds: DesiredSequence, live: LiveState, errors: PlanError[]): LiveSequence | null {
  const found = [...(live.sequences.get(selectorKey(ds.selector)) ?? [])].sort((a, b) => compareStrings(a.id, b.id))
  const [first] = found
  if (!first) {
    errors.push({
      code: 'sequence-not-found',
      message:
        `Sequence ${describeSelector(ds)} was not found in Apollo` +
        ('name' in ds.selector
          ? " (Apollo's search does not return archived sequences: pin `id:` to check whether it was archived)"
          : ''),
      source: ds.source,
    })
    return null
  }
  if (found.length > 1) {
    errors.push({
      code: 'sequence-ambiguous',
      message: `Sequence ${describeSelector(ds)} matches ${found.length} Apollo sequences (${found.map((s) => s.id).join(', ')}): pin one with \`id:\``,
      source: ds.source,
    })
    return null
  }
  if (first.archived) {
    errors.push({
      code: 'sequence-archived',
      message: `Sequence ${describeSelector(ds)} (${first.id}) is archived in Apollo: it cannot be managed`,
      source: ds.source,
    })
    return null
  }
  return first
}

function resolveEntry(entry: DesiredEntry, ds: DesiredSequence, live: LiveState, errors: PlanError[]): Resolution {
  const ref = entry.ref
  if (ref.kind === 'id') {
    const contact = live.contacts.get(ref.id)
    if (contact) return {kind: 'contact', contact, email: contact.email}
    if (live.missingContactIds.has(ref.id)) {
      errors.push({
        code: 'contact-id-not-found',
        message: `Contact id ${ref.id} does not exist in Apollo`,
        source: entry.source,
      })
      return {kind: 'error'}
    }
    return {kind: 'unread', label: `id ${ref.id}`}
  }
  const ids = [...new Set(live.contactsByEmail.get(ref.email) ?? [])].sort(compareStrings)
  if (ids.length > 1) {
    errors.push({
      code: 'contact-ambiguous',
      message: `${ref.display} matches ${ids.length} Apollo contacts (${ids.join(', ')}): pin the one you mean with \`id:\``,
      source: entry.source,
    })
    return {kind: 'error'}
  }
  const [id] = ids
  if (id !== undefined) {
    const contact = live.contacts.get(id)
    if (contact) return {kind: 'contact', contact, email: ref.display}
    return {kind: 'unread', label: ref.display}
  }
  if (live.missingEmails.has(ref.email)) {
    if (ds.missingContacts === 'error') {
      errors.push({
        code: 'contact-missing',
        message: `No Apollo contact has the email ${ref.display} (set missingContacts: skip or create to allow this)`,
        source: entry.source,
      })
      return {kind: 'error'}
    }
    return ref.details
      ? {kind: 'missing', normEmail: ref.email, display: ref.display, details: ref.details}
      : {kind: 'missing', normEmail: ref.email, display: ref.display}
  }
  return {kind: 'unread', label: ref.display}
}

function planSequence(
  ds: DesiredSequence,
  seq: LiveSequence,
  live: LiveState,
  errors: PlanError[],
  createdEmails: Set<string>,
): SequenceDraft {
  const mailbox = resolveMailbox(ds.mailbox, live.mailboxes)
  let mailboxId: string | undefined
  if ('error' in mailbox) {
    errors.push({
      code: 'mailbox-not-found',
      message: `Mailbox ${ds.mailbox} is not an Apollo email account of this team (by id or email)`,
      source: ds.source,
    })
  } else if (!mailbox.active) {
    errors.push({
      code: 'mailbox-inactive',
      message: `Mailbox ${mailbox.email} (${mailbox.id}) is not active in Apollo`,
      source: ds.source,
    })
  } else {
    mailboxId = mailbox.id
  }

  const changes: Draft[] = []
  const warnings: PlanWarning[] = []
  const declared = new Map<string, DesiredEntry>()

  // Canonical entry order (by source), so the order of `entries` never changes the output.
  const entries = [...ds.entries].sort(
    (a, b) =>
      compareSources(a.source, b.source) || compareStrings(a.list, b.list) || compareStrings(refKey(a), refKey(b)),
  )
  for (const entry of entries) {
    const r = resolveEntry(entry, ds, live, errors)
    if (r.kind === 'error') continue
    if (r.kind === 'contact') {
      const earlier = declared.get(r.contact.id)
      if (earlier) {
        errors.push({
          code: 'contact-duplicate',
          message: `Contact ${r.contact.id} is declared twice for sequence ${describeSelector(ds)} (also at ${earlier.source.file}:${earlier.source.line}): an email and an id, or two of its emails`,
          source: entry.source,
        })
        continue
      }
      declared.set(r.contact.id, entry)
      applyTable(entry, r.contact, r.email, seq.id, changes, warnings)
      continue
    }
    if (r.kind === 'unread') {
      // The member sweep found no membership of this contact in the sequence, so it is absent here.
      if (entry.list === 'contacts') {
        errors.push({
          code: 'contact-unresolved',
          message: `Contact ${r.label} was not read from Apollo (incomplete live read): cannot plan its add`,
          source: entry.source,
        })
      } else if (entry.list !== 'removed') {
        warnings.push(
          entry.ref.kind === 'email'
            ? notEnrolled(entry, null, entry.ref.display)
            : notEnrolled(entry, entry.ref.id, null),
        )
      }
      continue
    }
    // Missing contact (missingContacts: skip | create).
    if (ds.missingContacts === 'skip') {
      warnings.push({
        code: 'missing-contact-skipped',
        message: 'no Apollo contact has this email: skipped (missingContacts: skip)',
        contactId: null,
        email: r.display,
        source: entry.source,
      })
      continue
    }
    if (entry.list === 'contacts') {
      if (!createdEmails.has(r.normEmail)) {
        createdEmails.add(r.normEmail)
        changes.push({
          kind: 'create',
          contactId: null,
          email: r.display,
          normEmail: r.normEmail,
          source: entry.source,
          reason: 'missing-contact',
          liveStatus: 'absent',
          ...(r.details ? {details: r.details} : {}),
        })
      }
      changes.push({
        kind: 'add',
        contactId: null,
        email: r.display,
        normEmail: r.normEmail,
        source: entry.source,
        reason: 'declared-in-contacts',
        liveStatus: 'absent',
        contact: null,
        ...(r.details ? {details: r.details} : {}),
      })
    } else if (entry.list !== 'removed') {
      warnings.push(notEnrolled(entry, null, r.display))
    }
  }

  // Undeclared live members.
  const memberIds = [...new Set(live.members.get(seq.id) ?? [])].sort(compareStrings)
  const unmanaged: UnmanagedMember[] = []
  let liveMembers = 0
  for (const id of memberIds) {
    const contact = live.contacts.get(id)
    if (!contact) {
      errors.push({
        code: 'live-state-inconsistent',
        message: `Contact ${id}, a member of sequence ${seq.id}, is missing from the live read`,
        source: ds.source,
      })
      continue
    }
    const status = statusIn(contact, seq.id)
    if (status === 'absent') continue
    liveMembers++
    if (declared.has(id)) continue
    const kind = pruneKind(ds.prune, status)
    if (ds.prune === 'none') {
      unmanaged.push({contactId: id, email: contact.email, status})
    } else if (kind) {
      changes.push({
        kind,
        contactId: id,
        email: contact.email,
        normEmail: contact.email === null ? null : normalizeEmail(contact.email),
        source: null,
        reason: 'pruned',
        liveStatus: status,
      })
    }
  }
  if (unmanaged.length > 0) {
    warnings.push({
      code: 'unmanaged',
      message: `${unmanaged.length} live member${unmanaged.length === 1 ? ' is' : 's are'} not declared in the manifest (prune: none leaves ${unmanaged.length === 1 ? 'it' : 'them'} alone)`,
      contactId: null,
      email: null,
      source: ds.source,
    })
  }
  if (!seq.active && changes.some((c) => c.kind === 'add')) {
    warnings.push({
      code: 'sequence-inactive',
      message: 'the sequence is inactive: contacts will be enrolled paused',
      contactId: null,
      email: null,
      source: ds.source,
    })
  }
  changes.sort(compareDrafts)
  return {desired: ds, live: seq, mailboxId, liveMembers, changes, warnings, unmanaged}
}

function pruneKind(prune: DesiredSequence['prune'], status: MemberStatus): ChangeKind | null {
  switch (prune) {
    case 'none':
      return null
    case 'remove':
      return 'remove'
    case 'finish':
      return status === 'active' || status === 'paused' ? 'finish' : null
    case 'stop':
      return status === 'active' ? 'stop' : null
  }
}

function notEnrolled(entry: DesiredEntry, contactId: string | null, email: string | null): PlanWarning {
  return {
    code: 'not-enrolled',
    message: `not enrolled in this sequence: nothing to ${entry.list === 'finished' ? 'finish' : 'stop'}`,
    contactId,
    email,
    source: entry.source,
  }
}

/** PRODUCT.md §2, one declared contact. */
function applyTable(
  entry: DesiredEntry,
  contact: LiveContact,
  email: string | null,
  sequenceId: string,
  changes: Draft[],
  warnings: PlanWarning[],
): void {
  const status = statusIn(contact, sequenceId)
  const base = {
    contactId: contact.id,
    email,
    normEmail: email === null ? null : normalizeEmail(email),
    source: entry.source,
    reason: DESIRED_LIST_REASON[entry.list],
    liveStatus: status,
  }
  const warn = (code: string, message: string): void => {
    warnings.push({code, message, contactId: contact.id, email, source: entry.source})
  }
  switch (entry.list) {
    case 'contacts':
      if (status === 'absent') changes.push({...base, kind: 'add', contact})
      else if (status === 'finished')
        warn('already-finished', 'already finished in this sequence: Apollo cannot re-enroll it')
      else if (status === 'failed')
        warn('member-failed', 'failed in this sequence (bounce or similar): Apollo will not re-enroll it')
      return
    case 'finished':
      if (status === 'absent') warnings.push(notEnrolled(entry, contact.id, email))
      else if (status === 'active' || status === 'paused') changes.push({...base, kind: 'finish'})
      return
    case 'stopped':
      if (status === 'absent') warnings.push(notEnrolled(entry, contact.id, email))
      else if (status === 'active') changes.push({...base, kind: 'stop'})
      return
    case 'removed':
      if (status !== 'absent') changes.push({...base, kind: 'remove'})
      return
  }
}

// ---------------------------------------------------------------------------------------------
// Skip forecast over the projected state: every removal/finish/stop first, then adds sequence by
// sequence in plan order (within a sequence in change order), as apply runs them.

class Projected {
  /** Identity key (`id:…` or `new:<email>`) -> sequence id -> status. */
  readonly statuses = new Map<string, Map<string, MemberStatus>>()
  /** Identity key -> normalised organisation name ('' = none). */
  readonly orgs = new Map<string, string>()
  /** Organisation -> sequence id -> identity keys active or paused there (the same-company index). */
  private readonly enrolledByOrg = new Map<string, Map<string, Set<string>>>()

  statusesOf(key: string): ReadonlyMap<string, MemberStatus> {
    return this.statuses.get(key) ?? new Map<string, MemberStatus>()
  }

  setOrg(key: string, org: string | null | undefined): void {
    this.orgs.set(key, (org ?? '').trim().toLowerCase())
  }

  setStatus(key: string, sequenceId: string, status: MemberStatus | null): void {
    let m = this.statuses.get(key)
    if (!m) {
      m = new Map()
      this.statuses.set(key, m)
    }
    if (status === null) m.delete(sequenceId)
    else m.set(sequenceId, status)
    const org = this.orgs.get(key) ?? ''
    if (org === '') return
    let bySeq = this.enrolledByOrg.get(org)
    if (!bySeq) {
      bySeq = new Map()
      this.enrolledByOrg.set(org, bySeq)
    }
    let keys = bySeq.get(sequenceId)
    if (!keys) {
      keys = new Set()
      bySeq.set(sequenceId, keys)
    }
    if (status === 'active' || status === 'paused') keys.add(key)
    else keys.delete(key)
  }

  /** Another contact of the same organisation is active or paused in the sequence. */
  hasColleagueIn(key: string, sequenceId: string): boolean {
    const org = this.orgs.get(key) ?? ''
    if (org === '') return false
    const keys = this.enrolledByOrg.get(org)?.get(sequenceId)
    if (!keys) return false
    return keys.size > (keys.has(key) ? 1 : 0)
  }
}

function identityOf(d: Draft): string {
  return d.contactId !== null ? `id:${d.contactId}` : `new:${d.normEmail ?? ''}`
}

function forecastSkips(drafts: readonly SequenceDraft[], live: LiveState): void {
  const projected = new Projected()
  for (const contact of live.contacts.values()) {
    const key = `id:${contact.id}`
    projected.setOrg(key, contact.organizationName)
    for (const membership of contact.memberships) {
      const st = statusIn(contact, membership.sequenceId)
      if (st !== 'absent') projected.setStatus(key, membership.sequenceId, st)
    }
  }
  for (const d of drafts) {
    for (const c of d.changes) {
      if (c.kind === 'remove') projected.setStatus(identityOf(c), d.live.id, null)
      else if (c.kind === 'finish') projected.setStatus(identityOf(c), d.live.id, 'finished')
      else if (c.kind === 'stop') projected.setStatus(identityOf(c), d.live.id, 'paused')
    }
  }
  for (const d of drafts) {
    for (const c of d.changes) {
      if (c.kind !== 'add') continue
      const key = identityOf(c)
      if (c.contact === null) projected.setOrg(key, c.details?.organization)
      const skip = forecastOne(c, key, d.live.id, d.desired.enroll, projected)
      if (skip) {
        c.forecastSkip = skip
        d.warnings.push({
          code: 'skip-forecast',
          message: `will be skipped by Apollo: ${describeSkipReason(skip)}`,
          contactId: c.contactId,
          email: c.email,
          source: c.source,
        })
      } else {
        projected.setStatus(key, d.live.id, d.live.active ? 'active' : 'paused')
      }
    }
  }
}

function forecastOne(
  c: Draft,
  key: string,
  sequenceId: string,
  enroll: EnrollSwitches,
  projected: Projected,
): SkipReason | undefined {
  const contact = c.contact ?? null
  if (contact !== null && (contact.email === null || contact.email.trim() === '') && !enroll.noEmail) {
    return 'contacts_without_email'
  }
  if ((contact === null || contact.emailStatus === 'unverified') && !enroll.unverifiedEmail) {
    return 'contacts_unverified_email'
  }
  let activeElsewhere = false
  let finishedElsewhere = false
  for (const [seqId, st] of projected.statusesOf(key)) {
    if (seqId === sequenceId) continue
    if (st === 'active' || st === 'paused') activeElsewhere = true
    if (st === 'finished') finishedElsewhere = true
  }
  if (activeElsewhere && !enroll.activeInOtherSequences) return 'contacts_active_in_other_campaigns'
  if (finishedElsewhere && !enroll.finishedInOtherSequences) return 'contacts_finished_in_other_campaigns'
  if (!enroll.sameCompany && projected.hasColleagueIn(key, sequenceId)) return 'contacts_in_same_company'
  return undefined
}

// ---------------------------------------------------------------------------------------------

function finishSequence(d: SequenceDraft): SequencePlan {
  const changes: Change[] = d.changes.map((c) => {
    const change: Change = {
      kind: c.kind,
      sequenceId: d.live.id,
      sequenceName: d.live.name,
      contactId: c.contactId,
      email: c.email,
      source: c.source,
      reason: c.reason,
      liveStatus: c.liveStatus,
      ...(c.kind === 'add' && d.mailboxId !== undefined ? {mailboxId: d.mailboxId} : {}),
      ...(c.kind === 'add' ? {enroll: {...d.desired.enroll}} : {}),
      ...(c.kind === 'create' && c.details ? {details: {...c.details}} : {}),
      ...(c.forecastSkip !== undefined ? {forecastSkip: c.forecastSkip} : {}),
    }
    return change
  })
  return {
    id: d.live.id,
    name: d.live.name,
    active: d.live.active,
    source: d.desired.source,
    liveMembers: d.liveMembers,
    unmanaged: d.unmanaged,
    changes,
    warnings: [...d.warnings].sort(compareWarnings),
  }
}

function summarise(sequences: readonly SequencePlan[]): PlanSummary {
  const s = {add: 0, remove: 0, finish: 0, stop: 0, create: 0, skipsForecast: 0}
  for (const seq of sequences) {
    for (const c of seq.changes) {
      s[c.kind]++
      if (c.kind === 'add' && c.forecastSkip !== undefined) s.skipsForecast++
    }
  }
  return s
}
