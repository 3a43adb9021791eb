import {describe, expect, it} from 'vitest'
import {makeChange, makePlan} from '../../test/helpers/fake-port.js'
import type {LiveContact, LiveStatus, MemberStatus} from '../model/state.js'
import {findStaleChanges} from './find-stale-changes.js'

function contact(id: string, memberships: Record<string, MemberStatus>): LiveContact {
  return {
    id,
    email: `${id}@acme.com`,
    otherEmails: [],
    emailStatus: 'verified',
    name: null,
    organizationName: null,
    memberships: Object.entries(memberships).map(([sequenceId, status]) => ({
      sequenceId,
      status,
      inactiveReason: null,
      failureReason: null,
      mailboxId: null,
      addedByUserId: null,
    })),
  }
}

function sweepOf(list: LiveContact[]): {contacts: Map<string, LiveContact>; members: Map<string, string[]>} {
  const members = new Map<string, string[]>()
  for (const c of list)
    for (const m of c.memberships) members.set(m.sequenceId, [...(members.get(m.sequenceId) ?? []), c.id])
  return {contacts: new Map(list.map((c) => [c.id, c])), members}
}

describe('findStaleChanges', () => {
  const cases: {
    name: string
    kind: 'add' | 'remove' | 'finish' | 'stop'
    planned: LiveStatus
    now: MemberStatus | 'absent'
    stale: boolean
  }[] = [
    {name: 'add still absent', kind: 'add', planned: 'absent', now: 'absent', stale: false},
    {name: 'add, someone enrolled the contact meanwhile', kind: 'add', planned: 'absent', now: 'active', stale: true},
    {name: 'remove still active', kind: 'remove', planned: 'active', now: 'active', stale: false},
    {name: 'remove, member left meanwhile', kind: 'remove', planned: 'active', now: 'absent', stale: true},
    {name: 'finish, member got paused', kind: 'finish', planned: 'active', now: 'paused', stale: true},
    {name: 'stop still active', kind: 'stop', planned: 'active', now: 'active', stale: false},
    {name: 'stop, member finished meanwhile', kind: 'stop', planned: 'active', now: 'finished', stale: true},
  ]
  it.each(cases)('$name -> stale: $stale', ({kind, planned, now, stale}) => {
    const reason =
      kind === 'add'
        ? 'declared-in-contacts'
        : kind === 'remove'
          ? 'declared-in-removed'
          : kind === 'finish'
            ? 'declared-in-finished'
            : 'declared-in-stopped'
    const plan = makePlan([makeChange({kind, reason, contactId: 'jane', email: 'jane@acme.com', liveStatus: planned})])
    const sweep = sweepOf(now === 'absent' ? [] : [contact('jane', {s1: now})])
    expect(findStaleChanges(plan, sweep)).toEqual(
      stale ? [`jane@acme.com in "Seq s1": planned against ${planned}, now ${now}`] : [],
    )
  })

  it('reads the status in the change’s own sequence, not in another one', () => {
    const plan = makePlan([makeChange({kind: 'add', contactId: 'jane', email: null, liveStatus: 'absent'})])
    expect(findStaleChanges(plan, sweepOf([contact('jane', {other: 'active'})]))).toEqual([])
    expect(findStaleChanges(plan, sweepOf([contact('jane', {s1: 'failed'})]))).toEqual([
      'jane in "Seq s1": planned against absent, now failed',
    ])
  })

  it('ignores changes without a contact id (creates and adds of created contacts)', () => {
    const plan = makePlan([
      makeChange({kind: 'create', email: 'new@acme.com'}),
      makeChange({kind: 'add', email: 'new@acme.com'}),
    ])
    expect(findStaleChanges(plan, sweepOf([]))).toEqual([])
  })

  it('a pruned member that left since the plan makes it stale (the per-change rule)', () => {
    const plan = makePlan(
      [makeChange({kind: 'finish', reason: 'pruned', contactId: 'a', email: 'a@acme.com', liveStatus: 'active'})],
      {s1: 1},
    )
    expect(findStaleChanges(plan, sweepOf([contact('a', {s1: 'active'})]))).toEqual([])
    expect(findStaleChanges(plan, sweepOf([]))).toEqual([
      'a@acme.com in "Seq s1": planned against active, now absent',
      '"Seq s1": planned against 1 live members, now 0',
    ])
  })

  it('in a pruned sequence, a member that appeared since the plan makes it stale', () => {
    const plan = makePlan([makeChange({kind: 'remove', reason: 'pruned', contactId: 'a', liveStatus: 'active'})], {
      s1: 2,
    })
    const before = [contact('a', {s1: 'active'}), contact('b', {s1: 'active'})]
    expect(findStaleChanges(plan, sweepOf(before))).toEqual([])
    expect(findStaleChanges(plan, sweepOf([...before, contact('c', {s1: 'active'})]))).toEqual([
      '"Seq s1": planned against 2 live members, now 3',
    ])
  })

  it('does not compare member counts in sequences that are not pruned', () => {
    const plan = makePlan([makeChange({kind: 'add', contactId: 'a', liveStatus: 'absent'})], {s1: 0})
    expect(findStaleChanges(plan, sweepOf([contact('b', {s1: 'active'})]))).toEqual([])
  })
})
