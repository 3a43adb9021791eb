import type {ChangeKind, SkipReason} from './plan.js'

export interface AppliedItem {
  readonly kind: ChangeKind
  readonly contactId: string | null
  readonly email: string | null
}

export interface SkippedItem {
  readonly kind: ChangeKind
  readonly contactId: string | null
  readonly email: string | null
  /** Apollo's reason code (add_contact_ids `skipped_contact_ids`), or `not-converged` after the re-read. */
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
  readonly skipped: readonly SkippedItem[]
  readonly failed: readonly FailedItem[]
  /** True when the re-read after apply shows this sequence matches the manifest. */
  readonly converged: boolean
  /** Changes the re-read still finds (0 when converged). */
  readonly remaining: number
}

export interface ApplyReport {
  readonly formatVersion: 1
  readonly planHash: string
  readonly converged: boolean
  /** True when the run was interrupted (Ctrl-C, quota exhausted) before every batch was sent. */
  readonly interrupted: boolean
  readonly summary: {readonly applied: number; readonly skipped: number; readonly failed: number}
  readonly sequences: readonly SequenceReport[]
  /** Calls made per endpoint during apply (writes and re-reads). */
  readonly calls: Readonly<Record<string, number>>
}
