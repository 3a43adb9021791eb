// Pure domain types shared by every layer. No logic beyond tiny helpers, no imports outside model/.

/** Where something was declared: a manifest file (path as given/relative to cwd) and a 1-based position. */
export interface SourceRef {
  readonly file: string
  readonly line: number
  readonly col: number
}

/**
 * `file:line:col`, the form every message uses for a manifest location; `file:line` with
 * `{precision: 'line'}` (plan lines, where the column adds nothing).
 */
export function formatSourceRef(source: SourceRef, options: {readonly precision?: 'col' | 'line'} = {}): string {
  return options.precision === 'line' ? `${source.file}:${source.line}` : `${source.file}:${source.line}:${source.col}`
}

export type PruneMode = 'none' | 'remove' | 'finish' | 'stop'
export const PRUNE_MODES: readonly PruneMode[] = ['none', 'remove', 'finish', 'stop']
/** Which undeclared members prune may touch: every one, or only those the API key's user added (`added_by_user_id`). */
export type PruneScope = 'all' | 'owned'
export const PRUNE_SCOPES: readonly PruneScope[] = ['all', 'owned']
export type MissingContactsMode = 'error' | 'skip' | 'create'

/** The manifest list a contact is declared in. */
export type DesiredList = 'contacts' | 'finished' | 'stopped' | 'removed'

/** Apollo's add_contact_ids safety switches (manifest `enroll:`), all false by default. */
export interface EnrollSwitches {
  readonly noEmail: boolean
  readonly unverifiedEmail: boolean
  readonly jobChange: boolean
  readonly activeInOtherSequences: boolean
  readonly finishedInOtherSequences: boolean
  readonly sameCompany: boolean
}

export const DEFAULT_ENROLL: EnrollSwitches = Object.freeze({
  noEmail: false,
  unverifiedEmail: false,
  jobChange: false,
  activeInOtherSequences: false,
  finishedInOtherSequences: false,
  sameCompany: false,
})

/** Optional contact fields, used only by `missingContacts: create`. */
export interface ContactDetails {
  readonly firstName?: string
  readonly lastName?: string
  readonly organization?: string
  readonly title?: string
}

/**
 * How the manifest names a contact. Emails are normalised (trimmed, lower-cased) in `email`;
 * `display` keeps the manifest's spelling for output.
 */
export type ContactRef =
  | {readonly kind: 'email'; readonly email: string; readonly display: string; readonly details?: ContactDetails}
  | {readonly kind: 'id'; readonly id: string}

export interface DesiredEntry {
  readonly ref: ContactRef
  readonly list: DesiredList
  /** Where the entry was declared (for a `list:` expansion: the ContactList item). */
  readonly source: SourceRef
  /** Set when the entry came from a `list: NAME` reference: the list name and where it was referenced. */
  readonly viaList?: {readonly name: string; readonly source: SourceRef}
}

export type SequenceSelector = {readonly name: string} | {readonly id: string}

export interface DesiredSequence {
  readonly selector: SequenceSelector
  /** Location of the SequenceMembership document (its `sequence:` node). */
  readonly source: SourceRef
  /** Email of an Apollo email account, or its id, as written. */
  readonly mailbox: string
  /** Location of the `mailbox:` key. */
  readonly mailboxSource: SourceRef
  readonly prune: PruneMode
  readonly pruneScope: PruneScope
  readonly missingContacts: MissingContactsMode
  readonly enroll: EnrollSwitches
  /** Every declared contact, list references expanded, in manifest order. No duplicates (validation rejects them). */
  readonly entries: readonly DesiredEntry[]
}

export interface DesiredState {
  /** In a deterministic order (by file, then position). */
  readonly sequences: readonly DesiredSequence[]
}

// ---------------------------------------------------------------------------------------------
// Live state, as read from Apollo and mapped from wire DTOs (apollo/to-live-state.ts).

/** A contact's status in one sequence (`contact_campaign_statuses[].status`). */
export type MemberStatus = 'active' | 'paused' | 'finished' | 'failed'
export const MEMBER_STATUSES: readonly MemberStatus[] = ['active', 'paused', 'finished', 'failed']
/** `absent` = no contact_campaign_statuses entry for that sequence. */
export type LiveStatus = MemberStatus | 'absent'

export interface LiveMembership {
  readonly sequenceId: string
  readonly status: MemberStatus
  readonly inactiveReason: string | null
  readonly failureReason: string | null
  readonly mailboxId: string | null
  /** `added_by_user_id`: the Apollo user who enrolled the contact (null when Apollo does not say). */
  readonly addedByUserId: string | null
}

export interface LiveContact {
  readonly id: string
  /** Primary email as Apollo stores it (original case), or null when the contact has none. */
  readonly email: string | null
  /** Additional emails (`contact_emails[].email`). */
  readonly otherEmails: readonly string[]
  /** `email_status` (`verified`, `unverified`, …) or null. */
  readonly emailStatus: string | null
  readonly name: string | null
  readonly organizationName: string | null
  /** Every sequence membership of the contact, managed or not. */
  readonly memberships: readonly LiveMembership[]
}

export interface LiveSequence {
  readonly id: string
  readonly name: string
  readonly active: boolean
  readonly archived: boolean
}

export interface LiveMailbox {
  readonly id: string
  readonly email: string
  readonly active: boolean
}

/**
 * Everything the planner needs, gathered by the live-state reader (services/). All maps are keyed
 * by Apollo ids except `contactsByEmail`, keyed by normalised (lower-case, trimmed) email.
 */
/** The Apollo user the API key belongs to (`users/api_profile`), and its team. */
export interface KeyOwner {
  readonly userId: string
  readonly teamId: string | null
  readonly email: string | null
  readonly name: string | null
}

export interface LiveState {
  /** Who the key acts as (read once per run); null when nothing was read (no managed sequence). */
  readonly keyOwner: KeyOwner | null
  /** Resolution of each DesiredSequence selector: key is `selectorKey(selector)`. Missing key = not found. */
  readonly sequences: ReadonlyMap<string, readonly LiveSequence[]>
  readonly mailboxes: readonly LiveMailbox[]
  /** Every contact read (members of managed sequences and looked-up contacts). */
  readonly contacts: ReadonlyMap<string, LiveContact>
  /** Normalised email -> ids of every contact having it as primary or additional email. */
  readonly contactsByEmail: ReadonlyMap<string, readonly string[]>
  /** Sequence id -> ids of contacts that have a membership in it (members as read by the sweep). */
  readonly members: ReadonlyMap<string, readonly string[]>
  /**
   * Emails that were looked up and found nothing (so "missing" is a fact, not a gap in the read).
   * An email neither in `contactsByEmail` nor here was not looked up at all.
   */
  readonly missingEmails: ReadonlySet<string>
  /** Contact ids pinned in manifests that Apollo does not know (422 not found). */
  readonly missingContactIds: ReadonlySet<string>
}

const STATUS_RANK: Readonly<Record<MemberStatus, number>> = {active: 0, paused: 1, finished: 2, failed: 3}

/** The contact's status in one sequence (`absent` when it has no membership there; the most active of several). */
export function statusIn(contact: LiveContact, sequenceId: string): LiveStatus {
  let best: MemberStatus | null = null
  for (const m of contact.memberships) {
    if (m.sequenceId !== sequenceId) continue
    if (best === null || STATUS_RANK[m.status] < STATUS_RANK[best]) best = m.status
  }
  return best ?? 'absent'
}

/** How a manifest's sequence selector reads in a sentence: `id <id>`, or the name quoted as JSON. */
export function describeSelector(selector: SequenceSelector): string {
  return 'id' in selector ? `id ${selector.id}` : JSON.stringify(selector.name)
}

export function selectorKey(selector: SequenceSelector): string {
  return 'id' in selector ? `id:${selector.id}` : `name:${selector.name}`
}

/** The name or id a selector holds, as written in the manifest. */
export function selectorValue(selector: SequenceSelector): string {
  return 'id' in selector ? selector.id : selector.name
}

/** Apollo ids are 24 hexadecimal characters. */
export const APOLLO_ID_PATTERN = /^[0-9a-f]{24}$/i

/** Every email of a contact (primary first, then additional ones), normalised, without repeats. */
export function contactEmails(c: Pick<LiveContact, 'email' | 'otherEmails'>): string[] {
  const out: string[] = []
  for (const e of [c.email, ...c.otherEmails]) {
    if (e === null) continue
    const key = normalizeEmail(e)
    if (key !== '' && !out.includes(key)) out.push(key)
  }
  return out
}

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase()
}
