import {describe, expect, it} from 'vitest'
import type {PlanProblem, PlanWarning, SafetyViolation} from '../model/plan.js'
import {describePlanProblem, describeSafetyViolation, describeSkipReason, describeWarning} from './reasons.js'

const at = {file: 'teams/q4.yaml', line: 12, col: 5}

// The planner emits codes and data; these are the sentences every output (text, Markdown, JSON
// `message`, the CLI's error lines) prints for them, word for word.
describe('describePlanProblem', () => {
  it.each<[PlanProblem, string]>([
    [
      {code: 'sequence-not-found', selector: {name: 'Q4'}, source: at},
      'Sequence "Q4" was not found in Apollo (Apollo\'s search does not return archived sequences: pin `id:` to check whether it was archived)',
    ],
    [{code: 'sequence-not-found', selector: {id: 's1'}, source: at}, 'Sequence id s1 was not found in Apollo'],
    [
      {code: 'sequence-ambiguous', selector: {name: 'Dup'}, sequenceIds: ['sA', 'sB'], source: at},
      'Sequence "Dup" matches 2 Apollo sequences (sA, sB): pin one with `id:`',
    ],
    [
      {code: 'sequence-archived', selector: {id: 's1'}, sequenceId: 's1', source: at},
      'Sequence id s1 (s1) is archived in Apollo: it cannot be managed',
    ],
    [
      {code: 'sequence-duplicate', selector: {id: 's1'}, sequenceId: 's1', otherSelector: {name: 'Q4'}, source: at},
      'Sequence id s1 resolves to s1, already managed by the manifest for "Q4"',
    ],
    [
      {code: 'mailbox-not-found', mailbox: 'nobody@acme.com', source: at},
      'Mailbox nobody@acme.com is not an Apollo email account of this team (by id or email)',
    ],
    [
      {code: 'mailbox-inactive', mailboxId: 'mb1', mailboxEmail: 'sdr@acme.com', source: at},
      'Mailbox sdr@acme.com (mb1) is not active in Apollo',
    ],
    [
      {code: 'contact-missing', email: 'Raj@globex.com', source: at},
      'No Apollo contact has the email Raj@globex.com (set missingContacts: skip or create to allow this)',
    ],
    [
      {code: 'contact-ambiguous', email: 'jane@acme.com', contactIds: ['c1', 'c2'], source: at},
      'jane@acme.com matches 2 Apollo contacts (c1, c2): pin the one you mean with `id:`',
    ],
    [{code: 'contact-id-not-found', contactId: 'nope', source: at}, 'Contact id nope does not exist in Apollo'],
    [
      {code: 'contact-duplicate', contactId: 'c1', selector: {name: 'Q4'}, otherSource: {...at, line: 9}, source: at},
      'Contact c1 is declared twice for sequence "Q4" (also at teams/q4.yaml:9): an email and an id, or two of its emails',
    ],
    [
      {code: 'contact-unresolved', email: 'ghost@acme.com', contactId: null, source: at},
      'Contact ghost@acme.com was not read from Apollo (incomplete live read): cannot plan its add',
    ],
    [
      {code: 'contact-unresolved', email: null, contactId: 'c7', source: at},
      'Contact id c7 was not read from Apollo (incomplete live read): cannot plan its add',
    ],
    [
      {code: 'live-state-inconsistent', contactId: 'c9', sequenceId: 's1', source: at},
      'Contact c9, a member of sequence s1, is missing from the live read',
    ],
  ])('%j', (problem, sentence) => {
    expect(describePlanProblem(problem)).toBe(sentence)
  })
})

describe('describeWarning', () => {
  const about = {contactId: 'c1', email: 'jane@acme.com', source: at}
  it.each<[PlanWarning, string]>([
    [
      {code: 'skip-forecast', skipReason: 'contacts_unverified_email', ...about},
      'will be skipped by Apollo: the email is unverified (enroll.unverifiedEmail is off)',
    ],
    [
      {code: 'skip-forecast', skipReason: 'brand_new', ...about},
      'will be skipped by Apollo: Apollo reason "brand_new"',
    ],
    [{code: 'sequence-inactive', ...about}, 'the sequence is inactive: contacts will be enrolled paused'],
    [{code: 'already-finished', ...about}, 'already finished in this sequence: Apollo cannot re-enroll it'],
    [{code: 'member-failed', ...about}, 'failed in this sequence (bounce or similar): Apollo will not re-enroll it'],
    [{code: 'not-enrolled', list: 'finished', ...about}, 'not enrolled in this sequence: nothing to finish'],
    [{code: 'not-enrolled', list: 'stopped', ...about}, 'not enrolled in this sequence: nothing to stop'],
    [{code: 'missing-contact-skipped', ...about}, 'no Apollo contact has this email: skipped (missingContacts: skip)'],
    [
      {code: 'unmanaged', count: 1, ...about},
      '1 live member is not declared in the manifest (prune: none leaves it alone)',
    ],
    [
      {code: 'unmanaged', count: 7, ...about},
      '7 live members are not declared in the manifest (prune: none leaves them alone)',
    ],
  ])('%j', (warning, sentence) => {
    expect(describeWarning(warning)).toBe(sentence)
  })
})

describe('describeSafetyViolation', () => {
  it.each<[SafetyViolation, string]>([
    [
      {code: 'too-many-adds', planned: 600, maxAdds: 500},
      'would add 600 contacts to sequences (each is emailed), more than safety.maxAdds (500)',
    ],
    [
      {code: 'too-many-removals', planned: 60, maxRemovals: 50},
      'would remove/finish/stop 60 contacts in total, more than safety.maxRemovals (50)',
    ],
    [
      {
        code: 'removal-percent',
        sequenceId: 's1',
        sequenceName: 'Q4',
        removals: 4,
        liveMembers: 12,
        maxRemovalPercent: 25,
      },
      'would remove/finish/stop 4 of 12 live members (33.3%) of sequence "Q4" (s1), more than safety.maxRemovalPercent (25%)',
    ],
  ])('%j', (violation, sentence) => {
    expect(describeSafetyViolation(violation)).toBe(sentence)
  })
})

describe("Apollo's own skip reason", () => {
  it('is one line of plain text, of bounded length, whatever Apollo sends', () => {
    const shown = describeSkipReason('brand_new\u001b[2J\n::error::forged')
    expect(shown).toBe('Apollo reason "brand_new [2J ::error::forged"')
    expect(describeSkipReason('x'.repeat(5000)).length).toBeLessThan(200)
  })

  it('is never a property of a plain object (constructor, __proto__, toString)', () => {
    for (const reason of ['constructor', '__proto__', 'toString', 'hasOwnProperty'])
      expect(describeSkipReason(reason)).toBe(`Apollo reason "${reason}"`)
  })
})

describe('a sequence selector in a sentence', () => {
  it('quotes a name as JSON, so its quotes and line breaks cannot end or forge the sentence', () => {
    expect(describePlanProblem({code: 'sequence-not-found', selector: {id: 's1'}, source: at})).toBe(
      'Sequence id s1 was not found in Apollo',
    )
    expect(
      describePlanProblem({code: 'sequence-archived', selector: {name: 'Q4 "EU"\nx'}, sequenceId: 's1', source: at}),
    ).toBe('Sequence "Q4 \\"EU\\"\\nx" (s1) is archived in Apollo: it cannot be managed')
  })
})
