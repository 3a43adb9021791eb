import type {ChangeKind, PlanProblem, SkipReason} from './plan.js'
import type {LiveStatus} from './state.js'

export interface AppliedItem {
  readonly kind: ChangeKind
  readonly contactId: string | null
  readonly email: string | null
}

export interface SkippedItem {
  readonly kind: ChangeKind
  readonly contactId: string | null
  readonly email: string | null
  /** Apollo's reason code (add_contact_ids `skipped_contact_ids`), or `not-converged` when Apollo does not show the change. */
  readonly reason: SkipReason
}

export interface FailedItem {
  readonly kind: ChangeKind
  readonly contactId: string | null
  readonly email: string | null
  /** Short, key-free description: status and Apollo's message, or the network error. */
  readonly error: string
}

export interface SequenceReport {
  readonly id: string
  readonly name: string
  readonly applied: readonly AppliedItem[]
  /** Changes of the plan Apollo already showed at their target before this run wrote anything (a resumed plan). */
  readonly alreadyDone: readonly AppliedItem[]
  readonly skipped: readonly SkippedItem[]
  readonly failed: readonly FailedItem[]
  /** Changes a fresh plan of this sequence wants now that the applied plan did not have (Apollo changed since). */
  readonly differences: readonly AppliedItem[]
  /** True when this sequence matches its manifest at the end. */
  readonly converged: boolean
  /** Skipped + failed + differences (0 when converged). */
  readonly remaining: number
}

export interface ApplyReport {
  readonly formatVersion: 1
  readonly planHash: string
  /** Apollo matches the manifests: every change reached its target and nothing else differs. */
  readonly converged: boolean
  /**
   * Apollo was read after the plan was made, so `converged` is a finding. False only for a saved plan
   * with no changes: nothing is read or written, and `converged` repeats what the plan said when it was made.
   */
  readonly verified: boolean
  /** True when the run was interrupted (Ctrl-C, quota exhausted) before every batch was sent. */
  readonly interrupted: boolean
  readonly summary: {
    readonly applied: number
    readonly alreadyDone: number
    readonly skipped: number
    readonly failed: number
    /** Differences that appeared since the plan was made: every sequence's `differences` plus `problems`. */
    readonly differences: number
  }
  readonly sequences: readonly SequenceReport[]
  /** What now keeps the manifests from being planned at all (a sequence archived meanwhile, …). */
  readonly problems: readonly PlanProblem[]
  /**
   * A plan file applied in a checkout whose manifests (the config's globs) no longer hash to the
   * plan's desired state: true; they match: false; not checked (no plan file, no globs): null.
   */
  readonly manifestsChanged: boolean | null
  /** Calls made per endpoint during apply (stale check, writes, re-reads of what the answers left uncertain). */
  readonly calls: Readonly<Record<string, number>>
}

/** Something a saved plan was computed from that moved in Apollo since (render/stale-items.ts words it). */
export type StaleItem = {readonly sequenceId: string; readonly sequenceName: string} & (
  | {readonly code: 'sequence-gone'}
  | {readonly code: 'sequence-archived'}
  | {readonly code: 'sequence-renamed'; readonly nowName: string}
  | {readonly code: 'sequence-active-changed'; readonly nowActive: boolean}
  | {readonly code: 'mailbox-gone'; readonly mailboxId: string}
  | {readonly code: 'mailbox-inactive'; readonly mailboxId: string; readonly mailboxEmail: string}
  /** pruneScope: owned decided "owned" for the plan's key user; this run's key acts as another user. */
  | {readonly code: 'key-owner-changed'; readonly plannedUserId: string | null; readonly nowUserId: string | null}
  | {
      readonly code: 'contact-moved'
      readonly contactId: string
      readonly email: string | null
      readonly planned: LiveStatus
      readonly now: LiveStatus
    }
)
