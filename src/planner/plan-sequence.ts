// Plans one managed sequence (README, Manifest reference: the decision table): resolves its mailbox and every declared contact,
// decides the change for each (the desired x live table), and prunes or reports undeclared members.
// Pure; problems are collected, never thrown.

import type {
  AddChange,
  AddTarget,
  Change,
  PlanProblem,
  PlanWarning,
  RemovalChange,
  UnmanagedMember,
  UnmanagedReason,
} from '../model/plan.js'
import type {
  ContactDetails,
  DesiredEntry,
  DesiredSequence,
  LiveContact,
  LiveSequence,
  LiveState,
  MemberStatus,
} from '../model/state.js'
import {normalizeEmail, statusIn} from '../model/state.js'
import {compareChanges, compareSources, compareStrings} from './compare.js'
import type {Resolution} from './resolve-refs.js'
import {resolveEntry, resolveMailboxId} from './resolve-refs.js'

/** A planned change with what ordering and the skip forecast need (neither goes into the Plan). */
export interface Draft {
  readonly change: Change
  /** Normalised email: ordering, and the identity of a contact this plan creates. */
  readonly normEmail: string | null
  /** add only: the live contact, or null for a contact this plan creates. */
  readonly contact?: LiveContact | null
  /** add of a contact this plan creates: the manifest's fields for it (its organisation counts for same-company). */
  readonly details?: ContactDetails
}

export interface SequenceDraft {
  readonly desired: DesiredSequence
  readonly live: LiveSequence
  readonly liveMembers: number
  /** Sorted by compareChanges. */
  readonly drafts: readonly Draft[]
  readonly warnings: readonly PlanWarning[]
  readonly unmanaged: readonly UnmanagedMember[]
}

/** What the planning of one sequence appends to. */
interface Context {
  readonly desired: DesiredSequence
  readonly live: LiveSequence
  /** The resolved mailbox; undefined when it did not resolve (a problem is reported, adds are not planned). */
  readonly mailboxId: string | undefined
  readonly drafts: Draft[]
  readonly warnings: PlanWarning[]
  readonly problems: PlanProblem[]
}

const DESIRED_LIST_REASON = {
  contacts: 'declared-in-contacts',
  finished: 'declared-in-finished',
  stopped: 'declared-in-stopped',
  removed: 'declared-in-removed',
} as const

/**
 * Plans `desired` against the live sequence it resolved to. `createdEmails` (normalised) is shared
 * across sequences so a missing contact is created once however many sequences want it.
 */
export function planSequence(
  desired: DesiredSequence,
  live: LiveSequence,
  state: LiveState,
  problems: PlanProblem[],
  createdEmails: Set<string>,
): SequenceDraft {
  const ctx: Context = {
    desired,
    live,
    mailboxId: resolveMailboxId(desired, state.mailboxes, problems),
    drafts: [],
    warnings: [],
    problems,
  }
  const declared = new Map<string, DesiredEntry>()

  // Canonical entry order (by source), so the order of `entries` never changes the output.
  const entries = [...desired.entries].sort(
    (a, b) =>
      compareSources(a.source, b.source) || compareStrings(a.list, b.list) || compareStrings(refKey(a), refKey(b)),
  )
  for (const entry of entries) {
    const r = resolveEntry(entry, desired, state, problems)
    switch (r.kind) {
      case 'error':
        break
      case 'contact': {
        const earlier = declared.get(r.contact.id)
        if (earlier) {
          problems.push({
            code: 'contact-duplicate',
            contactId: r.contact.id,
            selector: desired.selector,
            otherSource: earlier.source,
            source: entry.source,
          })
          break
        }
        declared.set(r.contact.id, entry)
        decideDeclared(ctx, entry, r.contact, r.email)
        break
      }
      case 'unread': {
        // The member sweep found no membership of this contact in the sequence, so it is absent here.
        if (entry.list === 'contacts') {
          const {kind: _unread, ...contact} = r
          problems.push({code: 'contact-unresolved', ...contact, source: entry.source})
        } else if (entry.list !== 'removed') {
          ctx.warnings.push(notEnrolled(entry, r.contactId, r.email))
        }
        break
      }
      case 'missing':
        planMissing(ctx, entry, r, createdEmails)
        break
    }
  }

  const {liveMembers, unmanaged} = planUndeclared(ctx, state, declared)
  for (const [code, reason] of [
    ['unmanaged', 'prune-none'],
    ['unmanaged-not-owned', 'added-by-another-user'],
  ] as const) {
    const count = unmanaged.filter((m) => m.reason === reason).length
    if (count > 0) ctx.warnings.push({code, count, contactId: null, email: null, source: desired.source})
  }
  if (!live.active && ctx.drafts.some((d) => d.change.kind === 'add')) {
    ctx.warnings.push({code: 'sequence-inactive', contactId: null, email: null, source: desired.source})
  }
  const drafts = ctx.drafts.sort(compareChanges)
  return {desired, live, liveMembers, drafts, warnings: ctx.warnings, unmanaged}
}

function refKey(e: DesiredEntry): string {
  return e.ref.kind === 'id' ? `id:${e.ref.id}` : `email:${e.ref.email}`
}

/** README, Manifest reference: the decision table, one declared contact Apollo has: the table row of its list, at its live status. */
function decideDeclared(ctx: Context, entry: DesiredEntry, contact: LiveContact, email: string | null): void {
  const status = statusIn(contact, ctx.live.id)
  const warn = (code: 'already-finished' | 'member-failed'): void => {
    ctx.warnings.push({code, contactId: contact.id, email, source: entry.source})
  }
  const member = (kind: RemovalChange['kind']): void => {
    ctx.drafts.push({
      change: {
        kind,
        ...about(ctx, contact.id, email),
        source: entry.source,
        reason: DESIRED_LIST_REASON[entry.list],
        liveStatus: status,
      },
      normEmail: email === null ? null : normalizeEmail(email),
    })
  }
  switch (entry.list) {
    case 'contacts':
      if (status === 'absent') addDraft(ctx, entry, {contactId: contact.id, email}, contact)
      else if (status === 'finished') warn('already-finished')
      else if (status === 'failed') warn('member-failed')
      return
    case 'finished':
      if (status === 'absent') ctx.warnings.push(notEnrolled(entry, contact.id, email))
      else if (status === 'active' || status === 'paused') member('finish')
      return
    case 'stopped':
      if (status === 'absent') ctx.warnings.push(notEnrolled(entry, contact.id, email))
      else if (status === 'active') member('stop')
      return
    case 'removed':
      if (status !== 'absent') member('remove')
      return
  }
}

/** A declared email no Apollo contact has, with missingContacts: skip | create. */
function planMissing(
  ctx: Context,
  entry: DesiredEntry,
  missing: Extract<Resolution, {kind: 'missing'}>,
  createdEmails: Set<string>,
): void {
  if (ctx.desired.missingContacts === 'skip') {
    ctx.warnings.push({code: 'missing-contact-skipped', contactId: null, email: missing.display, source: entry.source})
    return
  }
  if (entry.list !== 'contacts') {
    if (entry.list !== 'removed') ctx.warnings.push(notEnrolled(entry, null, missing.display))
    return
  }
  if (!createdEmails.has(missing.normEmail)) {
    createdEmails.add(missing.normEmail)
    ctx.drafts.push({
      change: {
        kind: 'create',
        ...about(ctx, null, missing.display),
        source: entry.source,
        reason: 'missing-contact',
        liveStatus: 'absent',
        ...(missing.details ? {details: missing.details} : {}),
      },
      normEmail: missing.normEmail,
    })
  }
  addDraft(ctx, entry, {contactId: null, email: missing.display}, null, missing.details)
}

/** An add of a live contact, or (`contact` null) of the contact this plan creates; none without a mailbox. */
function addDraft(
  ctx: Context,
  entry: DesiredEntry,
  target: AddTarget,
  contact: LiveContact | null,
  details?: ContactDetails,
): void {
  if (ctx.mailboxId === undefined) return
  const change: AddChange = {
    kind: 'add',
    sequenceId: ctx.live.id,
    sequenceName: ctx.live.name,
    ...target,
    source: entry.source,
    reason: 'declared-in-contacts',
    liveStatus: 'absent',
    mailboxId: ctx.mailboxId,
    enroll: {...ctx.desired.enroll},
  }
  const normEmail = target.email === null ? null : normalizeEmail(target.email)
  ctx.drafts.push({change, normEmail, contact, ...(details ? {details} : {})})
}

/** The sequence and contact fields of a change, in the order plan files list them. */
function about<I extends string | null, E extends string | null>(
  ctx: Context,
  contactId: I,
  email: E,
): {sequenceId: string; sequenceName: string; contactId: I; email: E} {
  return {sequenceId: ctx.live.id, sequenceName: ctx.live.name, contactId, email}
}

/**
 * Live members the manifest does not declare: pruned by the prune mode, or reported as unmanaged —
 * with `prune: none`, or with `pruneScope: owned` when the membership was not added by the API key's
 * user (an unknown adder or an unread key owner counts as someone else: never touched).
 */
function planUndeclared(
  ctx: Context,
  state: LiveState,
  declared: ReadonlyMap<string, DesiredEntry>,
): {liveMembers: number; unmanaged: UnmanagedMember[]} {
  const {desired, live} = ctx
  const memberIds = [...new Set(state.members.get(live.id) ?? [])].sort(compareStrings)
  const unmanaged: UnmanagedMember[] = []
  let liveMembers = 0
  for (const id of memberIds) {
    const contact = state.contacts.get(id)
    if (!contact) {
      ctx.problems.push({code: 'live-state-inconsistent', contactId: id, sequenceId: live.id, source: desired.source})
      continue
    }
    const status = statusIn(contact, live.id)
    if (status === 'absent') continue
    liveMembers++
    if (declared.has(id)) continue
    const addedByUserId = addedBy(contact, live.id, status)
    const leaveAlone = (reason: UnmanagedReason): void => {
      unmanaged.push({contactId: id, email: contact.email, status, reason, addedByUserId})
    }
    if (desired.prune === 'none') {
      leaveAlone('prune-none')
      continue
    }
    if (desired.pruneScope === 'owned' && (addedByUserId === null || addedByUserId !== state.keyOwner?.userId)) {
      leaveAlone('added-by-another-user')
      continue
    }
    const kind = pruneKind(desired.prune, status)
    if (kind === null) continue
    ctx.drafts.push({
      change: {kind, ...about(ctx, id, contact.email), source: null, reason: 'pruned', liveStatus: status},
      normEmail: contact.email === null ? null : normalizeEmail(contact.email),
    })
  }
  return {liveMembers, unmanaged}
}

/** `added_by_user_id` of the contact's membership in the sequence with `status` (the one statusIn picked). */
function addedBy(contact: LiveContact, sequenceId: string, status: MemberStatus): string | null {
  return contact.memberships.find((m) => m.sequenceId === sequenceId && m.status === status)?.addedByUserId ?? null
}

function pruneKind(prune: 'remove' | 'finish' | 'stop', status: MemberStatus): RemovalChange['kind'] | null {
  switch (prune) {
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
    list: entry.list === 'finished' ? 'finished' : 'stopped',
    contactId,
    email,
    source: entry.source,
  }
}
