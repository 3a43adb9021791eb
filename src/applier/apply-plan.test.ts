import {describe, expect, it} from 'vitest'
import {FakeSequencePort, makeChange, makePlan} from '../../test/helpers/fake-port.js'
import type {ChangeInit, FakeContact} from '../../test/helpers/fake-port.js'
import {DEFAULT_ENROLL} from '../model/state.js'
import type {Change} from '../model/plan.js'
import {applyPlan} from './apply-plan.js'
import type {ApplyOutcome, ApplyProgress, ChangeOutcome} from './apply-plan.js'

const ids = (prefix: string, n: number): string[] => Array.from({length: n}, (_, i) => `${prefix}${i + 1}`)
const contacts = (
  list: readonly string[],
  memberships: Record<string, 'active' | 'paused' | 'finished'> = {},
): FakeContact[] => list.map((id) => ({id, email: `${id}@acme.com`, memberships: {...memberships}}))
const adds = (list: readonly string[], init: Omit<ChangeInit, 'kind'> = {}): Change[] =>
  list.map((id) => makeChange({kind: 'add', contactId: id, email: `${id}@acme.com`, ...init}))
/** The outcomes in plan order. */
const listed = (outcome: ApplyOutcome): ChangeOutcome[] => [...outcome.outcomes.values()]
const statusById = (outcome: ApplyOutcome): Record<string, string> =>
  Object.fromEntries(
    [...outcome.outcomes].map(([c, o]) => [`${c.kind}:${c.sequenceId}:${o.contactId ?? c.email}`, o.status]),
  )

describe('applyPlan: batching and grouping', () => {
  it('groups adds per (sequence, mailbox, switches) in plan order and cuts batches of batchSize', async () => {
    const c = ids('c', 9)
    const port = new FakeSequencePort({contacts: contacts(c)})
    const forced = {...DEFAULT_ENROLL, activeInOtherSequences: true}
    const plan = makePlan([
      ...adds(c.slice(0, 5)),
      ...adds(c.slice(5, 7), {mailboxId: 'mb2'}),
      ...adds(c.slice(7, 9), {enroll: forced}),
    ])
    const outcome = await applyPlan(plan, port, {batchSize: 2, bulkCreate: 100, concurrency: 1})
    const calls = port.callsOf('addContactIds')
    expect(calls.map((x) => [x.mailboxId, x.enroll.activeInOtherSequences, x.contactIds])).toEqual([
      ['mb1', false, ['c1', 'c2']],
      ['mb1', false, ['c3', 'c4']],
      ['mb1', false, ['c5']],
      ['mb2', false, ['c6', 'c7']],
      ['mb1', true, ['c8', 'c9']],
    ])
    expect(listed(outcome).every((o) => o.status === 'applied' && o.reason === undefined)).toBe(true)
    expect(outcome.interruption).toBeNull()
    expect(c.every((id) => port.statusOf(id, 's1') === 'active')).toBe(true)
  })

  it('never puts several sequences in one remove call, and maps kinds to modes', async () => {
    const c = ids('c', 6)
    const port = new FakeSequencePort({contacts: contacts(c, {s1: 'active', s2: 'active'})})
    const plan = makePlan([
      makeChange({kind: 'remove', sequenceId: 's1', contactId: 'c1'}),
      makeChange({kind: 'remove', sequenceId: 's1', contactId: 'c2'}),
      makeChange({kind: 'remove', sequenceId: 's1', contactId: 'c3'}),
      makeChange({kind: 'finish', sequenceId: 's1', contactId: 'c4'}),
      makeChange({kind: 'remove', sequenceId: 's2', contactId: 'c1'}),
      makeChange({kind: 'stop', sequenceId: 's2', contactId: 'c5'}),
      makeChange({kind: 'stop', sequenceId: 's2', contactId: 'c6'}),
    ])
    await applyPlan(plan, port, {batchSize: 2, bulkCreate: 100, concurrency: 3})
    const calls = port
      .callsOf('removeOrStopContactIds')
      .map((x) => `${x.sequenceId}:${x.mode}:${x.contactIds.join(',')}`)
    expect(calls.sort()).toEqual([
      's1:mark_as_finished:c4',
      's1:remove:c1,c2',
      's1:remove:c3',
      's2:remove:c1',
      's2:stop:c5,c6',
    ])
    expect(port.statusOf('c1', 's1')).toBe('absent')
    expect(port.statusOf('c1', 's2')).toBe('absent')
    expect(port.statusOf('c2', 's2')).toBe('active') // not touched: c2 is only removed from s1
    expect(port.statusOf('c4', 's1')).toBe('finished')
    expect(port.statusOf('c5', 's2')).toBe('paused')
  })

  it('runs creates, then removals, then adds sequence by sequence (a sequence finishes before the next starts)', async () => {
    const c = ids('c', 8)
    const port = new FakeSequencePort({
      contacts: contacts(c),
      // c1 is slow: with one shared pool, s1's adds would start while it is still in flight
      beforeCall: (call) =>
        new Promise((resolve) =>
          setTimeout(resolve, call.method !== 'bulkCreateContacts' && call.contactIds.includes('c1') ? 30 : 1),
        ),
    })
    const plan = makePlan([
      ...adds(['c1', 'c2', 'c3', 'c4'], {sequenceId: 's2'}),
      makeChange({kind: 'create', sequenceId: 's2', email: 'new@acme.com'}),
      ...adds(['c5', 'c6', 'c7', 'c8'], {sequenceId: 's1'}),
      makeChange({kind: 'remove', sequenceId: 's1', contactId: 'c1'}),
    ])
    const outcome = await applyPlan(plan, port, {batchSize: 1, bulkCreate: 100, concurrency: 4})
    expect(listed(outcome).every((o) => o.status === 'applied')).toBe(true)
    expect(port.log.slice(0, 4)).toEqual([
      'start bulkCreateContacts -',
      'end bulkCreateContacts -',
      'start removeOrStopContactIds s1',
      'end removeOrStopContactIds s1',
    ])
    // s2 is first in the plan: every add of s2 ends before any add of s1 starts
    const lastS2End = port.log.lastIndexOf('end addContactIds s2')
    const firstS1Start = port.log.indexOf('start addContactIds s1')
    expect(lastS2End).toBeGreaterThan(0)
    expect(firstS1Start).toBeGreaterThan(lastS2End)
    expect(port.maxInFlight).toBe(4)
  })

  it('keeps at most `concurrency` calls in flight', async () => {
    const c = ids('c', 20)
    const port = new FakeSequencePort({contacts: contacts(c), latencyMs: 1})
    await applyPlan(makePlan(adds(c)), port, {batchSize: 1, bulkCreate: 100, concurrency: 3})
    expect(port.calls).toHaveLength(20)
    expect(port.maxInFlight).toBe(3)
  })

  it('reports progress per phase up to the total', async () => {
    const c = ids('c', 5)
    const port = new FakeSequencePort({contacts: contacts(c, {s2: 'active'})})
    const seen: ApplyProgress[] = []
    await applyPlan(makePlan([...adds(c), makeChange({kind: 'finish', sequenceId: 's2', contactId: 'c1'})]), port, {
      batchSize: 2,
      bulkCreate: 100,
      concurrency: 1,
      onProgress: (p) => seen.push(p),
    })
    expect(seen.filter((p) => p.phase === 'add').map((p) => p.done)).toEqual([2, 4, 5])
    expect(seen.filter((p) => p.phase === 'remove')).toEqual([{phase: 'remove', done: 1, total: 1}])
    expect(seen.every((p) => p.total === (p.phase === 'add' ? 5 : 1))).toBe(true)
  })
})

describe('applyPlan: decided from the write answers', () => {
  it('adds: applied when the answer shows the contact enrolled; skips with their reason; the rest uncertain', async () => {
    const port = new FakeSequencePort({
      contacts: [
        {id: 'ok', email: 'ok@acme.com'},
        {id: 'busy', email: 'busy@acme.com', memberships: {other: 'active'}},
        {id: 'there', email: 'there@acme.com', memberships: {s1: 'paused'}},
        {id: 'lost', email: 'lost@acme.com'},
      ],
      unreportedIds: ['lost'],
    })
    const outcome = await applyPlan(makePlan(adds(['ok', 'busy', 'there', 'lost', 'ghost'])), port, {
      batchSize: 10,
      bulkCreate: 100,
      concurrency: 1,
    })
    expect(listed(outcome).map((o) => [o.contactId, o.status, o.reason])).toEqual([
      ['ok', 'applied', undefined],
      ['busy', 'skipped', 'contacts_active_in_other_campaigns'],
      // Already there: maybe our own earlier attempt whose answer was lost, maybe not. The re-read decides.
      ['there', 'uncertain', 'contacts_already_exists_in_current_campaign'],
      ['lost', 'uncertain', undefined],
      ['ghost', 'skipped', 'contact_not_found'],
    ])
    expect(port.statusOf('lost', 's1')).toBe('active')
    expect([...outcome.answers.keys()]).toEqual(['ok'])
    expect(outcome.answers.get('ok')?.memberships.map((m) => [m.sequenceId, m.status])).toEqual([['s1', 'active']])
  })

  it('removals: applied when the answer shows the target; a contact the answer leaves out is uncertain', async () => {
    const port = new FakeSequencePort({contacts: contacts(['c1', 'c2', 'c3'], {s1: 'active'}), unreportedIds: ['c3']})
    const plan = makePlan([
      makeChange({kind: 'remove', contactId: 'c1'}),
      makeChange({kind: 'finish', contactId: 'c2'}),
      makeChange({kind: 'remove', contactId: 'c3'}),
    ])
    const outcome = await applyPlan(plan, port, {batchSize: 10, bulkCreate: 100, concurrency: 1})
    expect(statusById(outcome)).toEqual({
      'remove:s1:c1': 'applied',
      'finish:s1:c2': 'applied',
      'remove:s1:c3': 'uncertain',
    })
    expect(port.statusOf('c3', 's1')).toBe('absent')
  })

  it('a write whose answer is lost (5xx after it was made) is uncertain, with the error', async () => {
    const port = new FakeSequencePort({contacts: contacts(['c1']), loseFirstAnswers: 1})
    const outcome = await applyPlan(makePlan(adds(['c1'])), port, {batchSize: 10, bulkCreate: 100, concurrency: 1})
    expect(listed(outcome)).toEqual([
      expect.objectContaining({status: 'uncertain', contactId: 'c1', error: expect.stringMatching(/HTTP 500/)}),
    ])
    expect(port.statusOf('c1', 's1')).toBe('active')
  })
})

describe('applyPlan: errors', () => {
  it('halves a batch that keeps failing with 5xx down to the single bad contact', async () => {
    const c = ids('c', 8)
    const port = new FakeSequencePort({contacts: contacts(c), failWhenContains: ['c5']})
    const outcome = await applyPlan(makePlan(adds(c)), port, {batchSize: 8, bulkCreate: 100, concurrency: 1})
    expect(port.callsOf('addContactIds').map((x) => x.contactIds.join(','))).toEqual([
      'c1,c2,c3,c4,c5,c6,c7,c8',
      'c1,c2,c3,c4',
      'c5,c6,c7,c8',
      'c5,c6',
      'c5',
      'c6',
      'c7,c8',
    ])
    // A 5xx may come after the write: the one contact left is uncertain, for the re-read to decide.
    const bad = listed(outcome).find((o) => o.contactId === 'c5')
    expect(bad?.status).toBe('uncertain')
    expect(bad?.error).toMatch(/HTTP 500/)
    expect(listed(outcome).filter((o) => o.status === 'applied')).toHaveLength(7)
    expect(port.statusOf('c5', 's1')).toBe('absent')
  })

  it('stops instead of halving on when Apollo keeps failing every call (it is down, not one contact)', async () => {
    const c = ids('c', 64)
    const port = new FakeSequencePort({contacts: contacts(c), failFirst: 1000})
    const outcome = await applyPlan(makePlan(adds(c)), port, {batchSize: 16, bulkCreate: 100, concurrency: 1})
    // log2(16) + 4 = 8 consecutive failures, then nothing more is sent.
    expect(port.callsOf('addContactIds')).toHaveLength(8)
    expect(outcome.interruption?.reason).toBe('apollo-unavailable')
    // The contacts of the last failed call are uncertain (it may have been written); the rest was never sent.
    expect(listed(outcome).filter((o) => o.status === 'uncertain').length).toBeGreaterThan(0)
    expect(listed(outcome).filter((o) => o.status === 'not-attempted').length).toBeGreaterThan(40)
    expect(listed(outcome).find((o) => o.status === 'not-attempted')?.error).toMatch(
      /failed 8 calls in a row.*run apply again/,
    )
  })

  it('splits on network errors (status 0, not an ApolloApiError) too', async () => {
    const c = ids('c', 4)
    const port = new FakeSequencePort({contacts: contacts(c), failFirst: 1, plainServerErrors: true})
    const outcome = await applyPlan(makePlan(adds(c)), port, {batchSize: 4, bulkCreate: 100, concurrency: 1})
    expect(port.callsOf('addContactIds').map((x) => x.contactIds.length)).toEqual([4, 2, 2])
    expect(listed(outcome).every((o) => o.status === 'applied')).toBe(true)
  })

  it('fails every change of a batch that gets a 4xx, without splitting it, and goes on', async () => {
    const c = ids('c', 4)
    const port = new FakeSequencePort({contacts: contacts(c, {s1: 'active'}), fail4xxWhenContains: ['c2']})
    const plan = makePlan(c.map((id) => makeChange({kind: 'remove', contactId: id})))
    const outcome = await applyPlan(plan, port, {batchSize: 2, bulkCreate: 100, concurrency: 1})
    expect(port.calls).toHaveLength(2)
    expect(statusById(outcome)).toEqual({
      'remove:s1:c1': 'failed',
      'remove:s1:c2': 'failed',
      'remove:s1:c3': 'applied',
      'remove:s1:c4': 'applied',
    })
    expect(listed(outcome)[0]?.error).toMatch(/HTTP 422.*no longer active/)
  })

  it('stops starting calls when the quota is exhausted: the rest is not-attempted, nothing thrown', async () => {
    const c = ids('c', 6)
    const port = new FakeSequencePort({contacts: contacts(c, {s2: 'active'}), quotaAfter: 2})
    const plan = makePlan([...adds(c), ...c.map((id) => makeChange({kind: 'remove', sequenceId: 's2', contactId: id}))])
    const outcome = await applyPlan(plan, port, {batchSize: 2, bulkCreate: 100, concurrency: 1})
    expect(port.calls).toHaveLength(3) // two removal batches, then the add call that hit the quota
    expect(outcome.interruption?.reason).toBe('quota-exhausted')
    const counts = listed(outcome).reduce<Record<string, number>>(
      (acc, o) => ({...acc, [o.status]: (acc[o.status] ?? 0) + 1}),
      {},
    )
    expect(counts).toEqual({applied: 4, 'not-attempted': 8})
    const left = listed(outcome).find((o) => o.status === 'not-attempted')
    expect(left?.reason).toBe('quota-exhausted')
    expect(left?.error).toMatch(/hourly quota/)
    expect(c.every((id) => port.statusOf(id, 's1') === 'absent')).toBe(true)
  })

  it('on abort lets the in-flight call finish and attempts nothing more', async () => {
    const controller = new AbortController()
    const c = ids('c', 6)
    const port = new FakeSequencePort({
      contacts: contacts(c),
      beforeCall: (_call, index) => {
        if (index === 1) controller.abort()
      },
    })
    const outcome = await applyPlan(makePlan(adds(c)), port, {
      batchSize: 2,
      bulkCreate: 100,
      concurrency: 1,
      signal: controller.signal,
    })
    expect(port.calls).toHaveLength(2)
    expect(listed(outcome).map((o) => o.status)).toEqual([
      'applied',
      'applied',
      'applied',
      'applied',
      'not-attempted',
      'not-attempted',
    ])
    expect(outcome.interruption?.reason).toBe('aborted')
    expect(port.statusOf('c5', 's1')).toBe('absent')
  })

  it('rethrows an unexpected error', async () => {
    const port = new FakeSequencePort({
      contacts: contacts(['c1']),
      beforeCall: () => {
        throw new TypeError('boom')
      },
    })
    await expect(
      applyPlan(makePlan(adds(['c1'])), port, {batchSize: 1, bulkCreate: 100, concurrency: 1}),
    ).rejects.toThrow(TypeError)
  })

  it('rejects a non-positive batch size', async () => {
    await expect(
      applyPlan(makePlan([]), new FakeSequencePort(), {batchSize: 0, bulkCreate: 100, concurrency: 1}),
    ).rejects.toThrow(/batchSize/)
  })
})

describe('applyPlan: creates', () => {
  it('creates missing contacts in chunks of 100 and adds them with the created or deduped id', async () => {
    const emails = Array.from({length: 150}, (_, i) => `New${i}@Acme.com`)
    const port = new FakeSequencePort({contacts: [{id: 'old', email: 'new0@acme.com'}]})
    const plan = makePlan([
      ...emails.map((email) => makeChange({kind: 'create', email, details: {firstName: 'N'}})),
      ...emails.map((email) => makeChange({kind: 'add', email})),
    ])
    const outcome = await applyPlan(plan, port, {batchSize: 100, bulkCreate: 100, concurrency: 2})
    expect(port.callsOf('bulkCreateContacts').map((x) => x.emails.length)).toEqual([100, 50])
    expect(outcome.createdIds.size).toBe(150)
    expect(outcome.createdIds.get('new0@acme.com')).toBe('old') // deduped by Apollo: the existing id
    const added = port.callsOf('addContactIds').flatMap((x) => x.contactIds)
    expect(added).toHaveLength(150)
    expect(added).toContain('old')
    expect(new Set(added)).toEqual(new Set(outcome.createdIds.values()))
    expect(listed(outcome).every((o) => o.status === 'applied')).toBe(true)
    const firstAdd = [...outcome.outcomes].find(([change]) => change.kind === 'add')?.[1]
    expect(firstAdd?.contactId).toBe('old')
  })

  it('a create that fails fails its add (which is never sent)', async () => {
    const port = new FakeSequencePort({contacts: [], failWhenContains: ['bad@acme.com']})
    const plan = makePlan([
      makeChange({kind: 'create', email: 'bad@acme.com'}),
      makeChange({kind: 'create', email: 'good@acme.com'}),
      makeChange({kind: 'add', email: 'Bad@acme.com'}),
      makeChange({kind: 'add', email: 'good@acme.com'}),
    ])
    const outcome = await applyPlan(plan, port, {batchSize: 10, bulkCreate: 100, concurrency: 1})
    expect(listed(outcome).map((o) => o.status)).toEqual(['uncertain', 'applied', 'failed', 'applied'])
    expect(listed(outcome)[2]?.error).toMatch(/^contact could not be created: .*HTTP 500/)
    expect(port.callsOf('addContactIds').map((x) => x.contactIds)).toEqual([[port.findIdByEmail('good@acme.com')]])
  })

  it('an add of a contact created by an earlier run (knownIds) uses its id, with no create', async () => {
    const port = new FakeSequencePort({contacts: [{id: 'made', email: 'x@acme.com'}]})
    const plan = makePlan([makeChange({kind: 'add', email: 'X@acme.com'})])
    const outcome = await applyPlan(plan, port, {
      batchSize: 10,
      bulkCreate: 100,
      concurrency: 1,
      knownIds: new Map([['x@acme.com', 'made']]),
    })
    expect(port.calls.map((c) => c.method)).toEqual(['addContactIds'])
    expect(listed(outcome)).toEqual([{status: 'applied', contactId: 'made'}])
  })

  it('an add whose create was not attempted is not attempted either', async () => {
    const port = new FakeSequencePort({quotaAfter: 0})
    const plan = makePlan([
      makeChange({kind: 'create', email: 'x@acme.com'}),
      makeChange({kind: 'add', email: 'x@acme.com'}),
    ])
    const outcome = await applyPlan(plan, port, {batchSize: 10, bulkCreate: 100, concurrency: 1})
    expect(listed(outcome).map((o) => o.status)).toEqual(['not-attempted', 'not-attempted'])
    expect(port.calls).toHaveLength(1)
  })
})
