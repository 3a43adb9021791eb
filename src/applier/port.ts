// The applier's only way to touch Apollo. The Apollo client (src/apollo/client.ts) satisfies it
// structurally; tests pass an in-memory fake.

import type {ContactDetails, EnrollSwitches, LiveContact} from '../model/state.js'

/** A contact to create: its email and the optional fields of `missingContacts: create`. */
export type PortNewContact = {readonly email: string} & ContactDetails

export interface SequencePort {
  bulkCreateContacts(
    contacts: readonly PortNewContact[],
  ): Promise<{readonly created: readonly LiveContact[]; readonly existing: readonly LiveContact[]}>
  addContactIds(request: {
    readonly sequenceId: string
    readonly contactIds: readonly string[]
    readonly mailboxId: string
    readonly enroll: EnrollSwitches
  }): Promise<{readonly added: readonly string[]; readonly skipped: Readonly<Record<string, string>>}>
  removeOrStopContactIds(request: {
    readonly sequenceId: string
    readonly contactIds: readonly string[]
    readonly mode: 'remove' | 'mark_as_finished' | 'stop'
  }): Promise<void>
}
