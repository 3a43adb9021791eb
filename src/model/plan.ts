import type {
  ContactDetails,
  EnrollSwitches,
  KeyOwner,
  LiveStatus,
  MemberStatus,
  PruneMode,
  PruneScope,
  SequenceSelector,
  SourceRef,
} from './state.js'

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

/** Apollo's add_contact_ids skip reason codes (docs/emulator.md: the skip reasons of add_contact_ids). */
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

/**
 * Why a skip is only possible (README "Skip forecasts"): the rule Apollo applies, or the data it
 * applies it to, is not known when planning.
 * - `same-company`: Apollo does not document what counts as the same company (the forecast compares
 *   organisation names);
 * - `new-contact`: the email status of a contact this plan creates is set by Apollo when it creates it;
 * - `email-status`: the contact's email status is not one Apollo documents (`unverified` is; `guessed`,
 *   `unavailable`, none, … are not);
 * - `planned-add`: the contact is only active in another sequence once an earlier add of this plan enrolls it.
 */
export type PossibleSkip =
  | {readonly reason: SkipReason; readonly why: 'same-company' | 'new-contact' | 'planned-add'}
  | {readonly reason: SkipReason; readonly why: 'email-status'; readonly emailStatus: string | null}

export type PossibleSkipWhy = PossibleSkip['why']

/** What every kind of change carries. */
interface ChangeBase {
  readonly sequenceId: string
  readonly sequenceName: string
  /** Display email (manifest spelling, else Apollo's), or null when only an id is known. */
  readonly email: string | null
  /** The manifest declaration that caused the change; null for changes that come from pruning. */
  readonly source: SourceRef | null
  readonly reason: ChangeReason
  /** The live fact the change was based on: the contact's status in this sequence when planned. */
  readonly liveStatus: LiveStatus
}

/** A contact Apollo does not have yet (`missingContacts: create`), created before any add. */
export interface CreateChange extends ChangeBase {
  readonly kind: 'create'
  readonly contactId: null
  readonly email: string
  readonly details?: ContactDetails
}

/** Whom an add enrolls: an Apollo contact by id, or (contactId null) the contact a create of the same plan makes for `email`. */
export type AddTarget =
  {readonly contactId: string; readonly email: string | null} | {readonly contactId: null; readonly email: string}

/** Enrolls a contact in the sequence. The mailbox and the enroll switches are part of the batch key. */
export type AddChange = ChangeBase &
  AddTarget & {
    readonly kind: 'add'
    readonly mailboxId: string
    readonly enroll: EnrollSwitches
    /** Apollo will skip this contact (a documented rule on known data), and the reason it will give. */
    readonly forecastSkip?: SkipReason
    /** Apollo may skip this contact (an undocumented rule, or data unknown until apply); never with forecastSkip. */
    readonly possibleSkip?: PossibleSkip
  }

/** Acts on a live member of the sequence, so it always has the Apollo contact id. */
interface MemberChange<K extends 'remove' | 'finish' | 'stop'> extends ChangeBase {
  readonly kind: K
  readonly contactId: string
}
export type RemoveChange = MemberChange<'remove'>
export type FinishChange = MemberChange<'finish'>
export type StopChange = MemberChange<'stop'>
export type RemovalChange = RemoveChange | FinishChange | StopChange

export type Change = CreateChange | AddChange | RemovalChange

/**
 * Something a reviewer should know about a sequence's plan. A code and the data a renderer needs
 * (render/reasons.ts turns it into words); `contactId`/`email` name the contact it is about, if any.
 */
export type PlanWarning = {
  readonly contactId: string | null
  readonly email: string | null
  readonly source: SourceRef | null
} & (
  | {readonly code: 'skip-forecast'; readonly skipReason: SkipReason} // Apollo will skip an add
  | {readonly code: 'skip-possible'; readonly possibleSkip: PossibleSkip} // Apollo may skip an add
  | {readonly code: 'sequence-inactive'} // adds land paused
  | {readonly code: 'already-finished'} // desired in contacts, live finished: Apollo cannot re-enroll
  | {readonly code: 'member-failed'} // desired in contacts, live failed (bounce…)
  | {readonly code: 'not-enrolled'; readonly list: 'finished' | 'stopped'} // desired finished/stopped, live absent
  | {readonly code: 'missing-contact-skipped'} // missingContacts: skip
  | {readonly code: 'unmanaged'; readonly count: number} // live members not declared, prune: none
  | {readonly code: 'unmanaged-not-owned'; readonly count: number} // not declared, added by another user (pruneScope: owned)
)

export type WarningCode = PlanWarning['code']

/** Every warning code, in the order a sequence's warnings are listed (planner/compare.ts sorts by it). */
export const WARNING_CODES: readonly WarningCode[] = [
  'sequence-inactive',
  'unmanaged',
  'unmanaged-not-owned',
  'skip-forecast',
  'skip-possible',
  'already-finished',
  'member-failed',
  'not-enrolled',
  'missing-contact-skipped',
]

/**
 * A problem that makes the plan impossible (unknown sequence, archived, ambiguous email, …): a code
 * and the data a renderer needs (render/reasons.ts), at the manifest declaration it is about.
 */
export type PlanProblem = {readonly source: SourceRef | null} & (
  | {readonly code: 'sequence-not-found'; readonly selector: SequenceSelector}
  | {readonly code: 'sequence-ambiguous'; readonly selector: SequenceSelector; readonly sequenceIds: readonly string[]}
  | {readonly code: 'sequence-archived'; readonly selector: SequenceSelector; readonly sequenceId: string}
  | {
      readonly code: 'sequence-duplicate'
      readonly selector: SequenceSelector
      readonly sequenceId: string
      /** The selector of the manifest that already manages the sequence. */
      readonly otherSelector: SequenceSelector
    }
  | {readonly code: 'mailbox-not-found'; readonly mailbox: string}
  | {readonly code: 'mailbox-inactive'; readonly mailboxId: string; readonly mailboxEmail: string}
  | {readonly code: 'contact-missing'; readonly email: string}
  | {readonly code: 'contact-ambiguous'; readonly email: string; readonly contactIds: readonly string[]}
  | {readonly code: 'contact-id-not-found'; readonly contactId: string}
  | {
      readonly code: 'contact-duplicate'
      readonly contactId: string
      readonly selector: SequenceSelector
      /** The other declaration of the same contact. */
      readonly otherSource: SourceRef
    }
  /** Not read from Apollo (incomplete live read): named by its email as declared, or by its id. */
  | ({readonly code: 'contact-unresolved'} & (
      {readonly email: string; readonly contactId: null} | {readonly email: null; readonly contactId: string}
    ))
  | {readonly code: 'live-state-inconsistent'; readonly contactId: string; readonly sequenceId: string}
)

export type ProblemCode = PlanProblem['code']

/** A safety limit a plan exceeds (planner/assess-safety.ts); render/reasons.ts words it. */
export type SafetyViolation =
  | {readonly code: 'too-many-adds'; readonly planned: number; readonly maxAdds: number}
  | {readonly code: 'too-many-removals'; readonly planned: number; readonly maxRemovals: number}
  | {
      readonly code: 'removal-percent'
      readonly sequenceId: string
      readonly sequenceName: string
      readonly removals: number
      readonly liveMembers: number
      readonly maxRemovalPercent: number
    }

/** The plan against the safety limits of the config (planner/assess-safety.ts). */
export interface SafetyAssessment {
  /** Adds in the whole plan (what `--allow-adds N` must equal). */
  readonly adds: number
  /** remove + finish + stop in the whole plan (what `--allow-removals N` must equal). */
  readonly removals: number
  /** Empty = safe. Adds first, then the removal total, then per sequence in plan order. */
  readonly violations: readonly SafetyViolation[]
  /** The exact overrides apply will need (`--allow-adds N`, `--allow-removals N`); null where no brake is exceeded. */
  readonly required: {readonly allowAdds: number | null; readonly allowRemovals: number | null}
}

/** Why an undeclared live member is left alone: `prune: none`, or `pruneScope: owned` and another user added it. */
export type UnmanagedReason = 'prune-none' | 'added-by-another-user'

export interface UnmanagedMember {
  readonly contactId: string
  readonly email: string | null
  readonly status: MemberStatus
  readonly reason: UnmanagedReason
  /** `added_by_user_id` of the membership (null when Apollo does not say). */
  readonly addedByUserId: string | null
}

export interface SequencePlan {
  readonly id: string
  readonly name: string
  readonly active: boolean
  /** Where the manifest for this sequence was declared. */
  readonly source: SourceRef
  /** The manifest's prune mode and scope (which undeclared members prune may touch). */
  readonly prune: PruneMode
  readonly pruneScope: PruneScope
  /** Number of live members (any status) when planned. */
  readonly liveMembers: number
  /** Live members the manifest does not declare and prune leaves alone (prune: none, or not owned). */
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
  /** Adds Apollo will skip (definite forecasts). */
  readonly skipsForecast: number
  /** Adds Apollo may skip (possible forecasts). */
  readonly skipsPossible: number
}

/** API calls per endpoint label, e.g. `contacts/search` -> 12. */
export type CallCounts = Readonly<Record<string, number>>

/** A quota window too small for the calls a read still needs (issue 11.4). */
export interface QuotaShortfall {
  readonly endpoint: string
  readonly window: 'hour' | 'day'
  readonly needed: number
  readonly left: number
  /** How long `--wait-for-quota` would wait, in ms (until the reset, plus a whole window per window more). */
  readonly waitMs: number
}

/**
 * The quota preflight of a live read: once its strategy is chosen (`pages`) and, for a sweep, once
 * it is read and what it did not see is known (`look-ups`), what that phase still needs.
 */
export interface ReadCost {
  readonly strategy: 'sweep' | 'scan' | 'none'
  readonly phase: 'pages' | 'look-ups'
  /** Distinct members of the managed sequences and contacts of the account, as probed (null: not probed). */
  readonly members: number | null
  readonly contacts: number | null
  /** Calls the phase still needed per endpoint. */
  readonly estimatedCalls: CallCounts
  /** Calls left per endpoint in the current hour and day as Apollo reported them (null: unknown or unlimited). */
  readonly quota: Readonly<Record<string, {readonly hour: number | null; readonly day: number | null}>>
  readonly shortfalls: readonly QuotaShortfall[]
}

export interface ApiCost {
  /** Calls the plan made while reading live state. */
  readonly planCalls: CallCounts
  /** The read's preflights in order: its strategy and what each phase needed against the quota. */
  readonly read?: readonly ReadCost[]
  /** Calls apply will need (writes) plus the re-reads it does. */
  readonly applyCalls: CallCounts
  /** Requests left in the current windows as Apollo last reported them, per endpoint; null = unknown. */
  readonly quotaLeft: Readonly<Record<string, {minute: number | null; hour: number | null; day: number | null}>>
  /** Human warnings: apply will not fit in what is left. */
  readonly warnings: readonly string[]
}

/** Where a plan or an apply runs: the API host and the account the key acts as (users/api_profile). */
export interface PlanTarget {
  /** Host (and port) of the API URL, e.g. `api.apollo.io`. */
  readonly apiHost: string
  /** null when the key owner was not read (no managed sequence). */
  readonly keyOwner: KeyOwner | null
}

export interface Plan {
  readonly formatVersion: 1
  /** `sha256:<hex>` over the canonical changes (planner/plan-hash.ts). */
  readonly planHash: string
  readonly summary: PlanSummary
  /** In manifest order. */
  readonly sequences: readonly SequencePlan[]
  /** Blocking problems; a plan with problems must not be applied (the service throws on them). */
  readonly errors: readonly PlanProblem[]
}
