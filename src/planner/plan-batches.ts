// The one batching rule of apply (README: Safety model), pure: which changes go into which write call.
// The applier executes these batches, the cost estimate counts them, and the benchmark's cost
// model counts them too, so the three can never disagree.
//
// - creates: distinct emails, `bulkCreate` per call (Apollo's bulk_create limit);
// - removals: per (sequence, mode), `batchSize` contacts per call, never several sequences in one
//   call (Apollo applies remove_or_stop to the cross product of sequences x contacts);
// - adds: sequence by sequence in plan order, per (mailbox, enroll switches), `batchSize` per call.
// Within a batch a contact appears once (a unit); every change it stands for rides along.

import type {ChangeKind} from '../model/plan.js'
import type {EnrollSwitches} from '../model/state.js'
import {normalizeEmail} from '../model/state.js'

/** What the batching rule reads of a change (structural: plan changes and the bench's expected changes fit). */
export interface BatchableChange {
  readonly kind: ChangeKind
  readonly sequenceId: string
  readonly contactId: string | null
  readonly email: string | null
  readonly mailboxId?: string | undefined
  readonly enroll?: EnrollSwitches | undefined
}

export type BatchPhase = 'create' | 'remove' | 'add'
export type RemovalKind = 'remove' | 'finish' | 'stop'

/** One contact of a batch: its id, or `new:<normalised email>` for a contact the plan creates. */
export interface BatchUnit<T extends BatchableChange> {
  readonly key: string
  readonly changes: readonly T[]
}

export type WriteBatch<T extends BatchableChange> =
  | {readonly phase: 'create'; readonly units: readonly BatchUnit<T>[]}
  | {
      readonly phase: 'remove'
      readonly kind: RemovalKind
      readonly sequenceId: string
      readonly units: readonly BatchUnit<T>[]
    }
  | {
      readonly phase: 'add'
      readonly sequenceId: string
      readonly mailboxId: string
      readonly enroll: EnrollSwitches
      readonly units: readonly BatchUnit<T>[]
    }

export interface BatchLimits {
  /** Contacts per add / remove call (config `batchSize`). */
  readonly batchSize: number
  /** Contacts per bulk_create call (Apollo's limit, apollo/limits.ts). */
  readonly bulkCreate: number
}

/** The unit key of a contact: its Apollo id, else `new:<email>` (a contact this plan creates). */
export function unitKey(change: Pick<BatchableChange, 'contactId' | 'email'>): string | null {
  if (change.contactId !== null) return change.contactId
  return change.email === null ? null : `new:${normalizeEmail(change.email)}`
}

function enrollKey(e: EnrollSwitches | undefined): string {
  if (e === undefined) return '-'
  return [
    e.noEmail,
    e.unverifiedEmail,
    e.jobChange,
    e.activeInOtherSequences,
    e.finishedInOtherSequences,
    e.sameCompany,
  ]
    .map((b) => (b ? '1' : '0'))
    .join('')
}

class Group<T extends BatchableChange> {
  readonly units = new Map<string, {key: string; changes: T[]}>()
  add(key: string, change: T): void {
    const unit = this.units.get(key)
    if (unit === undefined) this.units.set(key, {key, changes: [change]})
    else unit.changes.push(change)
  }
  chunks(size: number): BatchUnit<T>[][] {
    const all = [...this.units.values()]
    const out: BatchUnit<T>[][] = []
    for (let i = 0; i < all.length; i += size) out.push(all.slice(i, i + size))
    return out
  }
}

function assertPositiveInteger(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer, got ${value}`)
}

/**
 * Every write call apply will make for `changes` (in plan order), in execution order: creates,
 * then removals/finishes/stops, then adds sequence by sequence. A change without a usable contact
 * key (or an add without a mailbox) is in no batch: `unbatchable` lists it.
 */
export function planBatches<T extends BatchableChange>(
  changes: readonly T[],
  limits: BatchLimits,
): {readonly batches: readonly WriteBatch<T>[]; readonly unbatchable: readonly T[]} {
  assertPositiveInteger('batchSize', limits.batchSize)
  assertPositiveInteger('bulkCreate', limits.bulkCreate)
  const unbatchable: T[] = []
  const creates = new Group<T>()
  const removals = new Map<string, {kind: RemovalKind; sequenceId: string; group: Group<T>}>()
  const adds = new Map<string, {sequenceId: string; mailboxId: string; enroll: EnrollSwitches; group: Group<T>}>()
  for (const change of changes) {
    const key = unitKey(change)
    if (key === null) {
      unbatchable.push(change)
      continue
    }
    switch (change.kind) {
      case 'create':
        if (change.email === null) unbatchable.push(change)
        else creates.add(`new:${normalizeEmail(change.email)}`, change)
        break
      case 'remove':
      case 'finish':
      case 'stop': {
        if (change.contactId === null) {
          unbatchable.push(change)
          break
        }
        const groupKey = `${change.sequenceId}\u0000${change.kind}`
        let entry = removals.get(groupKey)
        if (entry === undefined) {
          entry = {kind: change.kind, sequenceId: change.sequenceId, group: new Group<T>()}
          removals.set(groupKey, entry)
        }
        entry.group.add(key, change)
        break
      }
      case 'add': {
        if (change.mailboxId === undefined || change.enroll === undefined) {
          unbatchable.push(change)
          break
        }
        const groupKey = `${change.sequenceId}\u0000${change.mailboxId}\u0000${enrollKey(change.enroll)}`
        let entry = adds.get(groupKey)
        if (entry === undefined) {
          entry = {
            sequenceId: change.sequenceId,
            mailboxId: change.mailboxId,
            enroll: change.enroll,
            group: new Group(),
          }
          adds.set(groupKey, entry)
        }
        entry.group.add(key, change)
        break
      }
    }
  }
  const batches: WriteBatch<T>[] = []
  for (const units of creates.chunks(limits.bulkCreate)) batches.push({phase: 'create', units})
  for (const {kind, sequenceId, group} of removals.values()) {
    for (const units of group.chunks(limits.batchSize)) batches.push({phase: 'remove', kind, sequenceId, units})
  }
  // Map insertion order is plan order, and the plan lists its changes sequence by sequence, so the
  // add groups of one sequence are contiguous and sequences come in plan order.
  for (const {sequenceId, mailboxId, enroll, group} of adds.values()) {
    for (const units of group.chunks(limits.batchSize)) {
      batches.push({phase: 'add', sequenceId, mailboxId, enroll, units})
    }
  }
  return {batches, unbatchable}
}

/** Write calls per Apollo endpoint label for a set of batches (one call per batch). */
export function countBatchCalls(batches: readonly WriteBatch<BatchableChange>[]): Record<string, number> {
  const out: Record<string, number> = {}
  const label: Record<BatchPhase, string> = {
    create: 'contacts/bulk_create',
    remove: 'emailer_campaigns/remove_or_stop_contact_ids',
    add: 'emailer_campaigns/add_contact_ids',
  }
  for (const b of batches) out[label[b.phase]] = (out[label[b.phase]] ?? 0) + 1
  return out
}
