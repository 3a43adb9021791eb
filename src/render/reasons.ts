// The words for every machine code the plan and the apply report carry: skip reasons, plan
// warnings, plan problems and safety violations. The core emits codes and data; only this module
// turns them into sentences. Pure.

import type {
  ChangeKind,
  PlanProblem,
  PlanWarning,
  PossibleSkip,
  SafetyAssessment,
  SafetyViolation,
  SkipReason,
  UnmanagedReason,
} from '../model/plan.js'
import type {PruneMode, PruneScope} from '../model/state.js'
import {describeSelector, formatSourceRef} from '../model/state.js'
import {flattenText} from './plan-text.js'

const SKIP_REASONS: Readonly<Record<string, string>> = {
  contact_not_found: 'Apollo does not know this contact',
  contacts_already_exists_in_current_campaign:
    'Apollo says it is already in this sequence: a contact removed from a sequence cannot be enrolled in it again, and the live read does not show the removal',
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

/** Longest Apollo reason code shown (a longer one is cut with …). */
const REASON_CODE_MAX = 80

/** Apollo's raw reason code as shown: one line, no control characters, at most REASON_CODE_MAX characters. */
export function showReasonCode(reason: string): string {
  const flat = flattenText(reason)
  return flat.length > REASON_CODE_MAX ? `${flat.slice(0, REASON_CODE_MAX - 1)}…` : flat
}

/**
 * Human text for an Apollo skip reason code; an unknown code is quoted (showReasonCode). The
 * renderers escape it for their format (Markdown: prose()).
 */
export function describeSkipReason(reason: SkipReason): string {
  return Object.hasOwn(SKIP_REASONS, reason) ? SKIP_REASONS[reason]! : `Apollo reason "${showReasonCode(reason)}"`
}

/**
 * What to do about a skip whose cause the live read cannot show, or null. A contact removed from a
 * sequence stays out of it for good (docs/emulator.md), so re-planning would show the same add
 * forever: the remedy closes that loop.
 */
export function describeSkipRemedy(kind: ChangeKind, reason: SkipReason): string | null {
  if (kind === 'add' && reason === 'contacts_already_exists_in_current_campaign') {
    return 'keep the contact under `removed:` (or drop it from the manifest) so plans stop adding it, or enroll it in a new or cloned sequence'
  }
  return null
}

/** `will be skipped by Apollo: <reason>`, under a forecast add and in its warning. */
export function describeForecastSkip(reason: SkipReason): string {
  return `will be skipped by Apollo: ${describeSkipReason(reason)}`
}

/** Why a possible skip is not certain, as a clause. */
function describeUncertainty(p: PossibleSkip): string {
  switch (p.why) {
    case 'same-company':
      return 'Apollo does not document what counts as the same company (compared here: organisation names)'
    case 'new-contact':
      return 'this plan creates the contact, and Apollo sets its email status only then'
    case 'email-status':
      return p.emailStatus === null
        ? 'the contact has no email status, and Apollo documents only "unverified" as skipped'
        : `Apollo does not document whether email status "${p.emailStatus}" counts as unverified`
    case 'planned-add':
      return 'only once this plan has enrolled it in an earlier sequence'
  }
}

/** `may be skipped by Apollo: <reason>; <why it is uncertain>`, next to a possible-skip add and in its warning. */
export function describePossibleSkip(p: PossibleSkip): string {
  return `may be skipped by Apollo: ${describeSkipReason(p.reason)}; ${describeUncertainty(p)}`
}

/** The sentence of a plan warning (the contact and location are shown next to it by the renderer). */
export function describeWarning(w: PlanWarning): string {
  switch (w.code) {
    case 'skip-forecast':
      return describeForecastSkip(w.skipReason)
    case 'skip-possible':
      return describePossibleSkip(w.possibleSkip)
    case 'sequence-inactive':
      return 'the sequence is inactive: contacts will be enrolled paused'
    case 'already-finished':
      return 'already finished in this sequence: Apollo cannot re-enroll it'
    case 'member-failed':
      return 'failed in this sequence (bounce or similar): Apollo will not re-enroll it'
    case 'not-enrolled':
      return `not enrolled in this sequence: nothing to ${w.list === 'finished' ? 'finish' : 'stop'}`
    case 'missing-contact-skipped':
      return 'no Apollo contact has this email: skipped (missingContacts: skip)'
    case 'unmanaged': {
      const one = w.count === 1
      return `${w.count} live member${one ? ' is' : 's are'} not declared in the manifest (prune: none leaves ${one ? 'it' : 'them'} alone)`
    }
    case 'unmanaged-not-owned': {
      const one = w.count === 1
      return `${w.count} live member${one ? ' was' : 's were'} added by another Apollo user (pruneScope: owned leaves ${one ? 'it' : 'them'} alone)`
    }
  }
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`

/** The undeclared members a sequence leaves alone, by why: the text plan's label before their names. */
export function describeUnmanagedLabel(reason: UnmanagedReason, n: number): string {
  return reason === 'prune-none'
    ? `${plural(n, 'unmanaged member')} (prune: none)`
    : `${plural(n, 'member')} added by another Apollo user, left alone (pruneScope: owned)`
}

/** The same members as a sentence: the Markdown comment's note under the sequence. */
export function describeUnmanagedNote(reason: UnmanagedReason, n: number): string {
  return reason === 'prune-none'
    ? `Unmanaged drift: ${plural(n, 'live member')} not declared in the manifest (prune: none).`
    : `Left alone: ${plural(n, 'undeclared member')} added by another Apollo user (pruneScope: owned).`
}

/** `prune: remove (every undeclared member)` / `prune: remove, pruneScope: owned (…)`: what prune may touch. */
export function describePruneScope(prune: PruneMode, scope: PruneScope): string {
  if (prune === 'none') return 'prune: none (undeclared members are left alone)'
  return scope === 'all'
    ? `prune: ${prune}, pruneScope: all (every undeclared member)`
    : `prune: ${prune}, pruneScope: owned (only undeclared members the API key's user added)`
}

/** The sentence of a plan problem (its location is shown next to it by the renderer). */
export function describePlanProblem(p: PlanProblem): string {
  switch (p.code) {
    case 'sequence-not-found':
      return (
        `Sequence ${describeSelector(p.selector)} was not found in Apollo` +
        ('name' in p.selector
          ? " (Apollo's search does not return archived sequences: pin `id:` to check whether it was archived)"
          : '')
      )
    case 'sequence-ambiguous':
      return `Sequence ${describeSelector(p.selector)} matches ${p.sequenceIds.length} Apollo sequences (${p.sequenceIds.join(', ')}): pin one with \`id:\``
    case 'sequence-archived':
      return `Sequence ${describeSelector(p.selector)} (${p.sequenceId}) is archived in Apollo: it cannot be managed`
    case 'sequence-duplicate':
      return `Sequence ${describeSelector(p.selector)} resolves to ${p.sequenceId}, already managed by the manifest for ${describeSelector(p.otherSelector)}`
    case 'mailbox-not-found':
      return `Mailbox ${p.mailbox} is not an Apollo email account of this team (by id or email)`
    case 'mailbox-inactive':
      return `Mailbox ${p.mailboxEmail} (${p.mailboxId}) is not active in Apollo`
    case 'contact-missing':
      return `No Apollo contact has the email ${p.email} (set missingContacts: skip or create to allow this)`
    case 'contact-ambiguous':
      return `${p.email} matches ${p.contactIds.length} Apollo contacts (${p.contactIds.join(', ')}): pin the one you mean with \`id:\``
    case 'contact-id-not-found':
      return `Contact id ${p.contactId} does not exist in Apollo`
    case 'contact-duplicate':
      return `Contact ${p.contactId} is declared twice for sequence ${describeSelector(p.selector)} (also at ${formatSourceRef(p.otherSource, {precision: 'line'})}): an email and an id, or two of its emails`
    case 'contact-unresolved':
      return `Contact ${p.email !== null ? p.email : `id ${p.contactId}`} was not read from Apollo (incomplete live read): cannot plan its add`
    case 'live-state-inconsistent':
      return `Contact ${p.contactId}, a member of sequence ${p.sequenceId}, is missing from the live read`
  }
}

/** The sentence of a safety violation. */
export function describeSafetyViolation(v: SafetyViolation): string {
  switch (v.code) {
    case 'too-many-adds':
      return `would add ${v.planned} contacts to sequences (each is emailed), more than safety.maxAdds (${v.maxAdds})`
    case 'too-many-removals':
      return `would remove/finish/stop ${v.planned} contacts in total, more than safety.maxRemovals (${v.maxRemovals})`
    case 'removal-percent': {
      const pct = Math.round((v.removals * 1000) / v.liveMembers) / 10
      return `would remove/finish/stop ${v.removals} of ${v.liveMembers} live members (${pct}%) of sequence "${v.sequenceName}" (${v.sequenceId}), more than safety.maxRemovalPercent (${v.maxRemovalPercent}%)`
    }
  }
}

/** What apply will need for a plan over a brake (`apply will refuse it unless given --allow-adds 600`), or null. */
export function describeRequiredOverrides(safety: SafetyAssessment): string | null {
  const {allowAdds, allowRemovals} = safety.required
  const flags = [
    ...(allowAdds === null ? [] : [`--allow-adds ${allowAdds}`]),
    ...(allowRemovals === null ? [] : [`--allow-removals ${allowRemovals}`]),
  ]
  return flags.length === 0 ? null : `apply will refuse this plan unless given ${flags.join(' ')}`
}
