import {describe, expect, it} from 'vitest'

import {FaultInjector} from './faults.js'
import {createPrng} from './random.js'
import {snapshotState} from './snapshot.js'
import {EmulatorState} from './state.js'

const seed = {
  apiKeys: ['k'],
  emailAccounts: [{id: 'm1', email: 'sdr@acme.example', active: true}],
  sequences: [
    {id: 's1', name: 'One', active: true},
    {id: 's2', name: 'Two', active: false},
  ],
  contacts: [
    {id: 'c1', email: 'a@x.example', memberships: [{sequence_id: 's1', status: 'active' as const}]},
    {
      id: 'c2',
      email: 'b@x.example',
      other_emails: ['B2@Y.example'],
      memberships: [{sequence_id: 's2', status: 'paused' as const}],
    },
    {id: 'c3', email: null},
  ],
}

describe('EmulatorState', () => {
  it('answers cached queries and invalidates them on every change', () => {
    const state = new EmulatorState(seed)
    const q = {sequenceIds: ['s1', 's2'], keywords: null, sortField: null, ascending: false} as const
    const first = state.queryContactIds(q)
    expect(first).toEqual(['c1', 'c2'])
    expect(state.queryContactIds(q)).toBe(first) // same array: served from the cache
    const c3 = state.contacts.get('c3')
    if (!c3) throw new Error('seed')
    state.setStatus(c3, 's1', 'active')
    expect(state.queryContactIds(q)).toEqual(['c1', 'c2', 'c3'])
    expect(state.queryContactIds({...q, sortField: 'updated'})[0]).toBe('c3') // newest change first
  })

  it('indexes primary and additional emails case-insensitively and defaults inactive reasons', () => {
    const state = new EmulatorState(seed)
    expect(state.findByEmail(' b2@y.EXAMPLE').map((c) => c.id)).toEqual(['c2'])
    expect(state.contacts.get('c2')?.memberships.get('s2')?.inactiveReason).toBe('Sequence inactive')
    expect(state.contacts.get('c3')?.emailStatus).toBeNull()
    expect(state.contacts.get('c1')?.emailStatus).toBe('verified')
    expect(
      state.createContact({email: 'n@x.example', firstName: null, lastName: null, organizationName: null, title: null})
        .emailStatus,
    ).toBe('unverified')
  })
})

describe('faults', () => {
  it('mulberry32 is deterministic per seed', () => {
    const a = createPrng(9)
    const b = createPrng(9)
    const xs = [a(), a(), a()]
    expect([b(), b(), b()]).toEqual(xs)
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true)
    expect(createPrng(10)()).not.toBe(xs[0])
  })

  it('faults only the configured endpoints (default: the write endpoints)', () => {
    const always = new FaultInjector({seed: 1, error500Before: 1})
    expect(always.decide('contacts/search').kind).toBeNull()
    expect(always.decide('emailer_campaigns/add_contact_ids').kind).toBe('error500Before')
    expect(always.decide('contacts/bulk_create').kind).toBe('error500Before')
    const reads = new FaultInjector({seed: 1, spurious429: 1, endpoints: ['contacts/search']})
    expect(reads.decide('contacts/search').kind).toBe('spurious429')
    expect(reads.decide('emailer_campaigns/add_contact_ids').kind).toBeNull()
  })
})

describe('membership attribution (added_by_user_id)', () => {
  const attributed = {
    ...seed,
    users: [{id: 'u-key', email: 'ops@x.example'}],
    contacts: [
      {id: 'c1', email: 'a@x.example', memberships: [{sequence_id: 's1', status: 'active' as const}]},
      {
        id: 'c2',
        email: 'b@x.example',
        memberships: [{sequence_id: 's1', status: 'active' as const, added_by_user_id: 'u-rep'}],
      },
    ],
  }

  it('defaults to the user the keys act as, keeps another user, and round-trips through snapshots', () => {
    const state = new EmulatorState(attributed)
    expect(state.actingUser().id).toBe('u-key')
    expect(state.contacts.get('c1')?.memberships.get('s1')?.addedByUserId).toBe('u-key')
    expect(state.contacts.get('c2')?.memberships.get('s1')?.addedByUserId).toBe('u-rep')
    const c1 = state.contacts.get('c1')
    if (!c1) throw new Error('seed')
    state.setStatus(c1, 's2', 'active', 'm1', 'u-other')
    const again = new EmulatorState(snapshotState(state))
    expect(again.contacts.get('c1')?.memberships.get('s1')?.addedByUserId).toBe('u-key')
    expect(again.contacts.get('c1')?.memberships.get('s2')?.addedByUserId).toBe('u-other')
    expect(again.contacts.get('c2')?.memberships.get('s1')?.addedByUserId).toBe('u-rep')
    // The seed's own shape stays as written: no attribution where it is the default.
    expect(snapshotState(new EmulatorState(attributed)).contacts[0]?.memberships?.[0]).not.toHaveProperty(
      'added_by_user_id',
    )
  })
})
