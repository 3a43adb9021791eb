// Parsed, schema-valid manifest documents with the source positions of their parts.
import type {
  ContactDetails,
  DesiredList,
  EnrollSwitches,
  MissingContactsMode,
  PruneMode,
  SequenceSelector,
  SourceRef,
} from '../model/state.js'

export type EntryRef =
  | {readonly kind: 'email'; readonly email: string; readonly details?: ContactDetails}
  | {readonly kind: 'id'; readonly id: string}
  | {readonly kind: 'list'; readonly name: string}

export interface ManifestEntry {
  readonly ref: EntryRef
  readonly source: SourceRef
}

export interface SequenceMembershipDocument {
  readonly kind: 'SequenceMembership'
  /** Start of the document's root mapping. */
  readonly source: SourceRef
  readonly sequence: SequenceSelector
  /** The `sequence:` key. */
  readonly sequenceSource: SourceRef
  readonly mailbox: string
  /** The `mailbox:` key (the document's start when it is missing). */
  readonly mailboxSource: SourceRef
  readonly prune: PruneMode
  /** The `prune:` key, or null when the default applies. */
  readonly pruneSource: SourceRef | null
  readonly missingContacts: MissingContactsMode
  readonly enroll: EnrollSwitches
  readonly lists: Readonly<Record<DesiredList, readonly ManifestEntry[]>>
}

export interface ContactListDocument {
  readonly kind: 'ContactList'
  readonly source: SourceRef
  readonly name: string
  /** The `name:` value. */
  readonly nameSource: SourceRef
  readonly contacts: readonly ManifestEntry[]
}

export type ManifestDocument = SequenceMembershipDocument | ContactListDocument

export const DESIRED_LISTS: readonly DesiredList[] = ['contacts', 'finished', 'stopped', 'removed']
