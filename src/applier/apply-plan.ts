// Executes a Plan through the injected SequencePort: creates, then removals/finishes/stops, then
// adds sequence by sequence. Continues on per-batch failures and reports every change's outcome;
// stops starting new calls on quota exhaustion or abort (Ctrl-C). Never speaks HTTP itself.

import {ApolloApiError, BugError, QuotaExhaustedError} from '../errors.js'
import type {Change, Plan} from '../model/plan.js'
import type {EnrollSwitches} from '../model/state.js'
import {DEFAULT_ENROLL, normalizeEmail} from '../model/state.js'
import type {PortNewContact, SequencePort} from './port.js'

export type ChangeStatus = 'applied' | 'skipped' | 'failed' | 'not-attempted'

export interface ChangeOutcome {
  readonly change: Change
  readonly status: ChangeStatus
  /**
   * skipped: Apollo's skip reason code. applied: `unconfirmed` when Apollo reported the contact neither
   * added nor skipped (the re-read decides). not-attempted: `quota-exhausted` | `aborted` | `create-not-attempted`.
   */
  readonly reason?: string
  /** failed (and not-attempted after a quota stop): a short, key-free error message. */
  readonly error?: string
  /** The contact id the change was applied to (for adds of created contacts: the created id), or null. */
  readonly contactId: string | null
}

export interface ApplyInterruption {
  readonly reason: 'quota-exhausted' | 'aborted' | 'apollo-unavailable'
  readonly message: string
}

export interface ApplyOutcome {
  /** One outcome per change, in plan order (sequence by sequence, changes in plan order). */
  readonly changes: readonly ChangeOutcome[]
  /** Normalised email -> contact id, for every create that Apollo answered (created or deduped). */
  readonly createdIds: Map<string, string>
  /** True when a quota stop or an abort left some changes not attempted. */
  readonly interrupted: boolean
  /** Why the run stopped early, or null. */
  readonly interruption: ApplyInterruption | null
}

export type ApplyPhase = 'create' | 'remove' | 'add'

export interface ApplyProgress {
  readonly phase: ApplyPhase
  /** Changes of this phase with a final outcome so far. */
  readonly done: number
  readonly total: number
}

export interface ApplyOptions {
  /** Contacts per add / remove call (creates always go in chunks of at most 100). */
  readonly batchSize: number
  /** Calls in flight at once within a phase (adds: within one sequence). */
  readonly concurrency: number
  readonly signal?: AbortSignal | undefined
  readonly onProgress?: ((progress: ApplyProgress) => void) | undefined
}

/** Apollo's bulk_create limit. */
export const CREATE_CHUNK_SIZE = 100

const REMOVE_MODES = {remove: 'remove', finish: 'mark_as_finished', stop: 'stop'} as const

interface MutableOutcome {
  status: ChangeStatus
  reason?: string
  error?: string
  contactId: string | null
}

/** A batch item: one contact (or one email for creates) and the changes it stands for. */
interface Unit {
  readonly key: string
  readonly indexes: number[]
}

export async function applyPlan(plan: Plan, port: SequencePort, options: ApplyOptions): Promise<ApplyOutcome> {
  assertPositiveInteger('batchSize', options.batchSize)
  assertPositiveInteger('concurrency', options.concurrency)
  if (plan.errors.length > 0) throw new BugError('applyPlan was given a plan with blocking errors')

  const all: Change[] = plan.sequences.flatMap((s) => s.changes)
  const results: MutableOutcome[] = all.map((c) => ({status: 'not-attempted', contactId: c.contactId}))
  const createdIds = new Map<string, string>()
  let interruption: ApplyInterruption | null = null
  let fatal = false
  // Halving a batch down to one bad contact fails at most ceil(log2(batchSize)) + 1 calls in a row;
  // more consecutive 5xx/network failures (each already retried by the client) mean Apollo itself is
  // down, and halving on would spend minutes per batch: stop, report, let a re-run converge.
  const maxConsecutiveFailures = Math.ceil(Math.log2(options.batchSize)) + 4
  let consecutiveFailures = 0

  const shouldStop = (): boolean => {
    if (fatal || interruption !== null) return true
    if (options.signal?.aborted === true) {
      interruption = {reason: 'aborted', message: 'apply was interrupted before every batch was sent'}
      return true
    }
    return false
  }

  const progress = {create: 0, remove: 0, add: 0}
  const totals = {create: 0, remove: 0, add: 0}
  for (const c of all) {
    if (c.kind === 'create') totals.create++
    else if (c.kind === 'add') totals.add++
    else totals.remove++
  }
  const report = (phase: ApplyPhase, units: readonly Unit[]): void => {
    progress[phase] += units.reduce((n, u) => n + u.indexes.length, 0)
    options.onProgress?.({phase, done: progress[phase], total: totals[phase]})
  }

  const settle = (units: readonly Unit[], outcome: MutableOutcome | ((unit: Unit) => MutableOutcome)): void => {
    for (const unit of units) {
      const value = typeof outcome === 'function' ? outcome(unit) : outcome
      for (const i of unit.indexes) results[i] = {...value, contactId: value.contactId ?? results[i]?.contactId ?? null}
    }
  }

  /** Sends one batch; on 5xx/network errors splits it in halves down to the single bad contact. */
  const runBatch = async (phase: ApplyPhase, units: Unit[], send: (units: Unit[]) => Promise<void>): Promise<void> => {
    if (units.length === 0 || shouldStop()) return
    try {
      await send(units)
      consecutiveFailures = 0
      report(phase, units)
    } catch (error) {
      if (error instanceof QuotaExhaustedError) {
        interruption ??= {reason: 'quota-exhausted', message: error.message}
        return
      }
      if (isServerOrNetworkError(error)) {
        if (++consecutiveFailures >= maxConsecutiveFailures) {
          interruption ??= {
            reason: 'apollo-unavailable',
            message: `Apollo failed ${consecutiveFailures} calls in a row (${describeError(error)}); stopped: run apply again when Apollo answers`,
          }
          return
        }
        if (units.length > 1) {
          const middle = Math.ceil(units.length / 2)
          await runBatch(phase, units.slice(0, middle), send)
          await runBatch(phase, units.slice(middle), send)
          return
        }
        settle(units, {status: 'failed', error: describeError(error), contactId: null})
        report(phase, units)
        return
      }
      if (error instanceof ApolloApiError) {
        settle(units, {status: 'failed', error: describeError(error), contactId: null})
        report(phase, units)
        return
      }
      throw error
    }
  }

  const runPool = async (tasks: readonly (() => Promise<void>)[]): Promise<void> => {
    let next = 0
    let failure: {error: unknown} | null = null
    const worker = async (): Promise<void> => {
      while (next < tasks.length && failure === null && !shouldStop()) {
        const task = tasks[next++]
        if (task === undefined) break
        try {
          await task()
        } catch (error) {
          failure ??= {error}
          fatal = true
        }
      }
    }
    await Promise.all(Array.from({length: Math.min(options.concurrency, tasks.length)}, worker))
    if (failure !== null) throw (failure as {error: unknown}).error
  }

  // ---- 1. creates -----------------------------------------------------------------------------
  const createUnits = new Map<string, Unit & {contact: PortNewContact}>()
  all.forEach((change, i) => {
    if (change.kind !== 'create') return
    if (change.email === null) {
      results[i] = {status: 'failed', error: 'a create change has no email', contactId: null}
      return
    }
    const key = normalizeEmail(change.email)
    const unit = createUnits.get(key)
    if (unit === undefined) createUnits.set(key, {key, indexes: [i], contact: toNewContact(change, change.email)})
    else unit.indexes.push(i)
  })
  const sendCreates = async (units: Unit[]): Promise<void> => {
    const contacts = units.map((u) => createUnits.get(u.key)?.contact ?? {email: u.key})
    const answer = await port.bulkCreateContacts(contacts)
    const byEmail = new Map<string, string>()
    for (const c of [...answer.created, ...answer.existing]) {
      for (const email of [...c.otherEmails, ...(c.email === null ? [] : [c.email])])
        byEmail.set(normalizeEmail(email), c.id)
    }
    settle(units, (unit) => {
      const id = byEmail.get(unit.key)
      if (id === undefined)
        return {status: 'failed', error: 'Apollo bulk_create returned no contact for this email', contactId: null}
      createdIds.set(unit.key, id)
      return {status: 'applied', contactId: id}
    })
  }
  await runPool(
    chunk([...createUnits.values()], CREATE_CHUNK_SIZE).map((units) => () => runBatch('create', units, sendCreates)),
  )

  // ---- 2. removals / finishes / stops: one call per (sequence, mode) batch, never several sequences
  const removeGroups = new Map<
    string,
    {sequenceId: string; mode: 'remove' | 'mark_as_finished' | 'stop'; units: Map<string, Unit>}
  >()
  all.forEach((change, i) => {
    if (change.kind !== 'remove' && change.kind !== 'finish' && change.kind !== 'stop') return
    if (change.contactId === null) {
      results[i] = {status: 'failed', error: `a ${change.kind} change has no contact id`, contactId: null}
      return
    }
    const mode = REMOVE_MODES[change.kind]
    const groupKey = `${change.sequenceId}\u0000${mode}`
    let group = removeGroups.get(groupKey)
    if (group === undefined) {
      group = {sequenceId: change.sequenceId, mode, units: new Map()}
      removeGroups.set(groupKey, group)
    }
    addToUnits(group.units, change.contactId, i)
  })
  const removeTasks: (() => Promise<void>)[] = []
  for (const group of removeGroups.values()) {
    const send = async (units: Unit[]): Promise<void> => {
      await port.removeOrStopContactIds({
        sequenceId: group.sequenceId,
        contactIds: units.map((u) => u.key),
        mode: group.mode,
      })
      settle(units, (unit) => ({status: 'applied', contactId: unit.key}))
    }
    for (const units of chunk([...group.units.values()], options.batchSize)) {
      removeTasks.push(() => runBatch('remove', units, send))
    }
  }
  if (!shouldStop()) await runPool(removeTasks)

  // ---- 3. adds, sequence by sequence in plan order --------------------------------------------
  const createIndexByEmail = new Map<string, number>()
  all.forEach((change, i) => {
    if (change.kind === 'create' && change.email !== null) createIndexByEmail.set(normalizeEmail(change.email), i)
  })
  let offset = 0
  for (const sequence of plan.sequences) {
    const base = offset
    offset += sequence.changes.length
    const groups = new Map<string, {mailboxId: string; enroll: EnrollSwitches; units: Map<string, Unit>}>()
    sequence.changes.forEach((change, j) => {
      if (change.kind !== 'add') return
      const i = base + j
      const contactId = resolveAddContact(change, i)
      if (contactId === null) return
      if (change.mailboxId === undefined) {
        results[i] = {status: 'failed', error: 'an add change has no mailbox id', contactId}
        return
      }
      const enroll = change.enroll ?? DEFAULT_ENROLL
      const groupKey = `${change.mailboxId}\u0000${enrollKey(enroll)}`
      let group = groups.get(groupKey)
      if (group === undefined) {
        group = {mailboxId: change.mailboxId, enroll, units: new Map()}
        groups.set(groupKey, group)
      }
      addToUnits(group.units, contactId, i)
    })
    const tasks: (() => Promise<void>)[] = []
    for (const group of groups.values()) {
      const send = async (units: Unit[]): Promise<void> => {
        const answer = await port.addContactIds({
          sequenceId: sequence.id,
          contactIds: units.map((u) => u.key),
          mailboxId: group.mailboxId,
          enroll: group.enroll,
        })
        const added = new Set(answer.added)
        settle(units, (unit): MutableOutcome => {
          if (added.has(unit.key)) return {status: 'applied', contactId: unit.key}
          const reason = answer.skipped[unit.key]
          if (reason !== undefined) return {status: 'skipped', reason, contactId: unit.key}
          return {status: 'applied', reason: 'unconfirmed', contactId: unit.key}
        })
      }
      for (const units of chunk([...group.units.values()], options.batchSize))
        tasks.push(() => runBatch('add', units, send))
    }
    if (shouldStop()) break
    await runPool(tasks)
  }

  // ---- outcome ---------------------------------------------------------------------------------
  const stop = interruption as ApplyInterruption | null
  const changes: ChangeOutcome[] = all.map((change, i) => {
    const r = results[i] ?? {status: 'not-attempted', contactId: change.contactId}
    if (r.status === 'not-attempted' && stop !== null) {
      return {change, status: r.status, reason: r.reason ?? stop.reason, error: stop.message, contactId: r.contactId}
    }
    return {
      change,
      status: r.status,
      ...(r.reason === undefined ? {} : {reason: r.reason}),
      ...(r.error === undefined ? {} : {error: r.error}),
      contactId: r.contactId,
    }
  })
  const interrupted = stop !== null && changes.some((c) => c.status === 'not-attempted')
  return {changes, createdIds, interrupted, interruption: interrupted ? stop : null}

  /** The contact an add targets: its own id, or the id its create produced. Marks the add when there is none. */
  function resolveAddContact(change: Change, i: number): string | null {
    if (change.contactId !== null) return change.contactId
    const email = change.email === null ? null : normalizeEmail(change.email)
    const created = email === null ? undefined : createdIds.get(email)
    if (created !== undefined) {
      results[i] = {status: 'not-attempted', contactId: created}
      return created
    }
    const createIndex = email === null ? undefined : createIndexByEmail.get(email)
    const create = createIndex === undefined ? undefined : results[createIndex]
    if (create?.status === 'not-attempted') {
      results[i] = {status: 'not-attempted', reason: 'create-not-attempted', contactId: null}
    } else {
      const why =
        create?.error ??
        (create === undefined ? 'no contact id and no create in the plan' : 'the contact was not created')
      results[i] = {status: 'failed', error: `contact could not be created: ${why}`, contactId: null}
    }
    return null
  }
}

function addToUnits(units: Map<string, Unit>, key: string, index: number): void {
  const unit = units.get(key)
  if (unit === undefined) units.set(key, {key, indexes: [index]})
  else unit.indexes.push(index)
}

function toNewContact(change: Change, email: string): PortNewContact {
  const d = change.details ?? {}
  return {
    email,
    ...(d.firstName === undefined ? {} : {firstName: d.firstName}),
    ...(d.lastName === undefined ? {} : {lastName: d.lastName}),
    ...(d.organization === undefined ? {} : {organization: d.organization}),
    ...(d.title === undefined ? {} : {title: d.title}),
  }
}

function enrollKey(e: EnrollSwitches): string {
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

function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = []
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size))
  return out
}

/** 5xx or network (status 0) after the client's own retries: worth splitting the batch. */
function isServerOrNetworkError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null || !('status' in error)) return false
  const status = error.status
  return typeof status === 'number' && (status >= 500 || status === 0)
}

function describeError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error)
  return message.length > 300 ? `${message.slice(0, 297)}...` : message
}

function assertPositiveInteger(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 1) throw new BugError(`${name} must be a positive integer, got ${value}`)
}
