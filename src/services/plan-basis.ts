// The plan file's `basis`: per sequence the plan changes, what it was computed from — its resolved
// mailbox, every live member's status, and its manifest. Recorded by `plan --out`; read back (as
// untrusted input, field by field) by `apply FILE`, which re-reads the same facts before writing.

import {BugError} from '../errors.js'
import type {ManagedSequence, SequenceBasis} from '../model/plan-basis.js'
import type {Plan} from '../model/plan.js'
import type {
  ContactRef,
  DesiredEntry,
  DesiredList,
  DesiredSequence,
  DesiredState,
  LiveState,
  MemberStatus,
  MissingContactsMode,
  SequenceSelector,
} from '../model/state.js'
import {MEMBER_STATUSES, PRUNE_MODES, PRUNE_SCOPES, selectorKey, statusIn} from '../model/state.js'
import {resolveMailboxId} from '../planner/resolve-refs.js'
import type {Fail} from './parse-plan.js'
import {Fields, parseDetails, parseEnroll} from './parse-plan.js'

const MISSING_MODES: readonly MissingContactsMode[] = ['error', 'skip', 'create']
const DESIRED_LISTS: readonly DesiredList[] = ['contacts', 'finished', 'stopped', 'removed']

/** The manifests of the sequences the plan changes, each with the Apollo id it resolved to, in plan order. */
export function pairManagedSequences(plan: Plan, desired: DesiredState, live: LiveState): ManagedSequence[] {
  const bySequenceId = new Map<string, DesiredSequence>()
  for (const ds of desired.sequences) {
    const [resolved] = live.sequences.get(selectorKey(ds.selector)) ?? []
    if (resolved !== undefined) bySequenceId.set(resolved.id, ds)
  }
  return plan.sequences
    .filter((s) => s.changes.length > 0)
    .map((s) => {
      const ds = bySequenceId.get(s.id)
      if (ds === undefined) throw new BugError(`planned sequence ${s.id} has no manifest`)
      return {sequenceId: s.id, desired: ds}
    })
}

/** The basis of every sequence the plan changes (`plan` was computed from `desired` and `live`). */
export function recordPlanBasis(plan: Plan, desired: DesiredState, live: LiveState): SequenceBasis[] {
  return pairManagedSequences(plan, desired, live).map(({sequenceId, desired: ds}) => {
    const mailboxId = resolveMailboxId(ds, live.mailboxes, [])
    if (mailboxId === undefined) throw new BugError(`planned sequence ${sequenceId} has no mailbox`)
    const members = new Map<string, MemberStatus>()
    for (const id of live.members.get(sequenceId) ?? []) {
      const contact = live.contacts.get(id)
      const status = contact === undefined ? 'absent' : statusIn(contact, sequenceId)
      if (status !== 'absent') members.set(id, status)
    }
    return {sequenceId, mailboxId, members, desired: ds}
  })
}

/** The JSON of the basis (members as an object, ids sorted). */
export function basisToJson(basis: readonly SequenceBasis[]): object[] {
  return basis.map((b) => ({
    sequenceId: b.sequenceId,
    mailboxId: b.mailboxId,
    members: Object.fromEntries([...b.members].sort(([a], [z]) => (a < z ? -1 : a > z ? 1 : 0))),
    desired: b.desired,
  }))
}

/**
 * Reads the basis back and checks it agrees with the plan: one entry per sequence with changes, in
 * plan order; each change's `liveStatus` and each sequence's `liveMembers` as its members say.
 */
export function parseBasis(value: unknown, plan: Plan, fail: Fail): SequenceBasis[] {
  if (!Array.isArray(value)) return fail('"basis" must be an array')
  const basis = value.map((b: unknown, i) => parseSequenceBasis(Fields.of(b, `basis[${i}]`, fail), fail))
  const changed = plan.sequences.filter((s) => s.changes.length > 0)
  if (basis.length !== changed.length || basis.some((b, i) => b.sequenceId !== changed[i]?.id)) {
    fail('"basis" does not list the sequences the plan changes')
  }
  changed.forEach((s, i) => {
    const members = basis[i]?.members ?? new Map<string, MemberStatus>()
    if (s.liveMembers !== members.size) fail(`plan.sequences "${s.id}" liveMembers does not match its basis`)
    for (const c of s.changes) {
      if (c.contactId !== null && (members.get(c.contactId) ?? 'absent') !== c.liveStatus) {
        fail(`a change of contact ${c.contactId} in "${s.id}" does not match its basis`)
      }
    }
  })
  return basis
}

function parseSequenceBasis(b: Fields, fail: Fail): SequenceBasis {
  const members = new Map<string, MemberStatus>()
  const m = b.object('members')
  for (const id of m.keys()) members.set(id, m.oneOf(id, MEMBER_STATUSES, 'a member status'))
  return {
    sequenceId: b.string('sequenceId'),
    mailboxId: b.string('mailboxId'),
    members,
    desired: parseDesiredSequence(b.object('desired'), fail),
  }
}

function parseDesiredSequence(d: Fields, fail: Fail): DesiredSequence {
  return {
    selector: parseSelector(d.object('selector')),
    source: d.source('source') ?? fail(`${d.where}.source must be an object`),
    mailbox: d.string('mailbox'),
    mailboxSource: d.source('mailboxSource') ?? fail(`${d.where}.mailboxSource must be an object`),
    prune: d.oneOf('prune', PRUNE_MODES, 'a prune mode'),
    pruneScope: d.oneOf('pruneScope', PRUNE_SCOPES, 'a prune scope'),
    missingContacts: d.oneOf('missingContacts', MISSING_MODES, 'a missingContacts mode'),
    enroll: parseEnroll(d.object('enroll')),
    entries: d.array('entries').map((e, i) => parseEntry(Fields.of(e, `${d.where}.entries[${i}]`, fail), fail)),
  }
}

function parseSelector(s: Fields): SequenceSelector {
  return s.has('id') ? {id: s.string('id')} : {name: s.string('name')}
}

function parseEntry(e: Fields, fail: Fail): DesiredEntry {
  const r = e.object('ref')
  const kind = r.oneOf('kind', ['email', 'id'] as const, 'email or id')
  let ref: ContactRef
  if (kind === 'id') ref = {kind, id: r.string('id')}
  else {
    const details = r.has('details') ? {details: parseDetails(r.object('details'))} : {}
    ref = {kind, email: r.string('email'), display: r.string('display'), ...details}
  }
  const source = e.source('source') ?? fail(`${e.where}.source must be an object`)
  const entry = {ref, list: e.oneOf('list', DESIRED_LISTS, 'a manifest list'), source}
  if (!e.has('viaList')) return entry
  const via = e.object('viaList')
  return {
    ...entry,
    viaList: {name: via.string('name'), source: via.source('source') ?? fail(`${via.where}.source must be an object`)},
  }
}
