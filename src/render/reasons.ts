// One human text for each machine code the plan and the apply report carry. Pure.

import type {SkipReason, WarningCode} from '../model/plan.js'

const SKIP_REASONS: Readonly<Record<string, string>> = {
  contact_not_found: 'Apollo does not know this contact',
  contacts_already_exists_in_current_campaign: 'already in this sequence (Apollo cannot re-enroll it)',
  contacts_active_in_other_campaigns: 'active in another sequence (enroll.activeInOtherSequences is off)',
  contacts_finished_in_other_campaigns: 'finished in another sequence (enroll.finishedInOtherSequences is off)',
  contacts_without_email: 'the contact has no email (enroll.noEmail is off)',
  contacts_unverified_email: 'the email is unverified (enroll.unverifiedEmail is off)',
  contacts_with_job_change: 'Apollo flags a job change (enroll.jobChange is off)',
  contacts_in_same_company: 'a contact of the same company is already in this sequence (enroll.sameCompany is off)',
  contacts_without_ownership_permission: 'the API key owner lacks permission on this contact',
  contacts_in_pending_state: 'the contact is pending in an account queue',
  contacts_with_unverified_user_managed_email: 'the sending mailbox is unverified',
  'not-converged': 'Apollo accepted the call but the contact is not in the desired state',
}

/** Human text for an Apollo skip reason code (unknown codes are shown as-is). */
export function describeSkipReason(reason: SkipReason): string {
  return SKIP_REASONS[reason] ?? `Apollo reason "${reason}"`
}

const WARNING_CODES: Readonly<Record<string, string>> = {
  'skip-forecast': 'will be skipped by Apollo',
  'sequence-inactive': 'the sequence is inactive: contacts will be enrolled paused',
  'already-finished': 'already finished in this sequence: Apollo cannot re-enroll it',
  'member-failed': 'failed in this sequence (bounce or similar): Apollo will not re-enroll it',
  'not-enrolled': 'not enrolled in this sequence: nothing to finish or stop',
  'missing-contact-skipped': 'no Apollo contact has this email: skipped (missingContacts: skip)',
  unmanaged: 'live members the manifest does not declare (prune: none leaves them alone)',
}

/** Human text for a plan warning code. */
export function describeWarningCode(code: WarningCode): string {
  return WARNING_CODES[code] ?? code
}
