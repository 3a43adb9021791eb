// In-memory Apollo state for the emulator, with the indexes a 100,000-membership seed needs:
// sequence id -> member ids, email -> contact ids, contacts in creation order, and a per-version
// cache of sorted query results so paging a big multi-sequence query never recomputes the union.

import {UsageError} from '../errors.js'
import {normalizeEmail} from '../model/state.js'
import type {EmulatorSeed, SeedContact} from './types.js'

export type MembershipStatus = 'active' | 'paused' | 'finished' | 'failed'

export interface MembershipRec {
  readonly sequenceId: string
  status: MembershipStatus
  inactiveReason: string | null
  failureReason: string | null
  mailboxId: string | null
  /** The Apollo user who enrolled the contact (`added_by_user_id`). */
  addedByUserId: string | null
  addedAt: string
  finishedAt: string | null
  pausedAt: string | null
}

export interface ContactRec {
  readonly id: string
  email: string | null
  firstName: string | null
  lastName: string | null
  organizationName: string | null
  title: string | null
  emailStatus: string | null
  otherEmails: string[]
  jobChange: boolean
  readonly createdAt: string
  /** `createdAt` in epoch ms: the `contact_created_at` sort key (ties broken by id). */
  readonly createdMs: number
  updatedAt: string
  /** Insertion order (snapshots keep it). */
  readonly order: number
  /** Monotonic counter bumped on every change (sort key of contact_updated_at). */
  updatedSeq: number
  /** Sequence id -> membership, in enrolment order (= `emailer_campaign_ids` order). */
  readonly memberships: Map<string, MembershipRec>
  /** Sequences this contact was removed from with mode `remove`: Apollo cannot re-add it there. */
  readonly removedFrom: Set<string>
  /** Lower-cased text `q_keywords` matches against. */
  haystack: string
}

export interface SequenceRec {
  readonly id: string
  name: string
  active: boolean
  archived: boolean
  readonly createdAt: string
  readonly order: number
}

export interface MailboxRec {
  readonly id: string
  readonly email: string
  active: boolean
  /** When Apollo revoked the mailbox's access (`revoked_at`), or null. */
  revokedAt: string | null
  readonly userId: string | null
}

export interface ContactQuery {
  /** Contacts having ANY of these sequences; null = no filter. */
  readonly sequenceIds: readonly string[] | null
  /** Lower-cased keyword; null = none. */
  readonly keywords: string | null
  readonly sortField: 'created' | 'updated' | null
  readonly ascending: boolean
}

const BASE_TIME = Date.UTC(2024, 0, 1)
const DEFAULT_USER = {
  id: '5c1004a041f5ac0995d5f600',
  email: 'emulator@example.com',
  first_name: 'Emulator',
  last_name: 'User',
}
const CACHE_SIZE = 16

function isoAt(ms: number): string {
  return new Date(ms).toISOString()
}

export function nowIso(): string {
  return new Date().toISOString()
}

/** Apollo-like 24-hex id from a counter (deterministic per emulator instance). */
function makeId(prefix: string, n: number): string {
  return prefix + n.toString(16).padStart(24 - prefix.length, '0')
}

export class EmulatorState {
  readonly apiKeys: string[]
  readonly restrictedKeys: Record<string, string[]>
  readonly users: {id: string; email: string; first_name?: string; last_name?: string}[]
  readonly mailboxes = new Map<string, MailboxRec>()
  readonly sequences = new Map<string, SequenceRec>()
  readonly contacts = new Map<string, ContactRec>()
  /** Contacts in creation order. */
  readonly contactOrder: ContactRec[] = []
  /** Sequence id -> ids of contacts with a membership in it. */
  readonly members = new Map<string, Set<string>>()
  /** Lower-cased primary or additional email -> contact ids. */
  readonly byEmail = new Map<string, Set<string>>()
  /** Bumped on every mutation; keys the query cache. */
  version = 0
  readonly teamId: string
  #nextOrder = 0
  #nextSequenceOrder = 0
  #nextUpdateSeq = 0
  #idCounter = 0
  readonly #cache = new Map<string, {version: number; ids: string[]}>()

  constructor(seed: EmulatorSeed) {
    this.apiKeys = [...seed.apiKeys]
    // No prototype: a key named `constructor` or `__proto__` is an unknown key, not Object's member.
    this.restrictedKeys = Object.assign(
      Object.create(null) as Record<string, string[]>,
      Object.fromEntries(Object.entries(seed.restrictedKeys ?? {}).map(([k, v]) => [k, [...v]])),
    )
    this.users = (seed.users ?? []).map((u) => ({...u}))
    this.teamId = makeId('7ea', 1)
    for (const m of seed.emailAccounts) {
      this.mailboxes.set(m.id, {
        id: m.id,
        email: m.email,
        active: m.active,
        revokedAt: m.revoked_at ?? null,
        userId: m.user_id ?? null,
      })
    }
    for (const s of seed.sequences) {
      const order = this.#nextSequenceOrder++
      this.sequences.set(s.id, {
        id: s.id,
        name: s.name,
        active: s.active,
        archived: s.archived ?? false,
        createdAt: isoAt(BASE_TIME + order * 3_600_000),
        order,
      })
      this.members.set(s.id, new Set())
    }
    for (const c of seed.contacts) this.addSeedContact(c)
  }

  // --- helpers -----------------------------------------------------------------------------------

  newId(): string {
    this.#idCounter += 1
    let id = makeId('c0de', this.#idCounter)
    while (this.contacts.has(id)) {
      this.#idCounter += 1
      id = makeId('c0de', this.#idCounter)
    }
    return id
  }

  bump(): void {
    this.version += 1
  }

  touch(contact: ContactRec): void {
    contact.updatedSeq = ++this.#nextUpdateSeq
    contact.updatedAt = nowIso()
    this.bump()
  }

  membersOf(sequenceId: string): Set<string> {
    let set = this.members.get(sequenceId)
    if (!set) {
      set = new Set()
      this.members.set(sequenceId, set)
    }
    return set
  }

  /** The user every API key of the emulator acts as (`users/api_profile`): the seed's first user. */
  actingUser(): {id: string; email: string; first_name?: string; last_name?: string} {
    return this.users[0] ?? DEFAULT_USER
  }

  defaultMailboxId(): string | null {
    const first = this.mailboxes.values().next()
    return first.done ? null : first.value.id
  }

  // --- contacts ----------------------------------------------------------------------------------

  addSeedContact(c: SeedContact, createdAt?: string): ContactRec {
    if (this.contacts.has(c.id)) throw new UsageError(`emulator: contact ${c.id} already exists`)
    const order = this.#nextOrder++
    const created = createdAt ?? isoAt(BASE_TIME + order * 1000)
    const rec: ContactRec = {
      id: c.id,
      email: c.email,
      firstName: c.first_name ?? null,
      lastName: c.last_name ?? null,
      organizationName: c.organization_name ?? null,
      title: c.title ?? null,
      emailStatus: c.email_status === undefined ? (c.email === null ? null : 'verified') : c.email_status,
      otherEmails: [...(c.other_emails ?? [])],
      jobChange: c.job_change ?? false,
      createdAt: created,
      createdMs: Date.parse(created),
      updatedAt: created,
      order,
      updatedSeq: ++this.#nextUpdateSeq,
      memberships: new Map(),
      removedFrom: new Set(c.removed_sequence_ids ?? []),
      haystack: '',
    }
    rec.haystack = buildHaystack(rec)
    for (const m of c.memberships ?? []) {
      rec.memberships.set(m.sequence_id, {
        sequenceId: m.sequence_id,
        status: m.status,
        inactiveReason: m.inactive_reason ?? defaultInactiveReason(m.status, this.sequences.get(m.sequence_id)),
        failureReason: m.failure_reason ?? (m.status === 'failed' ? 'hard_bounced' : null),
        mailboxId: m.mailbox_id ?? this.defaultMailboxId(),
        addedByUserId: m.added_by_user_id === undefined ? this.actingUser().id : m.added_by_user_id,
        addedAt: isoAt(BASE_TIME + 86_400_000),
        finishedAt: m.status === 'finished' ? isoAt(BASE_TIME + 2 * 86_400_000) : null,
        pausedAt: m.status === 'paused' ? isoAt(BASE_TIME + 2 * 86_400_000) : null,
      })
      this.membersOf(m.sequence_id).add(rec.id)
    }
    this.contacts.set(rec.id, rec)
    this.contactOrder.push(rec)
    this.#indexEmails(rec)
    this.bump()
    return rec
  }

  #indexEmails(rec: ContactRec): void {
    for (const e of [rec.email, ...rec.otherEmails]) {
      if (!e) continue
      const key = normalizeEmail(e)
      let set = this.byEmail.get(key)
      if (!set) {
        set = new Set()
        this.byEmail.set(key, set)
      }
      set.add(rec.id)
    }
  }

  /** Contacts whose primary or additional email equals `email` (case-insensitive), oldest first. */
  findByEmail(email: string): ContactRec[] {
    const ids = this.byEmail.get(normalizeEmail(email))
    if (!ids) return []
    return [...ids]
      .map((id) => this.contacts.get(id))
      .filter((c): c is ContactRec => c !== undefined)
      .sort((a, b) => a.order - b.order)
  }

  createContact(fields: {
    email: string | null
    firstName: string | null
    lastName: string | null
    organizationName: string | null
    title: string | null
  }): ContactRec {
    return this.addSeedContact(
      {
        id: this.newId(),
        email: fields.email,
        first_name: fields.firstName,
        last_name: fields.lastName,
        organization_name: fields.organizationName,
        title: fields.title,
        // Our hardest assumption: contacts created through the API start unverified.
        email_status: fields.email === null ? null : 'unverified',
      },
      nowIso(),
    )
  }

  /** Deletes a contact with its memberships and email index entries (test hook: someone deletes it in Apollo). */
  deleteContact(id: string): void {
    const rec = this.contacts.get(id)
    if (!rec) throw new UsageError(`emulator: unknown contact ${id}`)
    this.contacts.delete(id)
    this.contactOrder.splice(this.contactOrder.indexOf(rec), 1)
    for (const sequenceId of rec.memberships.keys()) this.members.get(sequenceId)?.delete(id)
    for (const e of [rec.email, ...rec.otherEmails]) if (e) this.byEmail.get(normalizeEmail(e))?.delete(id)
    this.bump()
  }

  // --- memberships -------------------------------------------------------------------------------

  setStatus(
    contact: ContactRec,
    sequenceId: string,
    status: MembershipStatus | 'absent',
    mailboxId?: string | null,
    addedByUserId?: string | null,
  ): void {
    const existing = contact.memberships.get(sequenceId)
    const now = nowIso()
    if (status === 'absent') {
      if (!existing) return
      contact.memberships.delete(sequenceId)
      this.membersOf(sequenceId).delete(contact.id)
    } else if (existing) {
      existing.status = status
      existing.inactiveReason = defaultInactiveReason(status, this.sequences.get(sequenceId))
      existing.failureReason = status === 'failed' ? 'hard_bounced' : null
      existing.finishedAt = status === 'finished' ? now : null
      existing.pausedAt = status === 'paused' ? now : null
    } else {
      contact.memberships.set(sequenceId, {
        sequenceId,
        status,
        inactiveReason: defaultInactiveReason(status, this.sequences.get(sequenceId)),
        failureReason: status === 'failed' ? 'hard_bounced' : null,
        mailboxId: mailboxId ?? this.defaultMailboxId(),
        addedByUserId: addedByUserId === undefined ? this.actingUser().id : addedByUserId,
        addedAt: now,
        finishedAt: status === 'finished' ? now : null,
        pausedAt: status === 'paused' ? now : null,
      })
      this.membersOf(sequenceId).add(contact.id)
    }
    this.touch(contact)
  }

  // --- queries -----------------------------------------------------------------------------------

  /** Ids matching `query`, sorted; cached per (query, state version). */
  queryContactIds(query: ContactQuery): string[] {
    const key = JSON.stringify([
      query.sequenceIds === null ? null : [...new Set(query.sequenceIds)].sort(),
      query.keywords,
      query.sortField,
      query.ascending,
    ])
    const hit = this.#cache.get(key)
    if (hit && hit.version === this.version) {
      // refresh LRU position
      this.#cache.delete(key)
      this.#cache.set(key, hit)
      return hit.ids
    }
    const ids = this.#computeQuery(query)
    this.#cache.delete(key)
    this.#cache.set(key, {version: this.version, ids})
    while (this.#cache.size > CACHE_SIZE) {
      const oldest = this.#cache.keys().next()
      if (oldest.done) break
      this.#cache.delete(oldest.value)
    }
    return ids
  }

  #computeQuery(query: ContactQuery): string[] {
    let recs: ContactRec[]
    if (query.sequenceIds !== null) {
      const union = new Set<string>()
      for (const sid of query.sequenceIds) for (const id of this.members.get(sid) ?? []) union.add(id)
      recs = []
      for (const id of union) {
        const c = this.contacts.get(id)
        if (c) recs.push(c)
      }
    } else {
      recs = [...this.contactOrder]
    }
    if (query.keywords !== null) {
      const kw = query.keywords
      recs = recs.filter((c) => c.haystack.includes(kw))
    }
    // Oldest first by contact_created_at, ties broken by id: the order the two-ended reads rely on
    // (and without a sort field, Apollo's default here).
    recs.sort(query.sortField === 'updated' ? (a, b) => a.updatedSeq - b.updatedSeq : byCreation)
    // contact_created_at and contact_updated_at default to newest first, as Apollo documents.
    if (query.sortField !== null && !query.ascending) recs.reverse()
    return recs.map((c) => c.id)
  }

  /** Member counts per status (GET /emailer_campaigns/{id} `contact_statuses`). */
  countStatuses(sequenceId: string): Record<string, number> {
    const counts: Record<string, number> = {
      active: 0,
      failed: 0,
      paused: 0,
      finished: 0,
      bounced: 0,
      hard_bounced: 0,
      spam_blocked: 0,
      not_sent: 0,
    }
    for (const id of this.members.get(sequenceId) ?? []) {
      const m = this.contacts.get(id)?.memberships.get(sequenceId)
      if (!m) continue
      counts[m.status] = (counts[m.status] ?? 0) + 1
      if (m.status === 'failed' && m.failureReason && m.failureReason in counts) {
        counts[m.failureReason] = (counts[m.failureReason] ?? 0) + 1
      }
    }
    return counts
  }
}

function byCreation(a: ContactRec, b: ContactRec): number {
  return a.createdMs - b.createdMs || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
}

function defaultInactiveReason(status: MembershipStatus, sequence: SequenceRec | undefined): string | null {
  switch (status) {
    case 'active':
      return null
    case 'paused':
      return sequence && !sequence.active ? 'Sequence inactive' : 'Manually stopped'
    case 'finished':
      return 'manually finished'
    case 'failed':
      return 'Email bounced'
  }
}

export function buildHaystack(c: ContactRec): string {
  return [
    c.firstName,
    c.lastName,
    c.firstName !== null || c.lastName !== null ? `${c.firstName ?? ''} ${c.lastName ?? ''}`.trim() : null,
    c.title,
    c.organizationName,
    c.email,
    ...c.otherEmails,
  ]
    .filter((s): s is string => typeof s === 'string' && s.length > 0)
    .join('\n')
    .toLowerCase()
}
