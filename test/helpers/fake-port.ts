// An in-memory SequencePort with Apollo's semantics for the applier tests: skip reasons as
// add_contact_ids reports them, dedupe on bulk_create, remove/finish/stop per sequence; every call
// is recorded; failures can be injected (5xx, 4xx, quota, lost responses).

import type {PortNewContact, SequencePort} from '../../src/applier/port.js'
import type {AddContactsResult, RemoveContactsResult} from '../../src/model/writes.js'
import {ApolloApiError, QuotaExhaustedError} from '../../src/errors.js'
import type {Change, ChangeKind, ChangeReason, Plan, SequencePlan, SkipReason} from '../../src/model/plan.js'
import type {
  ContactDetails,
  EnrollSwitches,
  LiveContact,
  LiveMembership,
  LiveStatus,
  MemberStatus,
  SourceRef,
} from '../../src/model/state.js'
import {DEFAULT_ENROLL, normalizeEmail} from '../../src/model/state.js'

export interface FakeContact {
  id: string
  email: string | null
  otherEmails?: string[]
  emailStatus?: string | null
  jobChange?: boolean
  organizationName?: string | null
  /** sequence id -> status */
  memberships?: Record<string, MemberStatus>
}

export type FakeCall =
  | {readonly method: 'bulkCreateContacts'; readonly emails: readonly string[]}
  | {
      readonly method: 'addContactIds'
      readonly sequenceId: string
      readonly contactIds: readonly string[]
      readonly mailboxId: string
      readonly enroll: EnrollSwitches
    }
  | {
      readonly method: 'removeOrStopContactIds'
      readonly sequenceId: string
      readonly contactIds: readonly string[]
      readonly mode: 'remove' | 'mark_as_finished' | 'stop'
    }

export interface FakePortOptions {
  readonly contacts?: readonly FakeContact[]
  /** Sequence id -> active flag (unknown sequences count as active). Adds to an inactive one land paused. */
  readonly sequences?: Readonly<Record<string, {readonly active: boolean}>>
  /** The first N calls (any method) throw an ApolloApiError with status 500 before writing. */
  readonly failFirst?: number
  /** Any call whose contact ids (or emails for bulk create) include one of these throws status 500, every time. */
  readonly failWhenContains?: readonly string[]
  /** Use a plain Error with a numeric `status` (not an ApolloApiError) for the injected 5xx. */
  readonly plainServerErrors?: boolean
  /** Any call whose contact ids include one of these throws a 422 ApolloApiError, every time. */
  readonly fail4xxWhenContains?: readonly string[]
  /** After this many calls (successful or not), every further call throws QuotaExhaustedError. */
  readonly quotaAfter?: number
  /** Ids whose add or removal is written but that the answer does not list (neither `contacts` nor `skipped_contact_ids`). */
  readonly unreportedIds?: readonly string[]
  /** The first N calls write, then throw a 500 (the answer is lost). */
  readonly loseFirstAnswers?: number
  /** Runs at the start of every call (after recording it); may await to simulate latency. */
  readonly beforeCall?: (call: FakeCall, index: number) => Promise<void> | void
  /** Milliseconds every call takes (a setTimeout); default 0 = one macrotask. */
  readonly latencyMs?: number
}

interface StoredContact {
  id: string
  email: string | null
  otherEmails: string[]
  emailStatus: string | null
  jobChange: boolean
  organizationName: string | null
  memberships: Map<string, MemberStatus>
}

export class FakeSequencePort implements SequencePort {
  readonly calls: FakeCall[] = []
  /** `start <method> <sequence>` / `end …` per call, in the order they happened. */
  readonly log: string[] = []
  /** Most calls that were in flight at once. */
  maxInFlight = 0
  private inFlight = 0
  private readonly contacts = new Map<string, StoredContact>()
  private readonly sequences: Readonly<Record<string, {readonly active: boolean}>>
  private readonly options: FakePortOptions
  private nextId = 1

  constructor(options: FakePortOptions = {}) {
    this.options = options
    this.sequences = options.sequences ?? {}
    for (const c of options.contacts ?? []) {
      this.contacts.set(c.id, {
        id: c.id,
        email: c.email,
        otherEmails: [...(c.otherEmails ?? [])],
        emailStatus: c.emailStatus === undefined ? 'verified' : c.emailStatus,
        jobChange: c.jobChange ?? false,
        organizationName: c.organizationName ?? null,
        memberships: new Map(Object.entries(c.memberships ?? {})),
      })
    }
  }

  callsOf<M extends FakeCall['method']>(method: M): Extract<FakeCall, {method: M}>[] {
    return this.calls.filter((c): c is Extract<FakeCall, {method: M}> => c.method === method)
  }

  /** Current status of a contact in a sequence. */
  statusOf(contactId: string, sequenceId: string): MemberStatus | 'absent' {
    return this.contacts.get(contactId)?.memberships.get(sequenceId) ?? 'absent'
  }

  /** Sets a membership behind the applier's back (someone editing in Apollo's UI). */
  setStatus(contactId: string, sequenceId: string, status: MemberStatus | 'absent'): void {
    const contact = this.contacts.get(contactId)
    if (contact === undefined) throw new Error(`fake: unknown contact ${contactId}`)
    if (status === 'absent') contact.memberships.delete(sequenceId)
    else contact.memberships.set(sequenceId, status)
  }

  findIdByEmail(email: string): string | undefined {
    const wanted = normalizeEmail(email)
    for (const c of this.contacts.values()) {
      if (c.email !== null && normalizeEmail(c.email) === wanted) return c.id
    }
    return undefined
  }

  /** What a member sweep of these sequences would read: members and their full contacts. */
  sweep(sequenceIds: readonly string[]): {contacts: Map<string, LiveContact>; members: Map<string, string[]>} {
    const contacts = new Map<string, LiveContact>()
    const members = new Map<string, string[]>(sequenceIds.map((id) => [id, []]))
    for (const c of this.contacts.values()) {
      for (const seq of sequenceIds) {
        if (c.memberships.has(seq)) {
          members.get(seq)?.push(c.id)
          contacts.set(c.id, this.toLive(c))
        }
      }
    }
    return {contacts, members}
  }

  async bulkCreateContacts(
    contacts: readonly PortNewContact[],
  ): Promise<{readonly created: readonly LiveContact[]; readonly existing: readonly LiveContact[]}> {
    const call: FakeCall = {method: 'bulkCreateContacts', emails: contacts.map((c) => c.email)}
    await this.enter(call)
    try {
      if (contacts.length > 100)
        throw this.error422('/contacts/bulk_create', 'Please limit your array to 100 contacts or fewer.')
      const created: LiveContact[] = []
      const existing: LiveContact[] = []
      for (const nc of contacts) {
        const wanted = normalizeEmail(nc.email)
        const match = [...this.contacts.values()].find(
          (c) =>
            (c.email !== null && normalizeEmail(c.email) === wanted) ||
            c.otherEmails.some((e) => normalizeEmail(e) === wanted),
        )
        if (match !== undefined) {
          existing.push(this.toLive(match))
          continue
        }
        const stored: StoredContact = {
          id: `new-${this.nextId++}`,
          email: nc.email,
          otherEmails: [],
          emailStatus: 'verified',
          jobChange: false,
          organizationName: nc.organization ?? null,
          memberships: new Map(),
        }
        this.contacts.set(stored.id, stored)
        created.push(this.toLive(stored))
      }
      return {created, existing}
    } finally {
      this.exit(call)
    }
  }

  async addContactIds(request: {
    readonly sequenceId: string
    readonly contactIds: readonly string[]
    readonly mailboxId: string
    readonly enroll: EnrollSwitches
  }): Promise<AddContactsResult> {
    const call: FakeCall = {method: 'addContactIds', ...request, contactIds: [...request.contactIds]}
    const index = await this.enter(call)
    try {
      const {sequenceId, enroll} = request
      const active = this.sequences[sequenceId]?.active ?? true
      const added: LiveContact[] = []
      const skipped: Record<string, string> = {}
      for (const id of request.contactIds) {
        const c = this.contacts.get(id)
        const reason = c === undefined ? 'contact_not_found' : this.skipReason(c, sequenceId, enroll)
        if (reason !== null) {
          skipped[id] = reason
          continue
        }
        c?.memberships.set(sequenceId, active ? 'active' : 'paused')
        if (c !== undefined && !(this.options.unreportedIds ?? []).includes(id)) added.push(this.toLive(c))
      }
      this.loseAnswer(index, call)
      return {added, skipped}
    } finally {
      this.exit(call)
    }
  }

  async removeOrStopContactIds(request: {
    readonly sequenceId: string
    readonly contactIds: readonly string[]
    readonly mode: 'remove' | 'mark_as_finished' | 'stop'
  }): Promise<RemoveContactsResult> {
    const call: FakeCall = {method: 'removeOrStopContactIds', ...request, contactIds: [...request.contactIds]}
    const index = await this.enter(call)
    try {
      const contacts: LiveContact[] = []
      for (const id of request.contactIds) {
        const c = this.contacts.get(id)
        if (c === undefined) continue
        const m = c.memberships
        if (request.mode === 'remove') m.delete(request.sequenceId)
        else if (request.mode === 'mark_as_finished' && m.has(request.sequenceId)) m.set(request.sequenceId, 'finished')
        else if (request.mode === 'stop' && m.get(request.sequenceId) === 'active') m.set(request.sequenceId, 'paused')
        if (!(this.options.unreportedIds ?? []).includes(id)) contacts.push(this.toLive(c))
      }
      this.loseAnswer(index, call)
      return {contacts}
    } finally {
      this.exit(call)
    }
  }

  // -------------------------------------------------------------------------------------------

  private skipReason(c: StoredContact, sequenceId: string, enroll: EnrollSwitches): string | null {
    if (c.memberships.has(sequenceId)) return 'contacts_already_exists_in_current_campaign'
    if (c.email === null && !enroll.noEmail) return 'contacts_without_email'
    if (c.emailStatus !== 'verified' && c.email !== null && !enroll.unverifiedEmail) return 'contacts_unverified_email'
    if (c.jobChange && !enroll.jobChange) return 'contacts_with_job_change'
    const others = [...c.memberships.entries()].filter(([seq]) => seq !== sequenceId)
    if (!enroll.activeInOtherSequences && others.some(([, s]) => s === 'active' || s === 'paused')) {
      return 'contacts_active_in_other_campaigns'
    }
    if (!enroll.finishedInOtherSequences && others.some(([, s]) => s === 'finished')) {
      return 'contacts_finished_in_other_campaigns'
    }
    return null
  }

  /** `loseFirstAnswers`: the write happened, the answer does not arrive. */
  private loseAnswer(index: number, call: FakeCall): void {
    if (index < (this.options.loseFirstAnswers ?? 0)) {
      throw new ApolloApiError({
        method: 'POST',
        path: describeCall(call),
        status: 500,
        apolloMessage: 'Unexpected error',
      })
    }
  }

  /** Records the call, applies injected failures, counts concurrency; returns its index. The caller must decrement inFlight. */
  private async enter(call: FakeCall): Promise<number> {
    const index = this.calls.length
    this.calls.push(call)
    this.log.push(`start ${describeCall(call)}`)
    this.inFlight++
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight)
    try {
      await this.options.beforeCall?.(call, index)
      await new Promise((resolve) => setTimeout(resolve, this.options.latencyMs ?? 0))
      const ids = call.method === 'bulkCreateContacts' ? call.emails : call.contactIds
      const path =
        call.method === 'bulkCreateContacts'
          ? '/contacts/bulk_create'
          : call.method === 'addContactIds'
            ? `/emailer_campaigns/${call.sequenceId}/add_contact_ids`
            : '/emailer_campaigns/remove_or_stop_contact_ids'
      if (this.options.quotaAfter !== undefined && index >= this.options.quotaAfter) {
        throw new QuotaExhaustedError(path.replace(/^\//, ''), 'hour', null)
      }
      const poisoned = (this.options.failWhenContains ?? []).some((x) => ids.includes(x))
      if (index < (this.options.failFirst ?? 0) || poisoned) {
        if (this.options.plainServerErrors) throw Object.assign(new Error('socket hang up'), {status: 0})
        throw new ApolloApiError({method: 'POST', path, status: 500, apolloMessage: 'Unexpected error'})
      }
      if ((this.options.fail4xxWhenContains ?? []).some((x) => ids.includes(x))) {
        throw this.error422(path, 'These mailboxes are no longer active. sdr@acme.com')
      }
    } catch (error) {
      this.exit(call)
      throw error
    }
    return index
  }

  private exit(call: FakeCall): void {
    this.inFlight--
    this.log.push(`end ${describeCall(call)}`)
  }

  private error422(path: string, message: string): ApolloApiError {
    return new ApolloApiError({method: 'POST', path, status: 422, apolloMessage: message})
  }

  private toLive(c: StoredContact): LiveContact {
    const memberships: LiveMembership[] = [...c.memberships.entries()].map(([sequenceId, status]) => ({
      sequenceId,
      status,
      inactiveReason: null,
      failureReason: null,
      mailboxId: null,
      addedByUserId: null,
    }))
    return {
      id: c.id,
      email: c.email,
      otherEmails: [...c.otherEmails],
      emailStatus: c.emailStatus,
      name: null,
      organizationName: c.organizationName,
      memberships,
    }
  }
}

function describeCall(call: FakeCall): string {
  return `${call.method} ${'sequenceId' in call ? call.sequenceId : '-'}`
}

// ---- plain-object plan builders for applier tests (the planner is not involved) ----------------

/** Any field of any kind of change; makeChange builds the kind's own shape from it. */
export interface ChangeInit {
  readonly kind: ChangeKind
  readonly sequenceId?: string
  readonly sequenceName?: string
  readonly contactId?: string | null
  readonly email?: string | null
  readonly source?: SourceRef | null
  readonly reason?: ChangeReason
  readonly liveStatus?: LiveStatus
  readonly mailboxId?: string
  readonly enroll?: EnrollSwitches
  readonly details?: ContactDetails
  readonly forecastSkip?: SkipReason
}

/**
 * A change with test defaults: sequence `s1` ("Seq s1"), planned against `absent` (adds, creates)
 * or `active`, mailbox `mb1` for adds. Throws on a combination no plan can hold.
 */
export function makeChange(init: ChangeInit): Change {
  const sequenceId = init.sequenceId ?? 's1'
  const {kind} = init
  const base = {
    sequenceId,
    sequenceName: init.sequenceName ?? `Seq ${sequenceId}`,
    source: init.source ?? null,
    reason: init.reason ?? (kind === 'add' ? 'declared-in-contacts' : kind === 'create' ? 'missing-contact' : 'pruned'),
    liveStatus: init.liveStatus ?? (kind === 'add' || kind === 'create' ? 'absent' : 'active'),
  }
  const contactId = init.contactId ?? null
  const email = init.email ?? null
  switch (kind) {
    case 'create':
      if (contactId !== null || email === null) throw new Error('makeChange: a create has an email and no contact id')
      return {kind, ...base, contactId, email, ...(init.details ? {details: init.details} : {})}
    case 'add': {
      const add = {
        kind,
        ...base,
        mailboxId: init.mailboxId ?? 'mb1',
        enroll: init.enroll ?? DEFAULT_ENROLL,
        ...(init.forecastSkip === undefined ? {} : {forecastSkip: init.forecastSkip}),
      }
      if (contactId !== null) return {...add, contactId, email}
      if (email === null) throw new Error('makeChange: an add needs a contact id or an email')
      return {...add, contactId, email}
    }
    case 'remove':
    case 'finish':
    case 'stop':
      if (contactId === null) throw new Error(`makeChange: a ${kind} needs a contact id`)
      return {kind, ...base, contactId, email}
  }
}

/** A plan whose sequences are the distinct sequenceIds of the changes, in first-appearance order. */
export function makePlan(changes: readonly Change[], liveMembers: Readonly<Record<string, number>> = {}): Plan {
  const order: string[] = []
  for (const c of changes) if (!order.includes(c.sequenceId)) order.push(c.sequenceId)
  const sequences: SequencePlan[] = order.map((id) => ({
    id,
    name: `Seq ${id}`,
    active: true,
    source: {file: 'manifests/x.yaml', line: 1, col: 1},
    liveMembers: liveMembers[id] ?? 0,
    unmanaged: [],
    changes: changes.filter((c) => c.sequenceId === id),
    warnings: [],
  }))
  const count = (kind: Change['kind']): number => changes.filter((c) => c.kind === kind).length
  return {
    formatVersion: 1,
    planHash: 'sha256:test',
    summary: {
      add: count('add'),
      remove: count('remove'),
      finish: count('finish'),
      stop: count('stop'),
      create: count('create'),
      skipsForecast: changes.filter((c) => c.kind === 'add' && c.forecastSkip !== undefined).length,
    },
    sequences,
    errors: [],
  }
}
