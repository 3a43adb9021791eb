import {describe, expect, it} from 'vitest'
import type {ApiCost} from '../model/plan.js'
import {computePlan} from '../planner/compute-plan.js'
import {desiredSequence, desiredState, liveContact, liveSequence, liveState} from '../../test/helpers/builders.js'
import {samplePlan} from '../../test/helpers/sample-plan.js'
import {maskEmail, maskEmailsInText} from './mask-email.js'
import {renderClosingLine, renderPlanText, renderTargetLine} from './plan-text.js'

const COST: ApiCost = {
  planCalls: {'contacts/search': 3, email_accounts: 1},
  applyCalls: {'emailer_campaigns/add_contact_ids': 2},
  quotaLeft: {'contacts/search': {minute: 197, hour: 597, day: null}},
  warnings: ['apply needs 700 calls to contacts/search but Apollo reports only 597 left this hour'],
}

describe('maskEmail', () => {
  it.each([
    ['jane@acme.com', 'j***@acme.com'],
    ['J@x.io', 'J***@x.io'],
    ['@x.io', '***@x.io'],
    ['noat', 'n***'],
  ])('%s -> %s', (input, out) => expect(maskEmail(input)).toBe(out))
  it('masks every email of a free text', () => {
    expect(maskEmailsInText('jane@acme.com matches 2 contacts (bo@stark.com)')).toBe(
      'j***@acme.com matches 2 contacts (b***@stark.com)',
    )
  })
  it('leaves paths with an @ directory alone and is idempotent', () => {
    const line = 'teams/@sales/q4.yaml:12:5: error: No Apollo contact has the email jane@acme.com'
    const masked = 'teams/@sales/q4.yaml:12:5: error: No Apollo contact has the email j***@acme.com'
    expect(maskEmailsInText(line)).toBe(masked)
    expect(maskEmailsInText(masked)).toBe(masked)
  })
})

describe('renderPlanText', () => {
  it('renders a Terraform-like plan', () => {
    expect(renderPlanText(samplePlan(), {color: false, maskEmails: false, cost: COST})).toMatchInlineSnapshot(`
      "Sequence "Q4 Enterprise Outreach" (66f0c1e2a4b5c6d7e8f90123)
        prune: stop, pruneScope: all (every undeclared member)
        + new contact raj@globex.com  # examples/q4.yaml:14
        + bo@stark.com  # examples/q4.yaml:13  will be skipped by Apollo: active in another sequence (enroll.activeInOtherSequences is off)
        + jane@acme.com  # examples/q4.yaml:12
        + raj@globex.com  # examples/q4.yaml:14  may be skipped by Apollo: the email is unverified (enroll.unverifiedEmail is off); this plan creates the contact, and Apollo sets its email status only then
        - eve@hooli.com  # examples/q4.yaml:24
        ~ carol@acme.com (finish)  # examples/q4.yaml:20
        ~ dan@initech.com (stop)  # pruned: not declared in the manifest

      Sequence "Nurture" (66f0c1e2a4b5c6d7e8f90456) [inactive: contacts will be enrolled paused]
        + ana@umbrella.com  # examples/nurture.yaml:9
        7 unmanaged members (prune: none): member0@drift.io, member1@drift.io, member2@drift.io, member3@drift.io, member4@drift.io and 2 more

      API cost:
        endpoint                           plan calls  apply calls  quota left
        contacts/search                             3            0  197/min 597/h ?/day
        email_accounts                              1            0  unknown
        emailer_campaigns/add_contact_ids           0            2  unknown
        warning: apply needs 700 calls to contacts/search but Apollo reports only 597 left this hour

      Note: Apollo does not let a removed or finished contact back into the same sequence (use a new or cloned sequence).
      Contacts: 1 to create.
      Plan: 4 to add, 1 to remove, 1 to finish, 1 to stop, 1 skips forecast. 1 possible skips.
      "
    `)
  })

  it('ends with the exact closing line', () => {
    const summary = {add: 12, remove: 3, finish: 2, stop: 0, create: 0, skipsForecast: 4, skipsPossible: 0}
    expect(renderClosingLine(summary)).toBe('Plan: 12 to add, 3 to remove, 2 to finish, 0 to stop, 4 skips forecast.')
    // The wording never changes with the numbers: scripts match `(\d+) skips forecast` (README: Commands, the plan outputs).
    expect(renderClosingLine({...summary, add: 1, skipsForecast: 1})).toBe(
      'Plan: 1 to add, 3 to remove, 2 to finish, 0 to stop, 1 skips forecast.',
    )
    // Possible skips follow the contract text, only when there are any.
    expect(renderClosingLine({...summary, skipsPossible: 7})).toBe(
      'Plan: 12 to add, 3 to remove, 2 to finish, 0 to stop, 4 skips forecast. 7 possible skips.',
    )
  })

  it('says so when there is nothing to do, and shows warnings with their source', () => {
    const plan = computePlan(
      desiredState(
        desiredSequence({name: 'Q4', contacts: ['jane@acme.com'], finished: [{email: 'bo@stark.com', line: 30}]}),
      ),
      liveState({
        sequences: [liveSequence({id: 's1', name: 'Q4'})],
        contacts: [
          liveContact({id: 'c1', email: 'jane@acme.com', memberships: {s1: 'active'}}),
          liveContact({id: 'c2', email: 'bo@stark.com'}),
        ],
      }),
    )
    const text = renderPlanText(plan, {color: false, maskEmails: true})
    expect(text.split('\n')).toEqual([
      'Sequence "Q4" (s1)',
      '  no changes',
      '  warning: b***@stark.com: not enrolled in this sequence: nothing to finish (examples/x.yaml:30)',
      '',
      'No changes. Apollo matches the manifests.',
      'Plan: 0 to add, 0 to remove, 0 to finish, 0 to stop, 0 skips forecast.',
      '',
    ])
  })

  it('colours only when asked', () => {
    const plain = renderPlanText(samplePlan(), {color: false, maskEmails: false})
    // eslint-disable-next-line no-control-regex
    expect(plain).not.toMatch(/\u001b\[/)
    const coloured = renderPlanText(samplePlan(), {color: true, maskEmails: false})
    expect(coloured).toContain('\u001b[32m+ jane@acme.com\u001b[0m')
    expect(coloured).toContain('\u001b[31m- eve@hooli.com\u001b[0m')
    expect(coloured).toContain('\u001b[33m~ carol@acme.com (finish)\u001b[0m')
    // eslint-disable-next-line no-control-regex
    expect(coloured.replace(/\u001b\[\d+m/g, '')).toBe(plain)
  })

  it('masks every email and flattens hostile names', () => {
    const text = renderPlanText(samplePlan(), {color: false, maskEmails: true})
    expect(text).not.toMatch(/[a-z]{2,}@/)
    expect(text).toContain('+ j***@acme.com')
    const hostile = computePlan(
      desiredState(desiredSequence({id: 's1', contacts: ['jane@acme.com']})),
      liveState({
        sequences: [liveSequence({id: 's1', name: 'Evil\n  - fake@line.com  # forged'})],
        contacts: [liveContact({id: 'c1', email: 'jane@acme.com'})],
      }),
    )
    const lines = renderPlanText(hostile, {color: false, maskEmails: false}).split('\n')
    expect(lines.some((l) => l.trimStart().startsWith('- fake'))).toBe(false)
  })

  it('starts with the target host and account', () => {
    const target = {
      apiHost: 'api.apollo.io',
      keyOwner: {userId: 'u1', teamId: 't1', email: 'ops@acme.com', name: 'Ops Bot'},
    }
    const [first] = renderPlanText(samplePlan(), {color: false, maskEmails: true, target}).split('\n')
    expect(first).toBe('Target: api.apollo.io, team t1, key owner Ops Bot <o***@acme.com> (user u1)')
    expect(renderTargetLine({apiHost: 'h', keyOwner: null}, false)).toBe(
      'Target: h (account not read: no managed sequence)',
    )
  })

  it('groups warnings per code with an exact count and three examples, so 30,000 stay one line', () => {
    const n = 30_000
    const finished = Array.from({length: n}, (_, i) =>
      liveContact({id: `f${i}`, email: `done${i}@acme.com`, memberships: {s1: 'finished'}}),
    )
    const plan = computePlan(
      desiredState(desiredSequence({name: 'Q4', contacts: [...finished.map((c) => c.email!), 'new@acme.com']})),
      liveState({
        sequences: [liveSequence({id: 's1', name: 'Q4'})],
        contacts: [...finished, liveContact({id: 'n1', email: 'new@acme.com'})],
      }),
    )
    const lines = renderPlanText(plan, {color: false, maskEmails: false}).split('\n')
    expect(lines).toEqual([
      'Sequence "Q4" (s1)',
      '  + new@acme.com  # examples/x.yaml:30009',
      '  warning: 30000 contacts: already finished in this sequence: Apollo cannot re-enroll it: done0@acme.com (examples/x.yaml:9), done10000@acme.com (examples/x.yaml:10009), done10001@acme.com (examples/x.yaml:10010) and 29997 more',
      '',
      'Plan: 1 to add, 0 to remove, 0 to finish, 0 to stop, 0 skips forecast.',
      '',
    ])
  })

  it('says which prune scope applied and lists members left alone because another user added them', () => {
    const mine = liveContact({id: 'c1', email: 'mine@acme.com', memberships: {s1: 'active'}})
    const theirs = liveContact({
      id: 'c2',
      email: 'theirs@acme.com',
      memberships: [
        {
          sequenceId: 's1',
          status: 'active',
          inactiveReason: null,
          failureReason: null,
          mailboxId: null,
          addedByUserId: 'rep',
        },
      ],
    })
    const plan = computePlan(
      desiredState(desiredSequence({name: 'Q4', prune: 'remove', pruneScope: 'owned'})),
      liveState({sequences: [liveSequence({id: 's1', name: 'Q4'})], contacts: [mine, theirs]}),
    )
    expect(renderPlanText(plan, {color: false, maskEmails: false}).split('\n').slice(0, 4)).toEqual([
      'Sequence "Q4" (s1)',
      "  prune: remove, pruneScope: owned (only undeclared members the API key's user added)",
      '  - mine@acme.com  # pruned: not declared in the manifest',
      '  1 member added by another Apollo user, left alone (pruneScope: owned): theirs@acme.com',
    ])
  })

  it('shows a possible skip next to its add and counts it after the contract line', () => {
    const guessed = liveContact({id: 'c1', email: 'g@acme.com', emailStatus: 'guessed'})
    const plan = computePlan(
      desiredState(desiredSequence({name: 'Q4', contacts: ['g@acme.com']})),
      liveState({sequences: [liveSequence({id: 's1', name: 'Q4'})], contacts: [guessed]}),
    )
    const text = renderPlanText(plan, {color: false, maskEmails: false})
    expect(text).toContain(
      '+ g@acme.com  # examples/x.yaml:9  may be skipped by Apollo: the email is unverified (enroll.unverifiedEmail is off); Apollo does not document whether email status "guessed" counts as unverified',
    )
    expect(text.trimEnd().split('\n').at(-1)).toBe(
      'Plan: 1 to add, 0 to remove, 0 to finish, 0 to stop, 0 skips forecast. 1 possible skips.',
    )
  })

  it('lists plan errors with their location', () => {
    const plan = computePlan(desiredState(desiredSequence({name: 'Gone'})), liveState())
    expect(renderPlanText(plan, {color: false, maskEmails: false})).toContain(
      'Error: examples/x.yaml:3:1: Sequence "Gone" was not found in Apollo',
    )
    expect(renderPlanText(plan, {color: false, maskEmails: false})).not.toContain('No changes')
  })
})
