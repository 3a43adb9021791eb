// What a saved plan was computed from, per sequence it changes (the plan file's `basis`). apply
// re-reads exactly this before writing: anything that moved makes the plan stale, except a change
// already at its target (done). Pure types.

import type {DesiredSequence, MemberStatus} from './state.js'

/** A manifest and the Apollo sequence it resolved to when planned. */
export interface ManagedSequence {
  readonly sequenceId: string
  readonly desired: DesiredSequence
}

export interface SequenceBasis extends ManagedSequence {
  /** The sending mailbox the manifest resolved to (it was active). */
  readonly mailboxId: string
  /** Every live member when planned (contact id -> status); the plan's `liveMembers` is its size. */
  readonly members: ReadonlyMap<string, MemberStatus>
}
