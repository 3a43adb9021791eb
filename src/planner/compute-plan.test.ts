import {describe, expect, it} from 'vitest'
import type {Change, PossibleSkip, SkipReason} from '../model/plan.js'
import type {DesiredList, LiveStatus, PruneMode} from '../model/state.js'
import {describePlanProblem, describeWarning} from '../render/reasons.js'
import {
  DEFAULT_MAILBOX,
  desiredSequence,
  desiredState,
  liveContact,
  liveSequence,
  liveState,
  sourceRef,
} from '../../test/helpers/builders.js'
import {computePlan} from './compute-plan.js'

const S1 = liveSequence({id: 's1', name: 'Q4'})

/** The forecast skip of an add (undefined for any other change). */
const forecast = (c: Change | undefined): SkipReason | undefined => (c?.kind === 'add' ? c.forecastSkip : undefined)
/** The possible skip of an add (undefined for any other change). */
const possible = (c: Change | undefined): PossibleSkip | undefined => (c?.kind === 'add' ? c.possibleSkip : undefined)
const S2 = liveSequence({id: 's2', name: 'Nurture'})

function janeWith(status: LiveStatus, extra: Record<string, 'active' | 'paused' | 'finished' | 'failed'> = {}) {
  return liveContact({
    id: 'c1',
    email: 'jane@acme.com',
    memberships: status === 'absent' ? extra : {...extra, s1: status},
  })
}

describe('computePlan: the README, Manifest reference: the decision table table for declared contacts', () => {
  type Outcome = {change?: 'add' | 'remove' | 'finish' | 'stop'; warning?: string}
  const cells: [DesiredList, LiveStatus, Outcome][] = [
    ['contacts', 'absent', {change: 'add'}],
    ['contacts', 'active', {}],
    ['contacts', 'paused', {}],
    ['contacts', 'finished', {warning: 'already-finished'}],
    ['contacts', 'failed', {warning: 'member-failed'}],
    ['finished', 'absent', {warning: 'not-enrolled'}],
    ['finished', 'active', {change: 'finish'}],
    ['finished', 'paused', {change: 'finish'}],
    ['finished', 'finished', {}],
    ['finished', 'failed', {}],
    ['stopped', 'absent', {warning: 'not-enrolled'}],
    ['stopped', 'active', {change: 'stop'}],
    ['stopped', 'paused', {}],
    ['stopped', 'finished', {}],
    ['stopped', 'failed', {}],
    ['removed', 'absent', {}],
    ['removed', 'active', {change: 'remove'}],
    ['removed', 'paused', {change: 'remove'}],
    ['removed', 'finished', {change: 'remove'}],
    ['removed', 'failed', {change: 'remove'}],
  ]
  it.each(cells)('%s / live %s', (list, status, outcome) => {
    const desired = desiredState(desiredSequence({name: 'Q4', [list]: [{email: 'Jane@Acme.com', line: 12}]}))
    const plan = computePlan(desired, liveState({sequences: [S1], contacts: [janeWith(status)]}))
    expect(plan.errors).toEqual([])
    const [seq] = plan.sequences
    expect(seq?.changes.map((c) => c.kind)).toEqual(outcome.change ? [outcome.change] : [])
    const perContact = seq?.warnings.filter((w) => w.contactId === 'c1').map((w) => w.code)
    expect(perContact).toEqual(outcome.warning ? [outcome.warning] : [])
    if (outcome.warning) {
      expect(seq?.warnings[0]?.source).toEqual(sourceRef(12))
      expect(seq?.warnings[0]?.email).toBe('Jane@Acme.com')
    }
    const change = seq?.changes[0]
    if (change) {
      // provenance: manifest source, manifest spelling, the live fact it was based on
      expect(change).toMatchObject({
        sequenceId: 's1',
        sequenceName: 'Q4',
        contactId: 'c1',
        email: 'Jane@Acme.com',
        source: sourceRef(12),
        reason: `declared-in-${list}`,
        liveStatus: status,
      })
      if (change.kind === 'add') {
        expect(change.mailboxId).toBe(DEFAULT_MAILBOX.id)
        expect(change.enroll).toMatchObject({noEmail: false, sameCompany: false})
      } else {
        expect('mailboxId' in change).toBe(false)
      }
    }
    expect(seq?.unmanaged).toEqual([])
  })
})

describe('computePlan: undeclared live members by prune mode', () => {
  const cells: [PruneMode, Exclude<LiveStatus, 'absent'>, 'unmanaged' | 'remove' | 'finish' | 'stop' | null][] = [
    ['none', 'active', 'unmanaged'],
    ['none', 'paused', 'unmanaged'],
    ['none', 'finished', 'unmanaged'],
    ['none', 'failed', 'unmanaged'],
    ['remove', 'active', 'remove'],
    ['remove', 'paused', 'remove'],
    ['remove', 'finished', 'remove'],
    ['remove', 'failed', 'remove'],
    ['finish', 'active', 'finish'],
    ['finish', 'paused', 'finish'],
    ['finish', 'finished', null],
    ['finish', 'failed', null],
    ['stop', 'active', 'stop'],
    ['stop', 'paused', null],
    ['stop', 'finished', null],
    ['stop', 'failed', null],
  ]
  it.each(cells)('prune %s / live %s', (prune, status, outcome) => {
    const desired = desiredState(desiredSequence({name: 'Q4', prune, contacts: ['jane@acme.com']}))
    const eve = liveContact({id: 'c9', email: 'eve@hooli.com', memberships: {s1: status}})
    const plan = computePlan(desired, liveState({sequences: [S1], contacts: [janeWith('active'), eve]}))
    const seq = plan.sequences[0]!
    expect(seq.liveMembers).toBe(2)
    if (outcome === 'unmanaged') {
      expect(seq.changes).toEqual([])
      expect(seq.unmanaged).toEqual([
        {contactId: 'c9', email: 'eve@hooli.com', status, reason: 'prune-none', addedByUserId: 'u-key'},
      ])
      expect(seq.warnings.map((w) => [w.code, describeWarning(w)])).toEqual([
        ['unmanaged', '1 live member is not declared in the manifest (prune: none leaves it alone)'],
      ])
    } else if (outcome === null) {
      expect(seq.changes).toEqual([])
      expect(seq.unmanaged).toEqual([])
    } else {
      expect(seq.unmanaged).toEqual([])
      expect(seq.changes).toEqual([
        {
          kind: outcome,
          sequenceId: 's1',
          sequenceName: 'Q4',
          contactId: 'c9',
          email: 'eve@hooli.com',
          source: null,
          reason: 'pruned',
          liveStatus: status,
        },
      ])
    }
  })

  it('never prunes a declared contact, whatever list declares it', () => {
    const desired = desiredState(
      desiredSequence({name: 'Q4', prune: 'remove', contacts: [{id: 'c1'}], finished: ['bo@stark.com']}),
    )
    const bo = liveContact({id: 'c2', email: 'bo@stark.com', memberships: {s1: 'finished'}})
    const plan = computePlan(desired, liveState({sequences: [S1], contacts: [janeWith('active'), bo]}))
    expect(plan.sequences[0]?.changes).toEqual([])
  })
})

describe('computePlan: sequence, mailbox and contact resolution errors', () => {
  it('reports an unknown sequence with the archived hint', () => {
    const plan = computePlan(desiredState(desiredSequence({name: 'Gone'})), liveState({sequences: [S1]}))
    expect(plan.sequences).toEqual([])
    expect(plan.errors).toHaveLength(1)
    expect(plan.errors[0]).toMatchObject({code: 'sequence-not-found', source: sourceRef(3, 'examples/x.yaml', 1)})
    expect(describePlanProblem(plan.errors[0]!)).toMatch(/archived.*pin `id:`/)
  })

  it('reports an ambiguous sequence name with every id', () => {
    const a = liveSequence({id: 'sB', name: 'Dup'})
    const b = liveSequence({id: 'sA', name: 'Dup'})
    const plan = computePlan(desiredState(desiredSequence({name: 'Dup'})), liveState({sequences: [a, b]}))
    expect(plan.errors.map((e) => e.code)).toEqual(['sequence-ambiguous'])
    expect(describePlanProblem(plan.errors[0]!)).toContain('sA, sB')
  })

  it('refuses an archived sequence', () => {
    const archived = liveSequence({id: 's1', name: 'Q4', archived: true, active: false})
    const plan = computePlan(desiredState(desiredSequence({id: 's1'})), liveState({sequences: [archived]}))
    expect(plan.errors.map((e) => e.code)).toEqual(['sequence-archived'])
  })

  it('refuses two manifests resolving to the same sequence (name and id)', () => {
    const d = desiredState(desiredSequence({name: 'Q4'}), desiredSequence({id: 's1', file: 'b.yaml'}))
    const plan = computePlan(d, liveState({sequences: [S1]}))
    expect(plan.errors.map((e) => e.code)).toEqual(['sequence-duplicate'])
    expect(plan.sequences).toHaveLength(1)
  })

  it('warns once when adds go into an inactive sequence', () => {
    const inactive = liveSequence({id: 's1', name: 'Q4', active: false})
    const bo = liveContact({id: 'c2', email: 'bo@stark.com'})
    const d = desiredState(desiredSequence({name: 'Q4', contacts: ['jane@acme.com', 'bo@stark.com']}))
    const plan = computePlan(d, liveState({sequences: [inactive], contacts: [janeWith('absent'), bo]}))
    expect(plan.sequences[0]?.warnings.map((w) => w.code)).toEqual(['sequence-inactive'])
    expect(plan.sequences[0]?.active).toBe(false)
    const noAdds = computePlan(
      desiredState(desiredSequence({name: 'Q4', contacts: ['jane@acme.com']})),
      liveState({sequences: [inactive], contacts: [janeWith('paused')]}),
    )
    expect(noAdds.sequences[0]?.warnings).toEqual([])
  })

  it.each([
    ['an unknown mailbox', 'nobody@acme.com', [DEFAULT_MAILBOX], 'mailbox-not-found'],
    ['an inactive mailbox', 'SDR@acme.com', [{...DEFAULT_MAILBOX, active: false}], 'mailbox-inactive'],
    ['a mailbox by id', 'mb1', [DEFAULT_MAILBOX], null],
    ['a mailbox by email, any case', ' SDR@Acme.com', [DEFAULT_MAILBOX], null],
  ] as const)('resolves %s', (_what, mailbox, mailboxes, code) => {
    const d = desiredState(desiredSequence({name: 'Q4', mailbox, contacts: ['jane@acme.com']}))
    const plan = computePlan(d, liveState({sequences: [S1], mailboxes, contacts: [janeWith('absent')]}))
    expect(plan.errors.map((e) => e.code)).toEqual(code ? [code] : [])
    if (!code) expect(plan.sequences[0]?.changes[0]).toMatchObject({kind: 'add', mailboxId: 'mb1'})
  })

  it('reports an email shared by several contacts, naming the ids', () => {
    const a = liveContact({id: 'c2', email: 'jane@acme.com'})
    const b = liveContact({id: 'c1', email: 'j@acme.com', otherEmails: ['JANE@acme.com']})
    const d = desiredState(desiredSequence({name: 'Q4', contacts: [{email: 'jane@acme.com', line: 20}]}))
    const plan = computePlan(d, liveState({sequences: [S1], contacts: [a, b]}))
    expect(plan.errors).toEqual([
      {code: 'contact-ambiguous', email: 'jane@acme.com', contactIds: ['c1', 'c2'], source: sourceRef(20)},
    ])
    expect(describePlanProblem(plan.errors[0]!)).toBe(
      'jane@acme.com matches 2 Apollo contacts (c1, c2): pin the one you mean with `id:`',
    )
  })

  it('an email shared by a member and a non-member names the member: what the sweep, which sees only members, also finds', () => {
    const outsider = liveContact({id: 'c0', email: 'jane@acme.com'})
    const member = liveContact({id: 'c9', email: 'Jane@acme.com', memberships: {s1: 'active'}})
    const d = desiredState(desiredSequence({name: 'Q4', contacts: ['jane@acme.com'], prune: 'remove'}))
    const scan = computePlan(d, liveState({sequences: [S1], contacts: [outsider, member]}))
    const sweep = computePlan(d, liveState({sequences: [S1], contacts: [member]}))
    expect(scan.errors).toEqual([])
    expect(scan).toEqual(sweep)
    expect(scan.sequences[0]?.changes).toEqual([])
    // Two members of managed sequences carrying the email: still ambiguous.
    const other = liveContact({id: 'c8', email: 'jane@acme.com', memberships: {s1: 'finished'}})
    const both = computePlan(d, liveState({sequences: [S1], contacts: [outsider, member, other]}))
    expect(both.errors).toMatchObject([{code: 'contact-ambiguous', contactIds: ['c0', 'c8', 'c9']}])
  })

  it('finds a contact by one of its other emails', () => {
    const a = liveContact({id: 'c7', email: 'main@acme.com', otherEmails: ['alias@acme.com']})
    const d = desiredState(desiredSequence({name: 'Q4', contacts: ['Alias@acme.com']}))
    const plan = computePlan(d, liveState({sequences: [S1], contacts: [a]}))
    expect(plan.sequences[0]?.changes).toMatchObject([{kind: 'add', contactId: 'c7', email: 'Alias@acme.com'}])
  })

  it('reports a pinned id Apollo does not know', () => {
    const d = desiredState(desiredSequence({name: 'Q4', contacts: [{id: 'nope', line: 30}]}))
    const plan = computePlan(d, liveState({sequences: [S1], missingContactIds: ['nope']}))
    expect(plan.errors).toMatchObject([{code: 'contact-id-not-found', source: sourceRef(30)}])
  })

  it('reports a contact declared twice through an email and its id', () => {
    const d = desiredState(desiredSequence({name: 'Q4', contacts: ['jane@acme.com'], removed: [{id: 'c1'}]}))
    const plan = computePlan(d, liveState({sequences: [S1], contacts: [janeWith('active')]}))
    expect(plan.errors.map((e) => e.code)).toEqual(['contact-duplicate'])
  })

  it('refuses to plan an add for a contact the live read never looked up', () => {
    const d = desiredState(desiredSequence({name: 'Q4', contacts: ['ghost@acme.com'], removed: ['old@acme.com']}))
    const plan = computePlan(d, liveState({sequences: [S1]}))
    expect(plan.errors.map((e) => e.code)).toEqual(['contact-unresolved'])
    expect(plan.sequences[0]?.changes).toEqual([])
  })

  it('names a pinned id the sweep did not see when it warns that there is nothing to finish or stop', () => {
    // finished/stopped entries are not looked up (apollo/read-live-state.ts): the id is all we know.
    const d = desiredState(desiredSequence({name: 'Q4', finished: [{id: 'c7', line: 20}], stopped: [{id: 'c8'}]}))
    const plan = computePlan(d, liveState({sequences: [S1]}))
    expect(plan.errors).toEqual([])
    expect(plan.sequences[0]?.warnings.map((w) => [w.code, w.contactId, w.email])).toEqual([
      ['not-enrolled', 'c7', null],
      ['not-enrolled', 'c8', null],
    ])
  })

  it("shows a pinned id in the display with Apollo's email", () => {
    const d = desiredState(desiredSequence({name: 'Q4', contacts: [{id: 'c1'}]}))
    const plan = computePlan(d, liveState({sequences: [S1], contacts: [janeWith('absent')]}))
    expect(plan.sequences[0]?.changes[0]).toMatchObject({kind: 'add', contactId: 'c1', email: 'jane@acme.com'})
  })
})

describe('computePlan: missing contacts', () => {
  const live = () => liveState({sequences: [S1, S2], missingEmails: ['raj@globex.com']})

  it.each([
    ['contacts', 'error', 'contact-missing', null],
    ['finished', 'error', 'contact-missing', null],
    ['contacts', 'skip', null, 'missing-contact-skipped'],
    ['removed', 'skip', null, 'missing-contact-skipped'],
    ['finished', 'create', null, 'not-enrolled'],
    ['stopped', 'create', null, 'not-enrolled'],
    ['removed', 'create', null, null],
  ] as const)('%s with missingContacts: %s', (list, mode, error, warning) => {
    const d = desiredState(
      desiredSequence({name: 'Q4', missingContacts: mode, [list]: [{email: 'Raj@globex.com', line: 9}]}),
    )
    const plan = computePlan(d, live())
    expect(plan.errors.map((e) => e.code)).toEqual(error ? [error] : [])
    if (error) expect(plan.errors[0]?.source).toEqual(sourceRef(9))
    expect(plan.sequences[0]?.changes ?? []).toEqual([])
    expect((plan.sequences[0]?.warnings ?? []).map((w) => w.code)).toEqual(warning ? [warning] : [])
  })

  it('creates a missing contact once and adds it to every sequence that wants it', () => {
    const d = desiredState(
      desiredSequence({
        name: 'Q4',
        missingContacts: 'create',
        enroll: {unverifiedEmail: true},
        contacts: [{email: 'Raj@Globex.com', firstName: 'Raj', organization: 'Globex', line: 11}],
      }),
      desiredSequence({
        name: 'Nurture',
        file: 'b.yaml',
        missingContacts: 'create',
        enroll: {unverifiedEmail: true, activeInOtherSequences: true},
        contacts: ['raj@globex.com'],
      }),
    )
    const plan = computePlan(d, live())
    expect(plan.errors).toEqual([])
    const [q4, nurture] = plan.sequences
    expect(q4?.changes).toEqual([
      {
        kind: 'create',
        sequenceId: 's1',
        sequenceName: 'Q4',
        contactId: null,
        email: 'Raj@Globex.com',
        source: sourceRef(11),
        reason: 'missing-contact',
        liveStatus: 'absent',
        details: {firstName: 'Raj', organization: 'Globex'},
      },
      {
        kind: 'add',
        sequenceId: 's1',
        sequenceName: 'Q4',
        contactId: null,
        email: 'Raj@Globex.com',
        source: sourceRef(11),
        reason: 'declared-in-contacts',
        liveStatus: 'absent',
        mailboxId: 'mb1',
        enroll: expect.objectContaining({unverifiedEmail: true}),
      },
    ])
    expect(nurture?.changes.map((c) => [c.kind, c.contactId, c.email])).toEqual([['add', null, 'raj@globex.com']])
    expect(plan.summary).toMatchObject({create: 1, add: 2, skipsForecast: 0})
  })
})

describe('computePlan: pruneScope', () => {
  const member = (id: string, addedByUserId: string | null) =>
    liveContact({
      id,
      email: `${id}@acme.com`,
      memberships: [
        {
          sequenceId: 's1',
          status: 'active',
          inactiveReason: null,
          failureReason: null,
          mailboxId: 'mb1',
          addedByUserId,
        },
      ],
    })
  const live = liveState({
    sequences: [S1],
    contacts: [janeWith('active'), member('mine', 'u-key'), member('theirs', 'u-rep'), member('unknown', null)],
  })

  it('all (the default) prunes every undeclared member', () => {
    const plan = computePlan(
      desiredState(desiredSequence({name: 'Q4', prune: 'remove', contacts: ['jane@acme.com']})),
      live,
    )
    expect(plan.sequences[0]?.changes.map((c) => `${c.kind} ${c.contactId}`)).toEqual([
      'remove mine',
      'remove theirs',
      'remove unknown',
    ])
    expect(plan.sequences[0]).toMatchObject({prune: 'remove', pruneScope: 'all', unmanaged: []})
  })

  it("owned prunes only members the API key's user added; the others are unmanaged, never touched", () => {
    const d = desiredState(
      desiredSequence({name: 'Q4', prune: 'finish', pruneScope: 'owned', contacts: ['jane@acme.com']}),
    )
    const plan = computePlan(d, live)
    const seq = plan.sequences[0]!
    expect(seq.changes.map((c) => `${c.kind} ${c.contactId}`)).toEqual(['finish mine'])
    expect(seq.pruneScope).toBe('owned')
    expect(seq.unmanaged).toEqual([
      {
        contactId: 'theirs',
        email: 'theirs@acme.com',
        status: 'active',
        reason: 'added-by-another-user',
        addedByUserId: 'u-rep',
      },
      {
        contactId: 'unknown',
        email: 'unknown@acme.com',
        status: 'active',
        reason: 'added-by-another-user',
        addedByUserId: null,
      },
    ])
    expect(seq.warnings.map((w) => [w.code, describeWarning(w)])).toEqual([
      ['unmanaged-not-owned', '2 live members were added by another Apollo user (pruneScope: owned leaves them alone)'],
    ])
    // Without a known key owner nothing counts as owned: nothing is pruned.
    const blind = computePlan(d, {...live, keyOwner: null})
    expect(blind.sequences[0]?.changes).toEqual([])
    expect(blind.sequences[0]?.unmanaged).toHaveLength(3)
  })

  it('owned leaves declared contacts to the manifest: a tombstone removes whoever added the member', () => {
    const d = desiredState(
      desiredSequence({
        name: 'Q4',
        prune: 'remove',
        pruneScope: 'owned',
        contacts: ['jane@acme.com'],
        removed: ['theirs@acme.com'],
      }),
    )
    const plan = computePlan(d, live)
    expect(plan.sequences[0]?.changes.map((c) => `${c.kind} ${c.contactId} ${c.reason}`)).toEqual([
      'remove mine pruned',
      'remove theirs declared-in-removed',
    ])
  })
})

describe('computePlan: forecast of Apollo skips', () => {
  const plan1 = (contact: ReturnType<typeof liveContact>, enroll = {}, others: ReturnType<typeof liveContact>[] = []) =>
    computePlan(
      desiredState(desiredSequence({name: 'Q4', enroll, contacts: [{id: contact.id}]})),
      liveState({sequences: [S1, S2], contacts: [contact, ...others]}),
    )

  it.each([
    ['no email', {email: null}, {}, 'contacts_without_email', {noEmail: true}],
    ['unverified email', {emailStatus: 'unverified'}, {}, 'contacts_unverified_email', {unverifiedEmail: true}],
    [
      'active elsewhere',
      {memberships: {s2: 'active'}},
      {},
      'contacts_active_in_other_campaigns',
      {activeInOtherSequences: true},
    ],
    [
      'paused elsewhere',
      {memberships: {s2: 'paused'}},
      {},
      'contacts_active_in_other_campaigns',
      {activeInOtherSequences: true},
    ],
    [
      'finished elsewhere',
      {memberships: {sX: 'finished'}},
      {},
      'contacts_finished_in_other_campaigns',
      {finishedInOtherSequences: true},
    ],
    ['no email beats unverified', {email: null, emailStatus: 'unverified'}, {}, 'contacts_without_email', null],
    [
      'unverified beats active elsewhere',
      {emailStatus: 'unverified', memberships: {s2: 'active'}},
      {},
      'contacts_unverified_email',
      null,
    ],
    [
      'active beats finished elsewhere',
      {memberships: {s2: 'active', sX: 'finished'}},
      {},
      'contacts_active_in_other_campaigns',
      null,
    ],
    ['failed elsewhere is no skip', {memberships: {s2: 'failed'}}, {}, null, null],
  ] as const)('%s', (_what, spec, enroll, reason, allow) => {
    const c = liveContact({id: 'c1', ...(spec as object)})
    const plan = plan1(c, enroll)
    const add = plan.sequences[0]?.changes[0]
    expect(add?.kind).toBe('add')
    expect(forecast(add)).toBe(reason ?? undefined)
    const skipWarnings = plan.sequences[0]?.warnings.filter((w) => w.code === 'skip-forecast') ?? []
    expect(skipWarnings).toHaveLength(reason ? 1 : 0)
    if (reason) {
      expect(describeWarning(skipWarnings[0]!)).toMatch(/^will be skipped by Apollo: /)
      expect(skipWarnings[0]?.contactId).toBe('c1')
      expect(plan.summary.skipsForecast).toBe(1)
    }
    if (allow) {
      const allowed = plan1(c, allow)
      expect(forecast(allowed.sequences[0]?.changes[0])).not.toBe(reason)
    }
  })

  it('forecasts same company against members and earlier adds, case-insensitively', () => {
    const member = liveContact({
      id: 'c0',
      email: 'boss@acme.com',
      organizationName: 'ACME',
      memberships: {s1: 'paused'},
    })
    const a = liveContact({id: 'c1', email: 'a@acme.com', organizationName: 'Acme '})
    const b = liveContact({id: 'c2', email: 'b@globex.com', organizationName: 'Globex'})
    const c = liveContact({id: 'c3', email: 'c@globex.com', organizationName: 'globex'})
    const d = liveContact({id: 'c4', email: 'd@none.com', organizationName: ''})
    const e = liveContact({id: 'c5', email: 'e@none.com', organizationName: ''})
    const desired = desiredState(
      desiredSequence({
        name: 'Q4',
        contacts: ['boss@acme.com', 'c@globex.com', 'a@acme.com', 'b@globex.com', 'e@none.com', 'd@none.com'],
      }),
    )
    const plan = computePlan(desired, liveState({sequences: [S1], contacts: [member, a, b, c, d, e]}))
    // Apollo's same-company rule is undocumented: never definite. Both Globex adds may be skipped
    // (which one Apollo keeps depends on the order its calls arrive in).
    expect(plan.sequences[0]?.changes.map((x) => [x.email, forecast(x) ?? null, possible(x)?.why ?? null])).toEqual([
      ['a@acme.com', null, 'same-company'],
      ['b@globex.com', null, 'same-company'],
      ['c@globex.com', null, 'same-company'],
      ['d@none.com', null, null],
      ['e@none.com', null, null],
    ])
    expect(plan.summary).toMatchObject({skipsForecast: 0, skipsPossible: 3})
    expect(plan.sequences[0]?.warnings.filter((w) => w.code === 'skip-possible')).toHaveLength(3)
    const allowed = computePlan(
      desiredState(
        desiredSequence({name: 'Q4', enroll: {sameCompany: true}, contacts: ['a@acme.com', 'boss@acme.com']}),
      ),
      liveState({sequences: [S1], contacts: [member, a]}),
    )
    expect(possible(allowed.sequences[0]?.changes[0])).toBeUndefined()
  })

  it('does not count a same-company add that is itself forecast as skipped', () => {
    const a = liveContact({id: 'c1', email: 'a@acme.com', organizationName: 'Acme', emailStatus: 'unverified'})
    const b = liveContact({id: 'c2', email: 'b@acme.com', organizationName: 'Acme'})
    const plan = computePlan(
      desiredState(desiredSequence({name: 'Q4', contacts: ['a@acme.com', 'b@acme.com']})),
      liveState({sequences: [S1], contacts: [a, b]}),
    )
    expect(plan.sequences[0]?.changes.map((x) => [forecast(x) ?? null, possible(x) ?? null])).toEqual([
      ['contacts_unverified_email', null],
      [null, null],
    ])
  })

  it.each([
    ['guessed', 'email-status'],
    ['unavailable', 'email-status'],
    [null, 'email-status'],
  ] as const)(
    'an email status Apollo does not document (%s) is a possible skip, never a definite one',
    (status, why) => {
      const c = liveContact({id: 'c1', emailStatus: status})
      const plan = plan1(c)
      expect(forecast(plan.sequences[0]?.changes[0])).toBeUndefined()
      expect(possible(plan.sequences[0]?.changes[0])).toEqual({
        reason: 'contacts_unverified_email',
        why,
        emailStatus: status,
      })
      expect(plan.summary).toMatchObject({skipsForecast: 0, skipsPossible: 1})
      const [warning] = plan.sequences[0]?.warnings ?? []
      expect(warning?.code).toBe('skip-possible')
      expect(describeWarning(warning!)).toMatch(/^may be skipped by Apollo: the email is unverified/)
      expect(possible(plan1(c, {unverifiedEmail: true}).sequences[0]?.changes[0])).toBeUndefined()
    },
  )

  it('a documented rule on known data after an uncertain one is still definite', () => {
    const c = liveContact({id: 'c1', emailStatus: 'guessed', memberships: {s2: 'active'}})
    const add = plan1(c).sequences[0]?.changes[0]
    expect([forecast(add), possible(add)]).toEqual(['contacts_active_in_other_campaigns', undefined])
  })

  it('forecasts against the projected state: removals elsewhere free a contact, finishes block it', () => {
    const jane = liveContact({id: 'c1', email: 'jane@acme.com', memberships: {s2: 'active'}})
    const bo = liveContact({id: 'c2', email: 'bo@stark.com', memberships: {s2: 'active'}})
    const desired = desiredState(
      desiredSequence({name: 'Q4', contacts: ['jane@acme.com', 'bo@stark.com']}),
      desiredSequence({name: 'Nurture', file: 'b.yaml', removed: ['jane@acme.com'], finished: ['bo@stark.com']}),
    )
    const plan = computePlan(desired, liveState({sequences: [S1, S2], contacts: [jane, bo]}))
    expect(plan.sequences[0]?.changes.map((x) => [x.email, forecast(x) ?? null])).toEqual([
      ['bo@stark.com', 'contacts_finished_in_other_campaigns'],
      ['jane@acme.com', null],
    ])
    expect(plan.sequences[1]?.changes.map((x) => x.kind)).toEqual(['remove', 'finish'])
  })

  it('counts an add to an earlier sequence of the plan as active elsewhere', () => {
    const jane = liveContact({id: 'c1', email: 'jane@acme.com'})
    const desired = desiredState(
      desiredSequence({name: 'Q4', contacts: ['jane@acme.com']}),
      desiredSequence({name: 'Nurture', file: 'b.yaml', contacts: ['jane@acme.com']}),
    )
    const plan = computePlan(desired, liveState({sequences: [S1, S2], contacts: [jane]}))
    // Only once the first add enrolls her: possible, not definite.
    expect(plan.sequences.map((s) => [forecast(s.changes[0]) ?? null, possible(s.changes[0]) ?? null])).toEqual([
      [null, null],
      [null, {reason: 'contacts_active_in_other_campaigns', why: 'planned-add'}],
    ])
  })

  it('treats contacts created by the plan as possibly unverified, never as without email', () => {
    const d = desiredState(
      desiredSequence({name: 'Q4', missingContacts: 'create', enroll: {noEmail: false}, contacts: ['raj@globex.com']}),
    )
    const plan = computePlan(d, liveState({sequences: [S1], missingEmails: ['raj@globex.com']}))
    expect(plan.sequences[0]?.changes.map((c) => [c.kind, forecast(c) ?? null, possible(c) ?? null])).toEqual([
      ['create', null, null],
      ['add', null, {reason: 'contacts_unverified_email', why: 'new-contact'}],
    ])
    expect(plan.summary).toMatchObject({skipsForecast: 0, skipsPossible: 1})
  })
})

describe('computePlan: order and summary', () => {
  it('orders by CHANGE_ORDER, then email, then id, and counts every kind', () => {
    const contacts = [
      liveContact({id: 'c1', email: 'zed@acme.com'}),
      liveContact({id: 'c2', email: 'amy@acme.com'}),
      liveContact({id: 'c3', email: 'bob@acme.com', memberships: {s1: 'active'}}),
      liveContact({id: 'c4', email: null, memberships: {s1: 'active'}}),
      liveContact({id: 'c5', email: 'abe@acme.com', memberships: {s1: 'active'}}),
      liveContact({id: 'c6', email: 'cat@acme.com', memberships: {s1: 'paused'}}),
    ]
    const d = desiredState(
      desiredSequence({
        name: 'Q4',
        prune: 'remove',
        missingContacts: 'create',
        contacts: ['Zed@acme.com', 'new@acme.com', 'amy@acme.com'],
        stopped: ['abe@acme.com'],
        finished: ['cat@acme.com'],
      }),
    )
    const plan = computePlan(d, liveState({sequences: [S1], contacts, missingEmails: ['new@acme.com']}))
    expect(plan.sequences[0]?.changes.map((c) => `${c.kind} ${c.email ?? c.contactId}`)).toEqual([
      'create new@acme.com',
      'add amy@acme.com',
      'add new@acme.com',
      'add Zed@acme.com',
      'remove bob@acme.com',
      'remove c4',
      'finish cat@acme.com',
      'stop abe@acme.com',
    ])
    expect(plan.summary).toEqual({add: 3, remove: 2, finish: 1, stop: 1, create: 1, skipsForecast: 0, skipsPossible: 1})
    expect(plan.planHash).toMatch(/^sha256:[0-9a-f]{64}$/)
  })
})
