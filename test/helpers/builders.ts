// Small builders for DesiredState / LiveState in tests. Reusable by every module's tests.
//
//   const d = desiredState(desiredSequence({name: 'Q4', contacts: ['jane@acme.com', {id: 'c2'}]}))
//   const l = liveState({
//     sequences: [liveSequence({id: 's1', name: 'Q4'})],
//     contacts: [liveContact({id: 'c1', email: 'jane@acme.com', memberships: {s1: 'active'}})],
//   })

import type {
  KeyOwner,
  ContactDetails,
  DesiredEntry,
  DesiredList,
  DesiredSequence,
  DesiredState,
  EnrollSwitches,
  LiveContact,
  LiveMailbox,
  LiveMembership,
  LiveSequence,
  LiveState,
  MemberStatus,
  MissingContactsMode,
  PruneMode,
  SourceRef,
} from '../../src/model/state.js'
import {DEFAULT_ENROLL, normalizeEmail} from '../../src/model/state.js'

export const DEFAULT_FILE = 'examples/x.yaml'
export const DEFAULT_MAILBOX: LiveMailbox = {id: 'mb1', email: 'sdr@acme.com', active: true}
export const DEFAULT_KEY_OWNER: KeyOwner = {userId: 'u-key', teamId: 't1', email: 'ops@acme.com', name: 'Ops Bot'}

export function sourceRef(line: number, file: string = DEFAULT_FILE, col = 5): SourceRef {
  return {file, line, col}
}

/** A manifest item: an email string, `{id}`, or `{email, ...details}`; `line` pins its source line. */
export type EntrySpec =
  | string
  | {readonly id: string; readonly line?: number}
  | ({readonly email: string; readonly line?: number} & ContactDetails)

export interface DesiredSequenceSpec {
  readonly name?: string
  readonly id?: string
  readonly file?: string
  /** Line of the `sequence:` node; entries get the following lines unless pinned. */
  readonly line?: number
  readonly mailbox?: string
  readonly prune?: PruneMode
  readonly missingContacts?: MissingContactsMode
  readonly enroll?: Partial<EnrollSwitches>
  readonly contacts?: readonly EntrySpec[]
  readonly finished?: readonly EntrySpec[]
  readonly stopped?: readonly EntrySpec[]
  readonly removed?: readonly EntrySpec[]
}

export function desiredEntry(spec: EntrySpec, list: DesiredList, source: SourceRef): DesiredEntry {
  if (typeof spec === 'string') {
    return {ref: {kind: 'email', email: normalizeEmail(spec), display: spec.trim()}, list, source}
  }
  if ('id' in spec) return {ref: {kind: 'id', id: spec.id}, list, source}
  const {email, line: _line, ...details} = spec
  const hasDetails = Object.keys(details).length > 0
  return {
    ref: {
      kind: 'email',
      email: normalizeEmail(email),
      display: email.trim(),
      ...(hasDetails ? {details: details} : {}),
    },
    list,
    source,
  }
}

export function desiredSequence(spec: DesiredSequenceSpec = {}): DesiredSequence {
  const file = spec.file ?? DEFAULT_FILE
  const start = spec.line ?? 3
  let line = start + 5
  const entries: DesiredEntry[] = []
  for (const list of ['contacts', 'finished', 'stopped', 'removed'] as const) {
    for (const item of spec[list] ?? []) {
      line++
      const pinned = typeof item === 'object' && item.line !== undefined ? item.line : line
      entries.push(desiredEntry(item, list, sourceRef(pinned, file)))
    }
  }
  return {
    selector: spec.id !== undefined ? {id: spec.id} : {name: spec.name ?? 'Q4 Enterprise Outreach'},
    source: sourceRef(start, file, 1),
    mailbox: spec.mailbox ?? DEFAULT_MAILBOX.email,
    mailboxSource: sourceRef(start + 2, file, 1), // sequence:, name:, mailbox:
    prune: spec.prune ?? 'none',
    missingContacts: spec.missingContacts ?? 'error',
    enroll: {...DEFAULT_ENROLL, ...spec.enroll},
    entries,
  }
}

export function desiredState(...sequences: DesiredSequence[]): DesiredState {
  return {sequences}
}

export function liveSequence(spec: Partial<LiveSequence> & {readonly id: string}): LiveSequence {
  return {name: `Sequence ${spec.id}`, active: true, archived: false, ...spec}
}

export interface LiveContactSpec {
  readonly id: string
  readonly email?: string | null
  readonly otherEmails?: readonly string[]
  readonly emailStatus?: string | null
  readonly name?: string | null
  readonly organizationName?: string | null
  /** sequence id -> status, or full memberships. */
  readonly memberships?: Readonly<Record<string, MemberStatus>> | readonly LiveMembership[]
}

export function liveContact(spec: LiveContactSpec): LiveContact {
  const m = spec.memberships ?? {}
  const memberships: LiveMembership[] = Array.isArray(m)
    ? [...(m as readonly LiveMembership[])]
    : Object.entries(m as Record<string, MemberStatus>).map(([sequenceId, status]) => ({
        sequenceId,
        status,
        inactiveReason: null,
        failureReason: null,
        mailboxId: DEFAULT_MAILBOX.id,
        addedByUserId: DEFAULT_KEY_OWNER.userId,
      }))
  return {
    id: spec.id,
    email: spec.email === undefined ? `${spec.id}@example.com` : spec.email,
    otherEmails: spec.otherEmails ?? [],
    emailStatus: spec.emailStatus === undefined ? 'verified' : spec.emailStatus,
    name: spec.name ?? null,
    organizationName: spec.organizationName ?? null,
    memberships,
  }
}

export interface LiveStateSpec {
  readonly sequences?: readonly LiveSequence[]
  readonly mailboxes?: readonly LiveMailbox[]
  readonly contacts?: readonly LiveContact[]
  readonly missingEmails?: readonly string[]
  readonly missingContactIds?: readonly string[]
  /** Extra selector resolutions (`selectorKey` -> sequences), e.g. an archived sequence found by name. */
  readonly selectors?: Readonly<Record<string, readonly LiveSequence[]>>
  readonly keyOwner?: KeyOwner
}

/**
 * A LiveState as the reader would build it: every sequence resolvable by `id:` and (unless archived,
 * which Apollo's search hides) by `name:`; contactsByEmail from primary and other emails; members
 * from memberships.
 */
export function liveState(spec: LiveStateSpec = {}): LiveState {
  const sequences = new Map<string, LiveSequence[]>()
  const push = <K, V>(map: Map<K, V[]>, key: K, value: V): void => {
    const list = map.get(key)
    if (list) list.push(value)
    else map.set(key, [value])
  }
  for (const s of spec.sequences ?? []) {
    push(sequences, `id:${s.id}`, s)
    if (!s.archived) push(sequences, `name:${s.name}`, s)
  }
  for (const [key, list] of Object.entries(spec.selectors ?? {})) sequences.set(key, [...list])
  const contacts = new Map<string, LiveContact>()
  const contactsByEmail = new Map<string, string[]>()
  const members = new Map<string, string[]>()
  for (const c of spec.contacts ?? []) {
    contacts.set(c.id, c)
    for (const e of [c.email, ...c.otherEmails]) if (e) push(contactsByEmail, normalizeEmail(e), c.id)
    for (const m of c.memberships) push(members, m.sequenceId, c.id)
  }
  return {
    keyOwner: spec.keyOwner ?? DEFAULT_KEY_OWNER,
    sequences,
    mailboxes: spec.mailboxes ?? [DEFAULT_MAILBOX],
    contacts,
    contactsByEmail,
    members,
    missingEmails: new Set((spec.missingEmails ?? []).map(normalizeEmail)),
    missingContactIds: new Set(spec.missingContactIds ?? []),
  }
}
