// The emulator's state in seed format (`snapshot()`, `--state FILE`): a deep copy that
// `new EmulatorState(seed)` loads back to the same state.

import type {EmulatorState} from './state.js'
import type {EmulatorSeed, SeedContact} from './types.js'

export function snapshotState(state: EmulatorState): EmulatorSeed {
  const actingUserId = state.actingUser().id
  return {
    apiKeys: [...state.apiKeys],
    ...(Object.keys(state.restrictedKeys).length > 0
      ? {restrictedKeys: Object.fromEntries(Object.entries(state.restrictedKeys).map(([k, v]) => [k, [...v]]))}
      : {}),
    ...(state.users.length > 0 ? {users: state.users.map((u) => ({...u}))} : {}),
    emailAccounts: [...state.mailboxes.values()].map((m) => ({
      id: m.id,
      email: m.email,
      active: m.active,
      ...(m.userId === null ? {} : {user_id: m.userId}),
      ...(m.revokedAt === null ? {} : {revoked_at: m.revokedAt}),
    })),
    sequences: [...state.sequences.values()]
      .sort((a, b) => a.order - b.order)
      .map((s) => ({id: s.id, name: s.name, active: s.active, ...(s.archived ? {archived: true} : {})})),
    contacts: state.contactOrder.map((c) => {
      const out: SeedContact = {
        id: c.id,
        email: c.email,
        first_name: c.firstName,
        last_name: c.lastName,
        organization_name: c.organizationName,
        title: c.title,
        email_status: c.emailStatus,
        ...(c.otherEmails.length > 0 ? {other_emails: [...c.otherEmails]} : {}),
        ...(c.jobChange ? {job_change: true} : {}),
        ...(c.memberships.size > 0
          ? {
              memberships: [...c.memberships.values()].map((m) => ({
                sequence_id: m.sequenceId,
                status: m.status,
                ...(m.mailboxId === null ? {} : {mailbox_id: m.mailboxId}),
                failure_reason: m.failureReason,
                inactive_reason: m.inactiveReason,
                // Only when someone else enrolled the contact: seeds stay as they were written.
                ...(m.addedByUserId === actingUserId ? {} : {added_by_user_id: m.addedByUserId}),
              })),
            }
          : {}),
        ...(c.removedFrom.size > 0 ? {removed_sequence_ids: [...c.removedFrom]} : {}),
      }
      return out
    }),
  }
}
