import {describe, expect, it} from 'vitest'
import {desiredSequence, liveContact, liveSequence, liveState} from '../../test/helpers/builders.js'
import {FakeSequencePort, makeChange, makePlan} from '../../test/helpers/fake-port.js'
import type {ManagedSequence} from '../model/plan-basis.js'
import type {Change, ChangeKind, Plan} from '../model/plan.js'
import type {LiveContact, LiveState, MemberStatus} from '../model/state.js'
import {computePlan} from '../planner/compute-plan.js'
import {applyPlan} from './apply-plan.js'
import type {ApplyOutcome, ChangeOutcome, ChangeStatus} from './apply-plan.js'
import {ObservedState} from './observed-state.js'
import {buildApplyReport} from './verify-outcomes.js'
import type {VerdictInput} from './verify-outcomes.js'

function outcomeOf(
  changes: readonly Change[],
  results: readonly ChangeOutcome[],
  extra: Partial<Pick<ApplyOutcome, 'createdIds' | 'answers'>> = {},
): ApplyOutcome {
  return {
    outcomes: new Map(changes.map((change, i) => [change, results[i] ?? {status: 'not-attempted', contactId: null}])),
    createdIds: extra.createdIds ?? new Map(),
    answers: extra.answers ?? new Map(),
    interruption: results.some((r) => r.status === 'not-attempted')
      ? {reason: 'aborted', message: 'apply was interrupted before every batch was sent'}
      : null,
  }
}

/** The report of `plan`; with no `managed` manifest to re-plan, the per-change rules alone. */
function reportOf(plan: Plan, base: LiveState, outcome: ApplyOutcome, extra: Partial<VerdictInput> = {}) {
  return buildApplyReport({
    plan,
    managed: [],
    observed: new ObservedState(base, plan, outcome.answers),
    done: new Set(),
    outcome,
    manifestsChanged: null,
    calls: {},
    ...extra,
  })
}

function baseWith(status: MemberStatus | 'absent', contactId = 'c1', sequenceId = 's1'): LiveState {
  const memberships = status === 'absent' ? {} : {[sequenceId]: status}
  return liveState({contacts: [liveContact({id: contactId, memberships})]})
}

type Bucket = 'applied' | 'skipped' | 'failed'

describe('buildApplyReport: each change is decided by what Apollo shows', () => {
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
    {kind: 'add', status: 'uncertain', after: 'absent', expected: ['skipped', 'not-converged']},
    {
      kind: 'add',
      status: 'uncertain',
      reason: 'contacts_already_exists_in_current_campaign',
      after: 'active',
      expected: ['applied'],
    },
    {
      kind: 'add',
      status: 'uncertain',
      reason: 'contacts_already_exists_in_current_campaign',
      after: 'finished',
      expected: ['skipped', 'contacts_already_exists_in_current_campaign'],
    },
    {
      kind: 'add',
      status: 'skipped',
      reason: 'contacts_active_in_other_campaigns',
      after: 'absent',
      expected: ['skipped', 'contacts_active_in_other_campaigns'],
    },
    {kind: 'add', status: 'uncertain', error: 'HTTP 500', after: 'active', expected: ['applied']},
    {
      kind: 'add',
      status: 'uncertain',
      error: 'Apollo POST x failed: HTTP 500',
      after: 'absent',
      expected: ['failed', 'Apollo POST x failed: HTTP 500'],
    },
    {kind: 'add', status: 'failed', error: 'HTTP 422', after: 'absent', expected: ['failed', 'HTTP 422']},
    {
      kind: 'add',
      status: 'not-attempted',
      error: 'quota gone',
      after: 'absent',
      expected: ['failed', 'not attempted: quota gone'],
    },
    {kind: 'remove', status: 'applied', after: 'absent', expected: ['applied']},
    {kind: 'remove', status: 'uncertain', after: 'finished', expected: ['skipped', 'not-converged']},
    {kind: 'remove', status: 'failed', error: 'HTTP 422', after: 'active', expected: ['failed', 'HTTP 422']},
    {kind: 'finish', status: 'applied', after: 'finished', expected: ['applied']},
    {kind: 'finish', status: 'uncertain', after: 'paused', expected: ['skipped', 'not-converged']},
    {kind: 'stop', status: 'applied', after: 'paused', expected: ['applied']},
    {kind: 'stop', status: 'uncertain', after: 'finished', expected: ['applied']},
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
      const change = makeChange({kind, contactId: 'c1', email: 'c1@acme.com'})
      const result = {
        status,
        contactId: 'c1',
        ...(reason === undefined ? {} : {reason}),
        ...(error === undefined ? {} : {error}),
      }
      const plan = makePlan([change])
      const report = reportOf(plan, baseWith(after), outcomeOf([change], [result]), {calls: {'x/y': 3}})
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
    const created = liveContact({id: 'n1', email: 'new@acme.com', memberships: {s1: 'active'}})
    const outcome = outcomeOf(
      [create, add, lost],
      [
        {status: 'applied', contactId: 'n1'},
        {status: 'applied', contactId: 'n1'},
        {status: 'uncertain', error: 'HTTP 500', contactId: null},
      ],
      {createdIds: new Map([['new@acme.com', 'n1']]), answers: new Map([['n1', created]])},
    )
    const report = reportOf(makePlan([create, add, lost]), liveState(), outcome)
    expect(report.sequences[0]?.applied).toEqual([
      {kind: 'create', contactId: 'n1', email: 'New@Acme.com'},
      {kind: 'add', contactId: 'n1', email: 'New@Acme.com'},
    ])
    expect(report.sequences[0]?.failed).toEqual([
      {kind: 'create', contactId: null, email: 'lost@acme.com', error: 'HTTP 500'},
    ])
  })

  it('reports per sequence, keeps plan order, the interrupted flag and the changes already done', () => {
    const a = makeChange({kind: 'add', sequenceId: 'sA', contactId: 'c1'})
    const b = makeChange({kind: 'remove', sequenceId: 'sB', contactId: 'c2'})
    const done = makeChange({kind: 'finish', sequenceId: 'sB', contactId: 'c3'})
    const plan = makePlan([a, b, done])
    const base = liveState({
      contacts: [
        liveContact({id: 'c1', memberships: {sA: 'active'}}),
        liveContact({id: 'c2', memberships: {sB: 'active'}}),
        liveContact({id: 'c3', memberships: {sB: 'finished'}}),
      ],
    })
    const outcome = outcomeOf(
      [a, b],
      [
        {status: 'applied', contactId: 'c1'},
        {status: 'not-attempted', contactId: 'c2'},
      ],
    )
    const report = reportOf(plan, base, outcome, {done: new Set([done])})
    expect(report.interrupted).toBe(true)
    expect(report.converged).toBe(false)
    expect(report.sequences.map((s) => [s.id, s.converged, s.remaining, s.alreadyDone.length])).toEqual([
      ['sA', true, 0, 0],
      ['sB', false, 1, 1],
    ])
    expect(report.summary).toEqual({applied: 1, alreadyDone: 1, skipped: 0, failed: 1, differences: 0})
  })

  it('refuses an outcome that does not match the plan', () => {
    const a = makeChange({kind: 'add', contactId: 'c1'})
    expect(() => reportOf(makePlan([a]), liveState(), outcomeOf([], []))).toThrow(/outcome/)
  })
})

describe('buildApplyReport: the verdict re-plans the manifests', () => {
  // Q4 (prune: remove) declares a and x; a is to be added, b (undeclared) to be removed, x stays.
  const desired = desiredSequence({name: 'Q4', prune: 'remove', contacts: ['a@acme.com', 'x@acme.com']})
  const managed: ManagedSequence[] = [{sequenceId: 's1', desired}]
  const seq = liveSequence({id: 's1', name: 'Q4'})
  const contacts = {
    a: liveContact({id: 'a', email: 'a@acme.com'}),
    b: liveContact({id: 'b', email: 'b@acme.com', memberships: {s1: 'active'}}),
    x: liveContact({id: 'x', email: 'x@acme.com', memberships: {s1: 'active'}}),
  }
  const before = liveState({sequences: [seq], contacts: Object.values(contacts)})
  const plan = computePlan({sequences: [desired]}, before)
  const [add, remove] = plan.sequences[0]!.changes
  const answers = (...cs: LiveContact[]) => new Map(cs.map((c) => [c.id, c]))
  const addedA = liveContact({id: 'a', email: 'a@acme.com', memberships: {s1: 'active'}})
  const removedB = liveContact({id: 'b', email: 'b@acme.com'})

  const verdict = (base: LiveState, outcome: ApplyOutcome, extra: Partial<VerdictInput> = {}) =>
    reportOf(plan, base, outcome, {managed, ...extra})

  it('converges when the answers show every change and nothing else differs', () => {
    expect(plan.sequences[0]?.changes.map((c) => [c.kind, c.contactId])).toEqual([
      ['add', 'a'],
      ['remove', 'b'],
    ])
    const outcome = outcomeOf(
      [add!, remove!],
      [
        {status: 'applied', contactId: 'a'},
        {status: 'applied', contactId: 'b'},
      ],
      {answers: answers(addedA, removedB)},
    )
    expect(verdict(before, outcome)).toMatchObject({converged: true, summary: {applied: 2, differences: 0}})
  })

  it('a member that appeared since the plan is a difference, not a failure of the plan', () => {
    const newcomer = liveContact({id: 'n', email: 'n@acme.com', memberships: {s1: 'active'}})
    const base = liveState({sequences: [seq], contacts: [...Object.values(contacts), newcomer]})
    const outcome = outcomeOf(
      [add!, remove!],
      [
        {status: 'applied', contactId: 'a'},
        {status: 'applied', contactId: 'b'},
      ],
      {answers: answers(addedA, removedB)},
    )
    const report = verdict(base, outcome)
    expect(report.converged).toBe(false)
    expect(report.summary).toMatchObject({applied: 2, skipped: 0, failed: 0, differences: 1})
    expect(report.sequences[0]?.differences).toEqual([{kind: 'remove', contactId: 'n', email: 'n@acme.com'}])
  })

  it('what remains of a change Apollo skipped is that skip, not a difference', () => {
    const outcome = outcomeOf(
      [add!, remove!],
      [
        {status: 'skipped', reason: 'contacts_unverified_email', contactId: 'a'},
        {status: 'applied', contactId: 'b'},
      ],
      {answers: answers(removedB)},
    )
    const report = verdict(before, outcome)
    expect(report.summary).toMatchObject({applied: 1, skipped: 1, differences: 0})
    expect(report.converged).toBe(false)
  })

  it('a sequence gone since the plan is a problem; manifests changed since the plan keep it from converging', () => {
    const outcome = outcomeOf(
      [add!, remove!],
      [
        {status: 'applied', contactId: 'a'},
        {status: 'applied', contactId: 'b'},
      ],
      {answers: answers(addedA, removedB)},
    )
    const gone = verdict({...before, sequences: new Map()}, outcome)
    expect(gone.problems.map((p) => p.code)).toEqual(['sequence-not-found'])
    expect(gone).toMatchObject({converged: false, summary: {differences: 1}})
    expect(verdict(before, outcome, {manifestsChanged: true})).toMatchObject({converged: false, manifestsChanged: true})
  })
})

describe('apply then judge against the fake port', () => {
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
    const report = reportOf(plan, liveState(), outcome)
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
    expect(report.summary).toMatchObject({applied: 2, skipped: 1, failed: 0})
  })

  it('a lost answer retried as "already exists" is uncertain; the re-read shows it applied', async () => {
    // The first add call writes but its answer is lost; the retry is skipped as already there.
    const port = new FakeSequencePort({contacts: [{id: 'a', email: 'a@acme.com', memberships: {s1: 'active'}}]})
    const change = makeChange({kind: 'add', contactId: 'a'})
    const plan = makePlan([change])
    const outcome = await applyPlan(plan, port, {batchSize: 10, bulkCreate: 100, concurrency: 1})
    expect([...outcome.outcomes.values()][0]).toMatchObject({
      status: 'uncertain',
      reason: 'contacts_already_exists_in_current_campaign',
    })
    const observed = new ObservedState(liveState(), plan, outcome.answers)
    observed.observeSweep(new Set(['s1']), port.sweep(['s1']).contacts.values())
    const report = buildApplyReport({
      plan,
      managed: [],
      observed,
      done: new Set(),
      outcome,
      manifestsChanged: null,
      calls: {},
    })
    expect(report.converged).toBe(true)
    expect(report.sequences[0]?.applied).toEqual([{kind: 'add', contactId: 'a', email: null}])
  })
})
