import {describe, expect, it} from 'vitest'
import {
  DEFAULT_KEY_OWNER,
  DEFAULT_MAILBOX,
  desiredSequence,
  liveContact,
  liveSequence,
  liveState,
} from '../../test/helpers/builders.js'
import {makeChange, makePlan} from '../../test/helpers/fake-port.js'
import type {SequenceBasis} from '../model/plan-basis.js'
import type {Change, Plan} from '../model/plan.js'
import type {LiveContact, MemberStatus} from '../model/state.js'
import {checkBasis} from './check-basis.js'

// Seq s1 ("Seq s1", active, mailbox mb1): members m1 (active, unchanged), r1 (active, to remove),
// f1 (paused, to finish); a1 to add; a new contact n@acme.com to create and add.
const changes: Change[] = [
  makeChange({kind: 'create', email: 'n@acme.com'}),
  makeChange({kind: 'add', contactId: 'a1', email: 'a1@acme.com'}),
  makeChange({kind: 'add', email: 'n@acme.com'}),
  makeChange({kind: 'remove', contactId: 'r1', email: 'r1@acme.com', liveStatus: 'active'}),
  makeChange({kind: 'finish', contactId: 'f1', liveStatus: 'paused'}),
]
const members: Record<string, MemberStatus> = {m1: 'active', r1: 'active', f1: 'paused'}
const plan: Plan = makePlan(changes, {s1: 3})
const OWNER = DEFAULT_KEY_OWNER.userId
// Besides the contacts of the changes, the manifest declares a tombstone t1 and e@acme.com (finished), neither a member.
const desired = desiredSequence({
  name: 'Seq s1',
  contacts: ['a1@acme.com', 'n@acme.com', 'm1@acme.com'],
  finished: ['e@acme.com', {id: 'f1'}],
  removed: [{id: 't1'}],
})
const basis: SequenceBasis[] = [
  {sequenceId: 's1', mailboxId: DEFAULT_MAILBOX.id, members: new Map(Object.entries(members)), desired},
]

/** The fresh read: members of s1 with these statuses (absent = not listed). */
function fresh(statuses: Record<string, MemberStatus | 'absent'>, extra: LiveContact[] = [], sequence = {}) {
  const contacts = Object.entries({...members, ...statuses})
    .filter(([, s]) => s !== 'absent')
    .map(([id, s]) => liveContact({id, memberships: {s1: s as MemberStatus}}))
  return liveState({
    sequences: [liveSequence({id: 's1', name: 'Seq s1', ...sequence})],
    contacts: [...contacts, ...extra],
  })
}

describe('checkBasis', () => {
  it('nothing moved: nothing stale, nothing done', () => {
    expect(checkBasis(plan, basis, fresh({}), OWNER)).toEqual({stale: [], done: new Set(), knownIds: new Map()})
  })

  it('a change already at its target is done, not stale (an interrupted apply of the same plan)', () => {
    const created = liveContact({id: 'n9', email: 'n@acme.com', memberships: {s1: 'active'}})
    const check = checkBasis(plan, basis, fresh({a1: 'active', r1: 'absent', f1: 'finished'}, [created]), OWNER)
    expect(check.stale).toEqual([])
    expect([...check.done].map((c) => `${c.kind}:${c.contactId ?? c.email}`)).toEqual([
      'create:n@acme.com',
      'add:a1',
      'add:n@acme.com',
      'remove:r1',
      'finish:f1',
    ])
    expect(check.knownIds).toEqual(new Map([['n@acme.com', 'n9']]))
  })

  it('a contact the plan looked at that moved anywhere else is stale; a newcomer is not', () => {
    const newcomer = liveContact({id: 'x9', memberships: {s1: 'active'}})
    const check = checkBasis(plan, basis, fresh({a1: 'finished', r1: 'paused', m1: 'absent'}, [newcomer]), OWNER)
    expect(check.stale.map((s) => (s.code === 'contact-moved' ? [s.contactId, s.planned, s.now] : s.code))).toEqual([
      ['a1', 'absent', 'finished'],
      ['r1', 'active', 'paused'],
      ['m1', 'active', 'absent'],
    ])
    expect(check.done.size).toBe(0)
  })

  it('a declared contact that was not a member and is one now is stale', () => {
    const check = checkBasis(
      plan,
      basis,
      fresh({}, [
        liveContact({id: 't1', memberships: {s1: 'active'}}),
        liveContact({id: 'e9', email: 'E@acme.com', memberships: {s1: 'paused'}}),
      ]),
      OWNER,
    )
    expect(check.stale.map((s) => (s.code === 'contact-moved' ? [s.contactId, s.planned, s.now] : s.code))).toEqual([
      ['t1', 'absent', 'active'],
      ['e9', 'absent', 'paused'],
    ])
  })

  it('the sequence gone, archived, renamed or (de)activated, and the mailbox gone or inactive, are stale', () => {
    const gone = checkBasis(plan, basis, {...fresh({}), sequences: new Map()}, OWNER)
    expect(gone.stale.map((s) => s.code)).toEqual(['sequence-gone'])
    // Archived: its members are not read, so nothing else is compared.
    expect(checkBasis(plan, basis, fresh({}, [], {archived: true}), OWNER).stale.map((s) => s.code)).toEqual([
      'sequence-archived',
    ])
    const changed = checkBasis(
      plan,
      basis,
      {
        ...fresh({}, [], {name: 'Renamed', active: false}),
        mailboxes: [{...DEFAULT_MAILBOX, active: false}],
      },
      OWNER,
    )
    expect(changed.stale).toEqual([
      {code: 'sequence-renamed', sequenceId: 's1', sequenceName: 'Seq s1', nowName: 'Renamed'},
      {code: 'sequence-active-changed', sequenceId: 's1', sequenceName: 'Seq s1', nowActive: false},
      {
        code: 'mailbox-inactive',
        sequenceId: 's1',
        sequenceName: 'Seq s1',
        mailboxId: DEFAULT_MAILBOX.id,
        mailboxEmail: DEFAULT_MAILBOX.email,
      },
    ])
    expect(checkBasis(plan, basis, {...fresh({}), mailboxes: []}, OWNER).stale.map((s) => s.code)).toEqual([
      'mailbox-gone',
    ])
  })

  it("pruneScope: owned was decided for the plan key's user: another user's key is stale, all is not", () => {
    const owned: SequenceBasis[] = [{...basis[0]!, desired: {...desired, pruneScope: 'owned'}}]
    expect(checkBasis(plan, owned, fresh({}), OWNER).stale).toEqual([])
    expect(checkBasis(plan, owned, fresh({}), 'u-someone-else').stale).toEqual([
      {
        code: 'key-owner-changed',
        sequenceId: 's1',
        sequenceName: 'Seq s1',
        plannedUserId: 'u-someone-else',
        nowUserId: OWNER,
      },
    ])
    expect(checkBasis(plan, basis, fresh({}), 'u-someone-else').stale).toEqual([])
  })
})
