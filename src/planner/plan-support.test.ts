import {describe, expect, it} from 'vitest'
import type {Change, ChangeKind, Plan, SequencePlan} from '../model/plan.js'
import {DEFAULT_ENROLL} from '../model/state.js'
import {describeSafetyViolation} from '../render/reasons.js'
import {desiredSequence, desiredState, sourceRef} from '../../test/helpers/builders.js'
import {makeChange} from '../../test/helpers/fake-port.js'
import type {ChangeInit} from '../../test/helpers/fake-port.js'
import {assessSafety} from './assess-safety.js'
import {estimateApplyCalls} from './estimate-apply-calls.js'
import {canonicalJson, hashDesiredState, hashPlanChanges} from './plan-hash.js'

function change(kind: ChangeKind, contactId: string | null, extra: Omit<ChangeInit, 'kind'> = {}): Change {
  return makeChange({
    kind,
    sequenceName: 'Q4',
    contactId,
    email: contactId === null ? 'New@Acme.com' : `${contactId}@acme.com`,
    source: sourceRef(10),
    reason: 'declared-in-contacts',
    liveStatus: 'absent',
    ...extra,
  })
}

function seqPlan(id: string, changes: Change[], liveMembers = 0): SequencePlan {
  return {
    id,
    name: `Seq ${id}`,
    active: true,
    source: sourceRef(1),
    prune: 'none',
    pruneScope: 'all',
    liveMembers,
    unmanaged: [],
    changes: changes.map((c) => ({...c, sequenceId: id})),
    warnings: [],
  }
}

function planOf(...sequences: SequencePlan[]): Plan {
  return {
    formatVersion: 1,
    planHash: hashPlanChanges(sequences),
    summary: {add: 0, remove: 0, finish: 0, stop: 0, create: 0, skipsForecast: 0, skipsPossible: 0},
    sequences,
    errors: [],
  }
}

describe('hashPlanChanges', () => {
  const base = [seqPlan('s1', [change('add', 'c1'), change('remove', 'c2')]), seqPlan('s2', [change('finish', 'c3')])]
  it('ignores order, names, sources, reasons and forecasts', () => {
    const reordered = [
      seqPlan('s2', [{...change('finish', 'c3'), sequenceName: 'Renamed', source: null}]),
      seqPlan('s1', [
        change('remove', 'c2', {reason: 'pruned'}),
        change('add', 'c1', {forecastSkip: 'contacts_without_email'}),
      ]),
    ]
    expect(hashPlanChanges(reordered)).toBe(hashPlanChanges(base))
    expect(hashPlanChanges(base)).toMatch(/^sha256:[0-9a-f]{64}$/)
  })
  it.each([
    ['another kind', [seqPlan('s1', [change('add', 'c1'), change('finish', 'c2')]), base[1]!]],
    ['another mailbox', [seqPlan('s1', [change('add', 'c1', {mailboxId: 'mb2'}), change('remove', 'c2')]), base[1]!]],
    [
      'another switch',
      [
        seqPlan('s1', [change('add', 'c1', {enroll: {...DEFAULT_ENROLL, sameCompany: true}}), change('remove', 'c2')]),
        base[1]!,
      ],
    ],
    [
      'another sequence',
      [seqPlan('s1', [change('add', 'c1'), change('remove', 'c2')]), seqPlan('s3', [change('finish', 'c3')])],
    ],
    ['one change fewer', [seqPlan('s1', [change('add', 'c1')]), base[1]!]],
  ])('changes with %s', (_what, other) => {
    expect(hashPlanChanges(other)).not.toBe(hashPlanChanges(base))
  })
  it('hashes a create by normalised email, whichever sequence carries it', () => {
    const a = [seqPlan('s1', [change('create', null)])]
    const b = [seqPlan('s2', [change('create', null, {email: ' new@acme.COM'})])]
    expect(hashPlanChanges(a)).toBe(hashPlanChanges(b))
  })
})

describe('hashDesiredState', () => {
  it('ignores entry order and source positions but not content', () => {
    const a = desiredState(desiredSequence({name: 'Q4', contacts: ['a@x.com', 'b@x.com']}))
    const b = desiredState(desiredSequence({name: 'Q4', line: 40, contacts: ['B@x.com', 'a@x.com']}))
    const c = desiredState(desiredSequence({name: 'Q4', contacts: ['a@x.com'], finished: ['b@x.com']}))
    expect(hashDesiredState(b)).toBe(hashDesiredState(a))
    expect(hashDesiredState(c)).not.toBe(hashDesiredState(a))
  })
  it('changes with every setting that changes what a plan does (pruneScope included)', () => {
    const base = desiredSequence({name: 'Q4', contacts: ['a@x.com']})
    const variants = [
      {...base, prune: 'remove' as const},
      {...base, pruneScope: 'owned' as const},
      {...base, missingContacts: 'create' as const},
      {...base, mailbox: 'other@x.com'},
      {...base, enroll: {...base.enroll, sameCompany: true}},
    ]
    const hashes = new Set([base, ...variants].map((s) => hashDesiredState(desiredState(s))))
    expect(hashes.size).toBe(variants.length + 1)
  })
  it('canonical JSON sorts keys and drops undefined', () => {
    expect(canonicalJson({b: 1, a: [{d: null, c: undefined}]})).toBe('{"a":[{"d":null}],"b":1}')
  })
})

describe('assessSafety', () => {
  const limits = {maxAdds: 3, maxRemovals: 5, maxRemovalPercent: 25, minSequenceSize: 10}
  const removals = (n: number, kind: ChangeKind = 'remove') =>
    Array.from({length: n}, (_, i) => change(kind, `r${i}`, {liveStatus: 'active'}))
  const adds = (n: number) => Array.from({length: n}, (_, i) => change('add', `a${i}`))
  it.each([
    ['within limits', [seqPlan('s1', removals(2), 10)], 0, 2, []],
    ['exactly 25%', [seqPlan('s1', removals(5), 20)], 0, 5, []],
    [
      'over the percentage',
      [seqPlan('s1', removals(3), 10)],
      0,
      3,
      [
        'would remove/finish/stop 3 of 10 live members (30%) of sequence "Seq s1" (s1), more than safety.maxRemovalPercent (25%)',
      ],
    ],
    ['small sequences are exempt from the percentage', [seqPlan('s1', removals(3), 9)], 0, 3, []],
    [
      'over the total (finish and stop count)',
      [seqPlan('s1', [...removals(2), ...removals(2, 'finish')], 100), seqPlan('s2', removals(2, 'stop'), 100)],
      0,
      6,
      ['would remove/finish/stop 6 contacts in total, more than safety.maxRemovals (5)'],
    ],
    ['adds up to maxAdds, creates not counted', [seqPlan('s1', [...adds(3), change('create', null)], 10)], 3, 0, []],
    [
      'adds over maxAdds, across sequences; listed before the removal brakes',
      [seqPlan('s1', [...adds(2), ...removals(6)], 100), seqPlan('s2', adds(2), 10)],
      4,
      6,
      [
        'would add 4 contacts to sequences (each is emailed), more than safety.maxAdds (3)',
        'would remove/finish/stop 6 contacts in total, more than safety.maxRemovals (5)',
      ],
    ],
  ] as const)('%s', (_what, sequences, addCount, removalCount, violations) => {
    const assessment = assessSafety(planOf(...sequences), limits)
    expect({
      adds: assessment.adds,
      removals: assessment.removals,
      violations: assessment.violations.map(describeSafetyViolation),
    }).toEqual({adds: addCount, removals: removalCount, violations})
  })
})

describe('estimateApplyCalls', () => {
  it('batches adds per (sequence, mailbox, switches), removals per (sequence, mode), creates by 100', () => {
    const adds = (n: number, extra: Omit<ChangeInit, 'kind'> = {}) =>
      Array.from({length: n}, (_, i) => change('add', `a${i}`, extra))
    const plan = planOf(
      seqPlan('s1', [
        ...Array.from({length: 150}, (_, i) => change('create', null, {email: `new${i}@acme.com`})),
        ...adds(5),
        ...adds(1, {mailboxId: 'mb2'}),
        ...adds(1, {enroll: {...DEFAULT_ENROLL, noEmail: true}}),
        ...Array.from({length: 3}, (_, i) => change('remove', `r${i}`)),
        change('finish', 'f1'),
      ]),
      seqPlan('s2', [...adds(2), change('stop', 'x'), change('remove', 'y')]),
    )
    expect(estimateApplyCalls(plan, {batchSize: 2, bulkCreate: 100})).toEqual({
      'contacts/bulk_create': 2,
      'emailer_campaigns/add_contact_ids': 3 + 1 + 1 + 1,
      'emailer_campaigns/remove_or_stop_contact_ids': 2 + 1 + 1 + 1,
    })
    expect(estimateApplyCalls(planOf(seqPlan('s1', [])), {batchSize: 100, bulkCreate: 100})).toEqual({})
  })
})
