import type {EnrollSwitches, LiveStatus, SourceRef} from './state.js'

export type ChangeKind = 'create' | 'add' | 'remove' | 'finish' | 'stop'

/** One constant decides the order of kinds everywhere (planner sorts once; renderers never re-sort). */
export const CHANGE_ORDER: readonly ChangeKind[] = ['create', 'add', 'remove', 'finish', 'stop']

/** Why a change exists. A code, never prose (renderers turn it into words). */
export type ChangeReason =
  | 'declared-in-contacts' // add
  | 'declared-in-finished' // finish
  | 'declared-in-stopped' // stop
  | 'declared-in-removed' // remove (tombstone)
  | 'pruned' // undeclared live member, prune mode remove|finish|stop
  | 'missing-contact' // create (missingContacts: create)

/** Apollo's add_contact_ids skip reason codes (apollo-api.md §6.2). */
export type SkipReason =
  | 'contact_not_found'
  | 'contacts_already_exists_in_current_campaign'
  | 'contacts_active_in_other_campaigns'
  | 'contacts_finished_in_other_campaigns'
  | 'contacts_without_email'
  | 'contacts_unverified_email'
  | 'contacts_with_job_change'
  | 'contacts_in_same_company'
  | 'contacts_without_ownership_permission'
  | 'contacts_in_pending_state'
  | 'contacts_with_unverified_user_managed_email'
  | (string & {})

export interface Change {
  readonly kind: ChangeKind
  readonly sequenceId: string
  readonly sequenceName: string
  /** Apollo contact id; null for `create` and for an `add` of a contact that the same plan creates. */
  readonly contactId: string | null
  /** Display email (manifest spelling, else Apollo's), or null when only an id is known. */
  readonly email: string | null
  /** The manifest declaration that caused the change; null for changes that come from pruning. */
  readonly source: SourceRef | null
  readonly reason: ChangeReason
  /** The live fact the change was based on: the contact's status in this sequence when planned. */
  readonly liveStatus: LiveStatus
  /** add only: the resolved mailbox id and the enroll switches (they are part of the batch key). */
  readonly mailboxId?: string
  readonly enroll?: EnrollSwitches
  /** create only: fields for the new contact. */
  readonly details?: {
    readonly firstName?: string
    readonly lastName?: string
    readonly organization?: string
    readonly title?: string
  }
  /** add only: Apollo is expected to skip this contact, and why. */
  readonly forecastSkip?: SkipReason
}

export type WarningCode =
  | 'skip-forecast' // Apollo will skip an add (contactId set)
  | 'sequence-inactive' // adds land paused
  | 'already-finished' // desired in contacts, live finished: Apollo cannot re-enroll
  | 'member-failed' // desired in contacts, live failed (bounce…)
  | 'not-enrolled' // desired finished/stopped, live absent
  | 'missing-contact-skipped' // missingContacts: skip
  | 'unmanaged' // live members not declared, prune: none (one warning per sequence with the count)
  | (string & {})

export interface PlanWarning {
  readonly code: WarningCode
  readonly message: string
  readonly contactId: string | null
  readonly email?: string | null
  readonly source?: SourceRef | null
}

/** A problem that makes the plan impossible (unknown sequence, archived, ambiguous email, …). */
export interface PlanError {
  readonly code:
    | 'sequence-not-found'
    | 'sequence-ambiguous'
    | 'sequence-archived'
    | 'mailbox-not-found'
    | 'mailbox-inactive'
    | 'contact-missing'
    | 'contact-ambiguous'
    | 'contact-id-not-found'
    | (string & {})
  readonly message: string
  readonly source: SourceRef | null
}

export interface UnmanagedMember {
  readonly contactId: string
  readonly email: string | null
  readonly status: LiveStatus
}

export interface SequencePlan {
  readonly id: string
  readonly name: string
  readonly active: boolean
  /** Where the manifest for this sequence was declared. */
  readonly source: SourceRef
  /** Number of live members (any status) when planned. */
  readonly liveMembers: number
  /** Live members the manifest does not declare and prune: none leaves alone. */
  readonly unmanaged: readonly UnmanagedMember[]
  /** Sorted by CHANGE_ORDER, then email/contact id. */
  readonly changes: readonly Change[]
  readonly warnings: readonly PlanWarning[]
}

export interface PlanSummary {
  readonly add: number
  readonly remove: number
  readonly finish: number
  readonly stop: number
  readonly create: number
  readonly skipsForecast: number
}

/** API calls per endpoint label, e.g. `contacts/search` -> 12. */
export type CallCounts = Readonly<Record<string, number>>

export interface ApiCost {
  /** Calls the plan made while reading live state. */
  readonly planCalls: CallCounts
  /** Calls apply will need (writes) plus the re-reads it does. */
  readonly applyCalls: CallCounts
  /** Requests left in the current windows as Apollo last reported them, per endpoint; null = unknown. */
  readonly quotaLeft: Readonly<Record<string, {minute: number | null; hour: number | null; day: number | null}>>
  /** Human warnings: apply will not fit in what is left. */
  readonly warnings: readonly string[]
}

export interface Plan {
  readonly formatVersion: 1
  /** `sha256:<hex>` over the canonical changes (planner/plan-hash.ts). */
  readonly planHash: string
  readonly summary: PlanSummary
  /** In manifest order. */
  readonly sequences: readonly SequencePlan[]
  /** Blocking problems; a plan with errors must not be applied (the service throws on them). */
  readonly errors: readonly PlanError[]
}
