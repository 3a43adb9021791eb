// The write side of Apollo as the applier sees it: the port it is given (the Apollo client
// implements it; tests pass an in-memory fake). Pure types, so that applier/ and apollo/ share one
// contract without importing each other.

import type {ContactDetails, EnrollSwitches, LiveContact} from './state.js'

/** A contact to create: its email and the optional fields of `missingContacts: create`. */
export type NewContact = {readonly email: string} & ContactDetails

/** Apollo's `remove_or_stop_contact_ids` modes. */
export type RemoveMode = 'remove' | 'mark_as_finished' | 'stop'

export interface CreateContactsResult {
  readonly created: readonly LiveContact[]
  readonly existing: readonly LiveContact[]
}

export interface AddContactsRequest {
  readonly sequenceId: string
  readonly contactIds: readonly string[]
  readonly mailboxId: string
  readonly enroll: EnrollSwitches
}

export interface AddContactsResult {
  /** The requested contacts Apollo reports as added (`contacts[]`), as Apollo has them after the call. */
  readonly added: readonly LiveContact[]
  /** `skipped_contact_ids`: id -> reason code. */
  readonly skipped: Readonly<Record<string, string>>
}

/** Exactly one sequence: Apollo applies the call to the cross product of sequences x contacts. */
export interface RemoveContactsRequest {
  readonly sequenceId: string
  readonly contactIds: readonly string[]
  readonly mode: RemoveMode
}

export interface RemoveContactsResult {
  /** The requested contacts Apollo's answer lists (`contacts[]`), as Apollo has them after the call. */
  readonly contacts: readonly LiveContact[]
}

export interface SequencePort {
  /** `POST /contacts/bulk_create` with `run_dedupe: true`, at most 100 contacts. */
  bulkCreateContacts(contacts: readonly NewContact[]): Promise<CreateContactsResult>
  /** `POST /emailer_campaigns/{id}/add_contact_ids` with `emailer_campaign_id` in the body and every switch explicit. */
  addContactIds(request: AddContactsRequest): Promise<AddContactsResult>
  /** `POST /emailer_campaigns/remove_or_stop_contact_ids` for exactly one sequence. */
  removeOrStopContactIds(request: RemoveContactsRequest): Promise<RemoveContactsResult>
}
