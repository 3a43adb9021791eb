// Executes a Plan through the injected SequencePort, batch by batch as planner/plan-batches.ts cuts
// it: creates, then removals/finishes/stops, then adds sequence by sequence. Decides each change
// from Apollo's answer (the contacts it returns, the skips it names); what an answer leaves open —
// a lost response, a contact it does not mention — is `uncertain`, for the caller to re-read.
// Continues on per-batch failures; stops starting new calls on quota exhaustion or abort (Ctrl-C).
// Never speaks HTTP itself.

import {ApolloApiError, BugError, QuotaExhaustedError} from '../errors.js'
import type {Change, CreateChange, Plan} from '../model/plan.js'
import type {LiveContact} from '../model/state.js'
import {contactEmails, normalizeEmail, statusIn} from '../model/state.js'
import type {BatchLimits, BatchUnit, WriteBatch} from '../planner/plan-batches.js'
import {planBatches} from '../planner/plan-batches.js'
import type {PortNewContact, SequencePort} from './port.js'
import {isAtTarget} from './targets.js'

/**
 * applied / skipped / failed: Apollo's answer settles it. uncertain: the call may or may not have
 * written (5xx or network error after the client's retries, a contact the answer does not show at
 * its target, "already in this sequence", which a lost earlier attempt of the same call also gives).
 * not-attempted: no call was sent for it.
 */
export type ChangeStatus = 'applied' | 'skipped' | 'failed' | 'uncertain' | 'not-attempted'

/** Apollo's skip for a contact already in the sequence: maybe enrolled by our own attempt whose answer was lost. */
const ALREADY_IN_SEQUENCE = 'contacts_already_exists_in_current_campaign'

export interface ChangeOutcome {
  readonly status: ChangeStatus
  /**
   * skipped (and uncertain, when Apollo gave one): Apollo's skip reason code.
   * not-attempted: `quota-exhausted` | `aborted` | `apollo-unavailable` | `create-not-attempted`.
   */
  readonly reason?: string
  /** failed and uncertain after an error (and not-attempted after a stop): a short, key-free error message. */
  readonly error?: string
  /** The contact id the change was applied to (for adds of created contacts: the created id), or null. */
  readonly contactId: string | null
}

export interface ApplyInterruption {
  readonly reason: 'quota-exhausted' | 'aborted' | 'apollo-unavailable'
  readonly message: string
}

export interface ApplyOutcome {
  /** The outcome of every change of the plan, keyed by the change itself, in plan order. */
  readonly outcomes: ReadonlyMap<Change, ChangeOutcome>
  /** Normalised email -> contact id, for every create that Apollo answered (created or deduped). */
  readonly createdIds: ReadonlyMap<string, string>
  /** Every contact an answer returned, as the latest answer showed it (contact id -> contact). */
  readonly answers: ReadonlyMap<string, LiveContact>
  /** Why a quota stop, an abort or an unavailable Apollo left some changes not attempted; null when none was. */
  readonly interruption: ApplyInterruption | null
}

export type ApplyPhase = WriteBatch<Change>['phase']

export interface ApplyProgress {
  readonly phase: ApplyPhase
  /** Changes of this phase with a final outcome so far. */
  readonly done: number
  readonly total: number
}

export interface ApplyOptions extends BatchLimits {
  /** Calls in flight at once within a phase (adds: within one sequence). */
  readonly concurrency: number
  readonly signal?: AbortSignal | undefined
  readonly onProgress?: ((progress: ApplyProgress) => void) | undefined
  /** Normalised email -> id of contacts the plan creates that Apollo already has (a resumed plan): adds use it. */
  readonly knownIds?: ReadonlyMap<string, string> | undefined
}

const REMOVE_MODES = {remove: 'remove', finish: 'mark_as_finished', stop: 'stop'} as const

interface MutableOutcome {
  status: ChangeStatus
  reason?: string
  error?: string
  contactId: string | null
}

type Unit = BatchUnit<Change>

export async function applyPlan(plan: Plan, port: SequencePort, options: ApplyOptions): Promise<ApplyOutcome> {
  if (!Number.isInteger(options.concurrency) || options.concurrency < 1) {
    throw new BugError(`concurrency must be a positive integer, got ${options.concurrency}`)
  }
  if (plan.errors.length > 0) throw new BugError('applyPlan was given a plan with blocking errors')

  const all: Change[] = plan.sequences.flatMap((s) => s.changes)
  const {batches, unbatchable} = planBatches(all, options)
  if (unbatchable.length > 0) throw new BugError(`${unbatchable.length} planned changes fit in no write batch`)
  const results = new Map<Change, MutableOutcome>(
    all.map((c) => [c, {status: 'not-attempted', contactId: c.contactId}]),
  )
  const createdIds = new Map<string, string>()
  const answers = new Map<string, LiveContact>()
  const remember = (contacts: readonly LiveContact[]): void => {
    for (const c of contacts) answers.set(c.id, c)
  }
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
  for (const c of all) totals[phaseOf(c)]++
  const report = (phase: ApplyPhase, units: readonly Unit[]): void => {
    progress[phase] += units.reduce((n, u) => n + u.changes.length, 0)
    options.onProgress?.({phase, done: progress[phase], total: totals[phase]})
  }

  const settle = (units: readonly Unit[], outcome: MutableOutcome | ((unit: Unit) => MutableOutcome)): void => {
    for (const unit of units) {
      const value = typeof outcome === 'function' ? outcome(unit) : outcome
      for (const change of unit.changes) {
        results.set(change, {...value, contactId: value.contactId ?? results.get(change)?.contactId ?? null})
      }
    }
  }

  /** Sends one batch; on 5xx/network errors splits it in halves down to the single bad contact. */
  const runBatch = async (
    phase: ApplyPhase,
    units: readonly Unit[],
    send: (units: readonly Unit[]) => Promise<void>,
  ): Promise<void> => {
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
        // The call may have been written before the answer was lost: uncertain, not failed.
        const lost = (): void => {
          settle(units, (unit) => ({status: 'uncertain', error: describeError(error), contactId: targetOf(unit)}))
          report(phase, units)
        }
        if (++consecutiveFailures >= maxConsecutiveFailures) {
          interruption ??= {
            reason: 'apollo-unavailable',
            message: `Apollo failed ${consecutiveFailures} calls in a row (${describeError(error)}); stopped: run apply again when Apollo answers`,
          }
          lost()
          return
        }
        if (units.length > 1) {
          const middle = Math.ceil(units.length / 2)
          await runBatch(phase, units.slice(0, middle), send)
          await runBatch(phase, units.slice(middle), send)
          return
        }
        lost()
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

  const sendCreates = async (units: readonly Unit[]): Promise<void> => {
    const answer = await port.bulkCreateContacts(units.map((u) => toNewContact(createOf(u))))
    remember([...answer.created, ...answer.existing])
    const byEmail = new Map<string, string>()
    for (const c of [...answer.created, ...answer.existing]) {
      for (const email of contactEmails(c)) byEmail.set(email, c.id)
    }
    settle(units, (unit) => {
      const email = normalizeEmail(createOf(unit).email)
      const id = byEmail.get(email)
      if (id === undefined)
        return {status: 'failed', error: 'Apollo bulk_create returned no contact for this email', contactId: null}
      createdIds.set(email, id)
      return {status: 'applied', contactId: id}
    })
  }

  /** Sends a batch of units whose key is the contact id to add. */
  const sendAdds =
    (batch: Extract<WriteBatch<Change>, {phase: 'add'}>) =>
    async (units: readonly Unit[]): Promise<void> => {
      const answer = await port.addContactIds({
        sequenceId: batch.sequenceId,
        // Distinct: a created contact Apollo deduped onto one the plan also adds by id is sent once.
        contactIds: [...new Set(units.map((u) => u.key))],
        mailboxId: batch.mailboxId,
        enroll: batch.enroll,
      })
      remember(answer.added)
      const added = new Map(answer.added.map((c) => [c.id, c]))
      settle(units, (unit): MutableOutcome => {
        const contact = added.get(unit.key)
        if (contact !== undefined && isAtTarget('add', statusIn(contact, batch.sequenceId))) {
          return {status: 'applied', contactId: unit.key}
        }
        const reason = answer.skipped[unit.key]
        if (reason !== undefined && reason !== ALREADY_IN_SEQUENCE)
          return {status: 'skipped', reason, contactId: unit.key}
        return {status: 'uncertain', ...(reason === undefined ? {} : {reason}), contactId: unit.key}
      })
    }

  const creates = new Map<string, CreateChange>()
  for (const c of all) if (c.kind === 'create') creates.set(normalizeEmail(c.email), c)
  /**
   * The unit keyed by the contact id its adds target: its own id, or the id its create produced.
   * Settles the unit and returns null when there is none (the create failed or was not attempted).
   */
  const withTargetId = (unit: Unit): Unit | null => {
    const [first] = unit.changes
    if (first === undefined || first.kind !== 'add') throw new BugError('an add batch unit without an add change')
    if (first.contactId !== null) return unit
    const email = normalizeEmail(first.email)
    const created = createdIds.get(email) ?? options.knownIds?.get(email)
    if (created !== undefined) {
      settle([unit], {status: 'not-attempted', contactId: created})
      return {key: created, changes: unit.changes}
    }
    const createChange = creates.get(email)
    const create = createChange === undefined ? undefined : results.get(createChange)
    if (create?.status === 'not-attempted') {
      settle([unit], {status: 'not-attempted', reason: 'create-not-attempted', contactId: null})
    } else {
      const why =
        create?.error ??
        (create === undefined ? 'no contact id and no create in the plan' : 'the contact was not created')
      settle([unit], {status: 'failed', error: `contact could not be created: ${why}`, contactId: null})
    }
    return null
  }

  // ---- 1. creates, 2. removals / finishes / stops: never several sequences in one call ----------
  await runPool(batches.flatMap((b) => (b.phase === 'create' ? [() => runBatch('create', b.units, sendCreates)] : [])))
  const removeTasks = batches.flatMap((b) => {
    if (b.phase !== 'remove') return []
    const send = async (units: readonly Unit[]): Promise<void> => {
      const answer = await port.removeOrStopContactIds({
        sequenceId: b.sequenceId,
        contactIds: units.map((u) => u.key),
        mode: REMOVE_MODES[b.kind],
      })
      remember(answer.contacts)
      const shown = new Map(answer.contacts.map((c) => [c.id, c]))
      settle(units, (unit) => {
        const contact = shown.get(unit.key)
        const done = contact !== undefined && isAtTarget(b.kind, statusIn(contact, b.sequenceId))
        return {status: done ? 'applied' : 'uncertain', contactId: unit.key}
      })
    }
    return [() => runBatch('remove', b.units, send)]
  })
  if (!shouldStop()) await runPool(removeTasks)

  // ---- 3. adds, one sequence after the other (its batches are contiguous, in plan order) ---------
  for (const round of bySequence(batches)) {
    const tasks = round.map((b) => {
      const units = b.units.map(withTargetId).filter((u): u is Unit => u !== null)
      return () => runBatch('add', units, sendAdds(b))
    })
    if (shouldStop()) break
    await runPool(tasks)
  }

  // ---- outcome ---------------------------------------------------------------------------------
  const stop = interruption as ApplyInterruption | null
  const outcomes = new Map<Change, ChangeOutcome>()
  for (const change of all) {
    const r = results.get(change) ?? {status: 'not-attempted', contactId: change.contactId}
    outcomes.set(
      change,
      r.status === 'not-attempted' && stop !== null
        ? {status: r.status, reason: r.reason ?? stop.reason, error: stop.message, contactId: r.contactId}
        : {
            status: r.status,
            ...(r.reason === undefined ? {} : {reason: r.reason}),
            ...(r.error === undefined ? {} : {error: r.error}),
            contactId: r.contactId,
          },
    )
  }
  const interrupted = stop !== null && [...outcomes.values()].some((o) => o.status === 'not-attempted')
  return {outcomes, createdIds, answers, interruption: interrupted ? stop : null}
}

/** The contact a unit's call was about: its key for member changes and adds, none for a create (keyed by email). */
function targetOf(unit: Unit): string | null {
  return unit.changes[0]?.kind === 'create' ? null : unit.key
}

function phaseOf(change: Change): ApplyPhase {
  return change.kind === 'create' || change.kind === 'add' ? change.kind : 'remove'
}

/** The add batches, in runs of one sequence each. */
function bySequence(batches: readonly WriteBatch<Change>[]): Extract<WriteBatch<Change>, {phase: 'add'}>[][] {
  const rounds: Extract<WriteBatch<Change>, {phase: 'add'}>[][] = []
  for (const b of batches) {
    if (b.phase !== 'add') continue
    const last = rounds.at(-1)
    if (last?.[0]?.sequenceId === b.sequenceId) last.push(b)
    else rounds.push([b])
  }
  return rounds
}

/** The create change a unit of a create batch stands for (every change of the unit creates the same email). */
function createOf(unit: Unit): CreateChange {
  const [first] = unit.changes
  if (first === undefined || first.kind !== 'create') throw new BugError('a create batch unit without a create change')
  return first
}

function toNewContact(change: CreateChange): PortNewContact {
  return {email: change.email, ...change.details}
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
