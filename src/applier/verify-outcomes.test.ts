import {describe, expect, it} from 'vitest'
import {FakeSequencePort, makeChange, makePlan} from '../../test/helpers/fake-port.js'
import type {Change, ChangeKind} from '../model/plan.js'
import type {LiveContact, MemberStatus} from '../model/state.js'
import {applyPlan} from './apply-plan.js'
import type {ApplyOutcome, ChangeOutcome, ChangeStatus} from './apply-plan.js'
import {buildApplyReport} from './verify-outcomes.js'

function afterWith(status: MemberStatus | 'absent', contactId = 'c1', sequenceId = 's1') {
  const contacts = new Map<string, LiveContact>()
  const members = new Map<string, string[]>([[sequenceId, []]])
  if (status !== 'absent') {
    contacts.set(contactId, {
      id: contactId,
      email: `${contactId}@acme.com`,
      otherEmails: [],
      emailStatus: 'verified',
      name: null,
      organizationName: null,
      memberships: [
        {sequenceId, status, inactiveReason: null, failureReason: null, mailboxId: null, addedByUserId: null},
      ],
    })
    members.set(sequenceId, [contactId])
  }
  return {contacts, members}
}

function outcomeOf(
  changes: readonly Change[],
  results: readonly ChangeOutcome[],
  createdIds = new Map<string, string>(),
): ApplyOutcome {
  return {
    outcomes: new Map(changes.map((change, i) => [change, results[i] ?? {status: 'not-attempted', contactId: null}])),
    createdIds,
    interrupted: results.some((r) => r.status === 'not-attempted'),
    interruption: null,
  }
}

type Bucket = 'applied' | 'skipped' | 'failed'

describe('buildApplyReport: the re-read decides', () => {
  const rows: {
    kind: Exclude<ChangeKind, 'create'>
    status: ChangeStatus
    reason?: string
    error?: string
    after: MemberStatus | 'absent'
    expected: [Bucket, string?]
  }[] = [
    {kind: 'add', status: 'applied', after: 'active', expected: ['applied']},
    {kind: 'add', status: 'applied', after: 'paused', expected: ['applied']},
    {kind: 'add', status: 'applied', reason: 'unconfirmed', after: 'absent', expected: ['skipped', 'not-converged']},
    {
      kind: 'add',
      status: 'skipped',
      reason: 'contacts_already_exists_in_current_campaign',
      after: 'active',
      expected: ['applied'],
    },
    {
      kind: 'add',
      status: 'skipped',
      reason: 'contacts_active_in_other_campaigns',
      after: 'absent',
      expected: ['skipped', 'contacts_active_in_other_campaigns'],
    },
    {
      kind: 'add',
      status: 'skipped',
      reason: 'contacts_already_exists_in_current_campaign',
      after: 'finished',
      expected: ['skipped', 'contacts_already_exists_in_current_campaign'],
    },
    {kind: 'add', status: 'failed', error: 'HTTP 500', after: 'active', expected: ['applied']},
    {
      kind: 'add',
      status: 'failed',
      error: 'Apollo POST x failed: HTTP 500',
      after: 'absent',
      expected: ['failed', 'Apollo POST x failed: HTTP 500'],
    },
    {
      kind: 'add',
      status: 'not-attempted',
      error: 'quota gone',
      after: 'absent',
      expected: ['failed', 'not attempted: quota gone'],
    },
    {kind: 'remove', status: 'applied', after: 'absent', expected: ['applied']},
    {kind: 'remove', status: 'applied', after: 'finished', expected: ['skipped', 'not-converged']},
    {kind: 'remove', status: 'failed', error: 'HTTP 422', after: 'active', expected: ['failed', 'HTTP 422']},
    {kind: 'finish', status: 'applied', after: 'finished', expected: ['applied']},
    {kind: 'finish', status: 'applied', after: 'paused', expected: ['skipped', 'not-converged']},
    {kind: 'stop', status: 'applied', after: 'paused', expected: ['applied']},
    {kind: 'stop', status: 'applied', after: 'finished', expected: ['applied']},
    {kind: 'stop', status: 'applied', after: 'active', expected: ['skipped', 'not-converged']},
    {
      kind: 'stop',
      status: 'not-attempted',
      reason: 'aborted',
      after: 'active',
      expected: ['failed', 'not attempted: aborted'],
    },
  ]
  it.each(rows)(
    '$kind $status (${reason}${error}) then $after -> $expected',
    ({kind, status, reason, error, after, expected}) => {
      const change = makeChange({
        kind,
        contactId: 'c1',
        email: 'c1@acme.com',
        liveStatus: kind === 'add' ? 'absent' : 'active',
      })
      const result = {
        status,
        contactId: 'c1',
        ...(reason === undefined ? {} : {reason}),
        ...(error === undefined ? {} : {error}),
      }
      const report = buildApplyReport(makePlan([change]), outcomeOf([change], [result]), afterWith(after), {'x/y': 3})
      const seq = report.sequences[0]
      const [bucket, detail] = expected
      expect(seq?.[bucket]).toHaveLength(1)
      expect(report.summary[bucket]).toBe(1)
      expect(report.converged).toBe(bucket === 'applied')
      expect(seq?.converged).toBe(bucket === 'applied')
      expect(seq?.remaining).toBe(bucket === 'applied' ? 0 : 1)
      if (bucket === 'skipped') expect(seq?.skipped[0]?.reason).toBe(detail)
      if (bucket === 'failed') expect(seq?.failed[0]?.error).toBe(detail)
      expect(report.calls).toEqual({'x/y': 3})
    },
  )

  it('creates are applied when Apollo gave the email an id; their adds use that id', () => {
    const create = makeChange({kind: 'create', email: 'New@Acme.com'})
    const add = makeChange({kind: 'add', email: 'New@Acme.com'})
    const lost = makeChange({kind: 'create', email: 'lost@acme.com'})
    const outcome = outcomeOf(
      [create, add, lost],
      [
        {status: 'applied', contactId: 'n1'},
        {status: 'applied', contactId: null},
        {status: 'failed', error: 'HTTP 500', contactId: null},
      ],
      new Map([['new@acme.com', 'n1']]),
    )
    const report = buildApplyReport(makePlan([create, add, lost]), outcome, afterWith('active', 'n1'), {})
    expect(report.sequences[0]?.applied).toEqual([
      {kind: 'create', contactId: 'n1', email: 'New@Acme.com'},
      {kind: 'add', contactId: 'n1', email: 'New@Acme.com'},
    ])
    expect(report.sequences[0]?.failed).toEqual([
      {kind: 'create', contactId: null, email: 'lost@acme.com', error: 'HTTP 500'},
    ])
  })

  it('reports per sequence, keeps plan order and the interrupted flag', () => {
    const a = makeChange({kind: 'add', sequenceId: 'sA', contactId: 'c1'})
    const b = makeChange({kind: 'remove', sequenceId: 'sB', contactId: 'c2'})
    const outcome = outcomeOf(
      [a, b],
      [
        {status: 'applied', contactId: 'c1'},
        {status: 'not-attempted', contactId: 'c2'},
      ],
    )
    const after = afterWith('active', 'c1', 'sA')
    const withC2 = {
      contacts: new Map([
        ...after.contacts,
        [
          'c2',
          {
            ...after.contacts.get('c1')!,
            id: 'c2',
            memberships: [
              {
                sequenceId: 'sB',
                status: 'active' as const,
                inactiveReason: null,
                failureReason: null,
                mailboxId: null,
                addedByUserId: null,
              },
            ],
          },
        ],
      ]),
      members: new Map([...after.members, ['sB', ['c2']]]),
    }
    const report = buildApplyReport(makePlan([a, b]), outcome, withC2, {})
    expect(report.interrupted).toBe(true)
    expect(report.converged).toBe(false)
    expect(report.sequences.map((s) => [s.id, s.converged, s.remaining])).toEqual([
      ['sA', true, 0],
      ['sB', false, 1],
    ])
    expect(report.summary).toEqual({applied: 1, skipped: 0, failed: 1})
  })

  it('refuses an outcome that does not match the plan', () => {
    const a = makeChange({kind: 'add', contactId: 'c1'})
    expect(() => buildApplyReport(makePlan([a]), outcomeOf([], []), afterWith('absent'), {})).toThrow(/outcome/)
  })
})

describe('apply then verify against the fake port', () => {
  it('converges when Apollo does what was asked, and names Apollo’s skips otherwise', async () => {
    const port = new FakeSequencePort({
      contacts: [
        {id: 'a', email: 'a@acme.com'},
        {id: 'b', email: 'b@acme.com', memberships: {other: 'active'}},
        {id: 'd', email: 'd@acme.com', memberships: {s2: 'active'}},
      ],
    })
    const plan = makePlan([
      makeChange({kind: 'add', sequenceId: 's1', contactId: 'a'}),
      makeChange({kind: 'add', sequenceId: 's1', contactId: 'b'}),
      makeChange({kind: 'finish', sequenceId: 's2', contactId: 'd'}),
    ])
    const outcome = await applyPlan(plan, port, {batchSize: 10, bulkCreate: 100, concurrency: 2})
    const report = buildApplyReport(plan, outcome, port.sweep(['s1', 's2']), {})
    expect(
      report.sequences.map((s) => ({
        id: s.id,
        converged: s.converged,
        skipped: s.skipped.map((x) => [x.contactId, x.reason]),
      })),
    ).toEqual([
      {id: 's1', converged: false, skipped: [['b', 'contacts_active_in_other_campaigns']]},
      {id: 's2', converged: true, skipped: []},
    ])
    expect(report.summary).toEqual({applied: 2, skipped: 1, failed: 0})
  })

  it('a lost response retried as "already exists" still counts as applied', async () => {
    // The first add call writes but its answer is lost (the client retried and Apollo skipped as already there).
    const port = new FakeSequencePort({contacts: [{id: 'a', email: 'a@acme.com', memberships: {s1: 'active'}}]})
    const change = makeChange({kind: 'add', contactId: 'a'})
    const plan = makePlan([change])
    const outcome = await applyPlan(plan, port, {batchSize: 10, bulkCreate: 100, concurrency: 1})
    expect([...outcome.outcomes.values()][0]?.reason).toBe('contacts_already_exists_in_current_campaign')
    const report = buildApplyReport(plan, outcome, port.sweep(['s1']), {})
    expect(report.converged).toBe(true)
    expect(report.sequences[0]?.applied).toEqual([{kind: 'add', contactId: 'a', email: null}])
  })
})
