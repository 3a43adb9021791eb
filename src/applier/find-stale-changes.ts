// Pure: compares a saved plan's live preconditions with a fresh sweep of the affected sequences.

import type {Change, Plan} from '../model/plan.js'
import type {LiveContact, LiveStatus} from '../model/state.js'

export interface MemberSweep {
  readonly contacts: ReadonlyMap<string, LiveContact>
  readonly members: ReadonlyMap<string, readonly string[]>
}

/**
 * Every change with a contact id must still find the contact in the status it was planned against
 * (`change.liveStatus`); a contact missing from the sweep counts as `absent`. Pruned changes carry
 * their live status too, so a member that left (or changed status) since the plan is caught. In a
 * sequence the plan prunes, the member count must also be unchanged: a member that appeared since
 * would change the prune decision. Returns one human line per stale item (empty = fresh).
 */
export function findStaleChanges(plan: Plan, sweep: MemberSweep): string[] {
  const stale: string[] = []
  for (const sequence of plan.sequences) {
    for (const change of sequence.changes) {
      if (change.contactId === null) continue
      const now = findLiveStatus(sweep, change.contactId, change.sequenceId)
      if (now !== change.liveStatus) {
        stale.push(
          `${describeContact(change)} in "${change.sequenceName}": planned against ${change.liveStatus}, now ${now}`,
        )
      }
    }
    const prunes = sequence.changes.some((c) => c.reason === 'pruned')
    // The sweep covers every sequence with changes; a sequence it has no entry for has no members.
    // Counted like the planner counts liveMembers: distinct ids with a membership in the sequence.
    const members = [...new Set(sweep.members.get(sequence.id) ?? [])].filter(
      (id) => findLiveStatus(sweep, id, sequence.id) !== 'absent',
    ).length
    if (prunes && members !== sequence.liveMembers) {
      stale.push(`"${sequence.name}": planned against ${sequence.liveMembers} live members, now ${members}`)
    }
  }
  return stale
}

/** A contact's status in a sequence according to a sweep; `absent` when the sweep does not have it. */
export function findLiveStatus(
  sweep: Pick<MemberSweep, 'contacts'>,
  contactId: string,
  sequenceId: string,
): LiveStatus {
  const contact = sweep.contacts.get(contactId)
  return contact?.memberships.find((m) => m.sequenceId === sequenceId)?.status ?? 'absent'
}

function describeContact(change: Change): string {
  return change.email ?? change.contactId ?? '(unknown contact)'
}
