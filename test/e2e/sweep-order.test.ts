// Regression (BENCHMARKS.md note 1): when the managed sequences have more distinct members than
// both ends of Apollo's order can reach (2 x the 50,000 display cap), the sweep splits the sequence
// ids into contiguous halves. The halves must follow MANIFEST order (teams keep related campaigns
// together), not the order in which the selectors were resolved (names first, then ids), or each
// half spans every team and reads overlapping pools (1,202 instead of 902 contacts/search calls in
// the 200 x 500 benchmark before the reads were two-ended).
import {describe, expect, it} from 'vitest'

import {readLiveState} from '../../src/apollo/read-live-state.js'
import type {ApolloClient, ContactPage, Page} from '../../src/apollo/types.js'
import {DisplayCapError} from '../../src/errors.js'
import type {DesiredSequence, DesiredState, LiveContact, LiveSequence} from '../../src/model/state.js'
import {DEFAULT_ENROLL} from '../../src/model/state.js'

const PER_PAGE = 100
const CAP = 50_000

/** Two teams (A, B), each with two sequences of 36,000 over a 54,000-contact pool: 108,000 distinct members. */
function buildWorld() {
  const sequences: LiveSequence[] = ['A1', 'A2', 'B1', 'B2'].map((name, i) => ({
    id: `5e9${String(i + 1).padStart(21, '0')}`,
    name: `Team ${name}`,
    active: true,
    archived: false,
  }))
  const contacts: LiveContact[] = []
  const pool = (team: number, first: LiveSequence, second: LiveSequence) => {
    for (let k = 0; k < 54_000; k++) {
      const seqs = [...(k < 36_000 ? [first] : []), ...(k >= 18_000 ? [second] : [])]
      contacts.push({
        id: `c${team}${String(k).padStart(22, '0')}`,
        email: `t${team}-${k}@example.com`,
        otherEmails: [],
        emailStatus: 'verified',
        name: null,
        organizationName: null,
        memberships: seqs.map((s) => ({
          sequenceId: s.id,
          status: 'active' as const,
          inactiveReason: null,
          failureReason: null,
          mailboxId: null,
          addedByUserId: null,
        })),
      })
    }
  }
  pool(1, sequences[0]!, sequences[1]!)
  pool(2, sequences[2]!, sequences[3]!)
  return {sequences, contacts}
}

function createFakeClient(world: ReturnType<typeof buildWorld>) {
  const calls: Record<string, number> = {}
  const count = (e: string) => {
    calls[e] = (calls[e] ?? 0) + 1
  }
  const unions = new Map<string, LiveContact[]>()
  // Contacts are created in world order (created_at = their index), ties impossible.
  const created = new Map(world.contacts.map((c, i) => [c.id, i]))
  const page = <T>(all: readonly T[], n: number): Page<T> => ({
    items: all.slice((n - 1) * PER_PAGE, n * PER_PAGE),
    page: n,
    totalPages: Math.ceil(all.length / PER_PAGE),
    totalEntries: all.length,
  })
  const contactPage = (all: readonly LiveContact[], n: number, order: 'asc' | 'desc'): ContactPage => {
    // Apollo's display cap: nothing beyond page 500, in either direction.
    if (n * PER_PAGE > CAP) {
      throw new DisplayCapError({method: 'POST', path: '/contacts/search', cap: CAP, apolloMessage: 'display limit'})
    }
    const p = page(order === 'asc' ? all : [...all].reverse(), n)
    const key = (c: LiveContact | undefined) => (c === undefined ? null : {createdMs: created.get(c.id)!, id: c.id})
    return {...p, first: key(p.items[0]), last: key(p.items.at(-1))}
  }
  const unsupported = (): never => {
    throw new Error('not used by this test')
  }
  const client: ApolloClient = {
    searchSequences: ({qName, page: n}) => {
      count('emailer_campaigns/search')
      const matching = world.sequences.filter(
        (s) => qName === undefined || s.name.toLowerCase().includes(qName.toLowerCase()),
      )
      return Promise.resolve(page(matching, n))
    },
    getSequence: (id) => {
      count('emailer_campaigns/show')
      return Promise.resolve(world.sequences.find((s) => s.id === id) ?? null)
    },
    listMailboxes: () => {
      count('email_accounts')
      return Promise.resolve([{id: 'mb1', email: 'sdr@example.com', active: true, revokedAt: null}])
    },
    getUsageStats: () => Promise.resolve(null),
    getApiProfile: () => {
      count('users/api_profile')
      return Promise.resolve({userId: 'u1', teamId: 't1', email: 'ops@example.com', name: null})
    },
    searchContacts: ({sequenceIds}, n, order) => {
      count('contacts/search')
      if (sequenceIds === null) return Promise.resolve(contactPage(world.contacts, n, order))
      const key = sequenceIds.join(',')
      let union = unions.get(key)
      if (!union) {
        const wanted = new Set(sequenceIds)
        union = world.contacts.filter((c) => c.memberships.some((m) => wanted.has(m.sequenceId)))
        unions.set(key, union)
      }
      return Promise.resolve(contactPage(union, n, order))
    },
    findContactsByEmail: () => {
      count('contacts/search')
      return Promise.resolve([])
    },
    getContact: () => {
      count('contacts/show')
      return Promise.resolve(null)
    },
    bulkCreateContacts: unsupported,
    addContactIds: unsupported,
    removeOrStopContactIds: unsupported,
    probeScope: unsupported,
    callCounts: () => ({}),
    rateLimitedCounts: () => ({}),
    quotaLeft: () => ({}),
    quotaStatus: () => ({}),
    windowLengthMs: () => 3_600_000,
    close: () => Promise.resolve(),
  }
  return {client, calls}
}

function desiredOf(sequences: readonly LiveSequence[]): DesiredState {
  // Manifest order A1, A2, B1, B2; selectors alternate id / name (as in the benchmark).
  const seqs: DesiredSequence[] = sequences.map((s, i) => ({
    selector: i % 2 === 0 ? {id: s.id} : {name: s.name},
    source: {file: 'manifests/teams.yaml', line: 1 + i * 10, col: 1},
    mailbox: 'sdr@example.com',
    mailboxSource: {file: 'manifests/teams.yaml', line: 3 + i * 10, col: 1},
    prune: 'none',
    pruneScope: 'all',
    missingContacts: 'error',
    enroll: DEFAULT_ENROLL,
    entries: [],
  }))
  return {sequences: seqs}
}

describe('live read over twice the display cap', () => {
  it('splits the sweep in manifest order, so each half stays within one team', async () => {
    const world = buildWorld()
    const {client, calls} = createFakeClient(world)
    const live = await readLiveState(client, desiredOf(world.sequences))
    expect(live.contacts.size).toBe(108_000)
    for (const s of world.sequences) expect(live.members.get(s.id)).toHaveLength(36_000)
    // 1 probe of all four (108,000 > 2 x 50,000), then 540 pages per team half (500 ascending, 40
    // descending, then both ends once more: 2). Resolution order (names first) would give halves
    // {A2, B2} and {A1, B1} of 72,000 each: 1 + 2 x (720 + 2) = 1,445.
    expect(calls['contacts/search']).toBe(1 + (540 + 2) * 2)
    expect(calls['emailer_campaigns/search']).toBe(1)
  })
})
