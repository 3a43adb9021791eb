// A realistic plan for renderer tests: every change kind, a forecast skip, a create, pruning,
// an inactive sequence with unmanaged drift.

import type {Plan} from '../../src/model/plan.js'
import {computePlan} from '../../src/planner/compute-plan.js'
import {desiredSequence, desiredState, liveContact, liveSequence, liveState} from './builders.js'

export function samplePlan(): Plan {
  const q4 = liveSequence({id: '66f0c1e2a4b5c6d7e8f90123', name: 'Q4 Enterprise Outreach'})
  const nurture = liveSequence({id: '66f0c1e2a4b5c6d7e8f90456', name: 'Nurture', active: false})
  const other = liveSequence({id: 'sOther', name: 'Other'})
  const contacts = [
    liveContact({id: 'c1', email: 'jane@acme.com'}),
    liveContact({id: 'c2', email: 'bo@stark.com', memberships: {sOther: 'active'}}),
    liveContact({id: 'c3', email: 'eve@hooli.com', memberships: {[q4.id]: 'active'}}),
    liveContact({id: 'c4', email: 'carol@acme.com', memberships: {[q4.id]: 'paused'}}),
    liveContact({id: 'c5', email: 'dan@initech.com', memberships: {[q4.id]: 'active'}}),
    liveContact({id: 'c6', email: 'ana@umbrella.com'}),
    ...Array.from({length: 7}, (_, i) =>
      liveContact({id: `u${i}`, email: `member${i}@drift.io`, memberships: {[nurture.id]: 'active'}}),
    ),
  ]
  const desired = desiredState(
    desiredSequence({
      name: q4.name,
      file: 'examples/q4.yaml',
      prune: 'stop',
      missingContacts: 'create',
      contacts: [
        {email: 'jane@acme.com', line: 12},
        {email: 'bo@stark.com', line: 13},
        {email: 'raj@globex.com', firstName: 'Raj', line: 14},
      ],
      finished: [{email: 'carol@acme.com', line: 20}],
      removed: [{email: 'eve@hooli.com', line: 24}],
    }),
    desiredSequence({
      name: nurture.name,
      file: 'examples/nurture.yaml',
      contacts: [{email: 'ana@umbrella.com', line: 9}],
    }),
  )
  return computePlan(desired, liveState({sequences: [q4, nurture, other], contacts, missingEmails: ['raj@globex.com']}))
}
