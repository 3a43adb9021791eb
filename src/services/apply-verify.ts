// The reads apply makes around its writes, each limited to what the plan touched: the desired state
// that makes readLiveState read exactly the changed sequences (the stale check of a saved plan),
// and the re-read of what the write answers left uncertain.

import {PAGE_SIZE} from '../apollo/limits.js'
import {readLiveState} from '../apollo/read-live-state.js'
import type {ApolloClient} from '../apollo/types.js'
import type {ApplyOutcome} from '../applier/apply-plan.js'
import type {ObservedState} from '../applier/observed-state.js'
import type {DesiredState} from '../model/state.js'
import {DEFAULT_ENROLL} from '../model/state.js'

/** Calls a live read makes besides its sweep pages: the key's owner, the sequence listing, the mailboxes. */
const READ_OVERHEAD_CALLS = 3

const FROM_PLAN_FILE = {file: '(plan file)', line: 1, col: 1}

/**
 * The desired state whose live read is the sequences (by id), their mailboxes and the members of
 * each, and nothing else: no contact is declared, so none is looked up.
 */
export function reducedDesiredState(sequenceIds: readonly string[]): DesiredState {
  return {
    sequences: sequenceIds.map((id) => ({
      selector: {id},
      source: FROM_PLAN_FILE,
      mailbox: '',
      mailboxSource: FROM_PLAN_FILE,
      prune: 'none',
      missingContacts: 'skip',
      enroll: DEFAULT_ENROLL,
      entries: [],
    })),
  }
}

/**
 * Reads the contacts of the changes the write answers left uncertain (a lost response, a contact an
 * answer does not show at its target) into `observed`, at the lower of one `contacts/show` per
 * contact and one read of their sequences. Nothing to read: no call.
 */
export async function rereadUncertain(
  client: ApolloClient,
  outcome: ApplyOutcome,
  observed: ObservedState,
): Promise<void> {
  const sequencesOf = new Map<string, Set<string>>()
  for (const [change, result] of outcome.outcomes) {
    if (result.status !== 'uncertain' || result.contactId === null || change.kind === 'create') continue
    const set = sequencesOf.get(result.contactId) ?? new Set<string>()
    set.add(change.sequenceId)
    sequencesOf.set(result.contactId, set)
  }
  if (sequencesOf.size === 0) return
  const sequenceIds = new Set([...sequencesOf.values()].flatMap((s) => [...s]))
  const sweepCalls = READ_OVERHEAD_CALLS + Math.max(1, Math.ceil(observed.countMembers(sequenceIds) / PAGE_SIZE))
  if (sequencesOf.size <= sweepCalls) {
    const ids = [...sequencesOf.keys()]
    // Concurrent; the client bounds how many are in flight.
    const found = await Promise.all(ids.map((id) => client.getContact(id)))
    ids.forEach((id, i) => {
      const contact = found[i] ?? null
      if (contact === null) observed.absentFrom(id, sequencesOf.get(id) ?? new Set())
      else observed.observe(contact)
    })
    return
  }
  const fresh = await readLiveState(client, reducedDesiredState([...sequenceIds]))
  observed.observeSweep(sequenceIds, fresh.contacts.values())
}
