// Invariants of computePlan over random desired/live states (fast-check).

import fc from 'fast-check'
import {describe, expect, it} from 'vitest'
import type {AddChange} from '../model/plan.js'
import type {DesiredSequence, DesiredState, LiveContact, LiveState, MemberStatus} from '../model/state.js'
import {
  desiredSequence,
  desiredState,
  liveContact,
  liveSequence,
  liveState,
  type EntrySpec,
} from '../../test/helpers/builders.js'
import {simulateApply} from '../../test/helpers/plan-simulator.js'
import {computePlan} from './compute-plan.js'

const SEQ_IDS = ['s1', 's2', 's3'] as const
const N_CONTACTS = 8
const MISSING = ['m0@new.com', 'm1@new.com', 'm2@new.com']
const ORGS = ['Acme', 'acme ', 'Globex', '', null] as const
const STATUSES = ['absent', 'active', 'paused', 'finished', 'failed'] as const
const LISTS = ['contacts', 'finished', 'stopped', 'removed'] as const

const contactArb = (i: number) =>
  fc
    .record({
      noEmail: fc.constantFrom(false, false, false, true),
      emailStatus: fc.constantFrom('verified', 'verified', 'verified', 'unverified', 'guessed', null),
      org: fc.constantFrom(...ORGS),
      statuses: fc.tuple(...[...SEQ_IDS, 'sX'].map(() => fc.constantFrom(...STATUSES))),
    })
    .map(({noEmail, emailStatus, org, statuses}) =>
      liveContact({
        id: `c${i}`,
        email: noEmail ? null : `U${i}@Example.com`,
        emailStatus,
        organizationName: org,
        memberships: Object.fromEntries(
          [...SEQ_IDS, 'sX'].flatMap((s, k) => (statuses[k] === 'absent' ? [] : [[s, statuses[k] as MemberStatus]])),
        ),
      }),
    )

const enrollArb = fc.record({
  noEmail: fc.boolean(),
  unverifiedEmail: fc.boolean(),
  jobChange: fc.boolean(),
  activeInOtherSequences: fc.boolean(),
  finishedInOtherSequences: fc.boolean(),
  sameCompany: fc.boolean(),
})

/** For each contact: not declared, or declared in a list by email or id. */
const declarationArb = fc.array(
  fc.option(fc.record({list: fc.constantFrom(...LISTS), byId: fc.boolean()}), {nil: null, freq: 2}),
  {minLength: N_CONTACTS + MISSING.length, maxLength: N_CONTACTS + MISSING.length},
)

const worldArb = fc.record({
  // One mode for the whole world: a contact created for one sequence would otherwise turn another
  // sequence's `skip` into an add on the next plan (a legitimate second step, not a planner bug).
  missingContacts: fc.constantFrom('skip', 'create' as const),
  contacts: fc.tuple(...Array.from({length: N_CONTACTS}, (_, i) => contactArb(i))),
  active: fc.tuple(fc.boolean(), fc.boolean(), fc.boolean()),
  managed: fc.subarray([...SEQ_IDS], {minLength: 1}).chain((ids) => fc.shuffledSubarray(ids, {minLength: ids.length})),
  sequences: fc.tuple(
    ...SEQ_IDS.map(() =>
      fc.record({
        prune: fc.constantFrom('none', 'remove', 'finish', 'stop' as const),
        enroll: enrollArb,
        declarations: declarationArb,
      }),
    ),
  ),
})

interface World {
  readonly live: LiveState
  readonly desired: DesiredState
}
type WorldSpec = typeof worldArb extends fc.Arbitrary<infer T> ? T : never

function buildWorld(w: WorldSpec): World {
  const sequences = SEQ_IDS.map((id, i) => liveSequence({id, name: `Seq ${id}`, active: w.active[i] ?? true}))
  const desired = w.managed.map((id, k) => {
    const spec = w.sequences[SEQ_IDS.indexOf(id)]!
    const lists: Record<(typeof LISTS)[number], EntrySpec[]> = {contacts: [], finished: [], stopped: [], removed: []}
    spec.declarations.forEach((d, i) => {
      if (!d) return
      if (i >= N_CONTACTS) {
        lists[d.list].push(MISSING[i - N_CONTACTS]!)
        return
      }
      const c = w.contacts[i]!
      lists[d.list].push(d.byId || c.email === null ? {id: c.id} : c.email.toUpperCase())
    })
    return desiredSequence({
      name: `Seq ${id}`,
      file: `m${k}.yaml`,
      prune: spec.prune,
      missingContacts: w.missingContacts,
      enroll: spec.enroll,
      ...lists,
    })
  })
  return {desired: desiredState(...desired), live: liveState({sequences, contacts: w.contacts, missingEmails: MISSING})}
}

/** A live state that already is what `desired` asks for (declared contacts only; no undeclared members). */
function matchingLive(desired: DesiredState, base: LiveState, pick: number): LiveState {
  const statuses = new Map<string, Map<string, MemberStatus>>()
  const ids = (s: DesiredSequence) => ('id' in s.selector ? s.selector.id : s.selector.name.replace('Seq ', ''))
  const choice = <T>(xs: readonly T[], salt: number): T => xs[(pick + salt) % xs.length]!
  let salt = 0
  for (const s of desired.sequences) {
    for (const e of s.entries) {
      const ref = e.ref
      const id =
        ref.kind === 'id' ? ref.id : [...base.contacts.values()].find((c) => c.email?.toLowerCase() === ref.email)?.id
      if (id === undefined) continue
      const st: MemberStatus | null =
        e.list === 'contacts'
          ? choice(['active', 'paused'] as const, salt++)
          : e.list === 'finished'
            ? choice(['finished', 'failed'] as const, salt++)
            : e.list === 'stopped'
              ? choice(['paused', 'finished', 'failed'] as const, salt++)
              : null
      const m = statuses.get(id) ?? new Map<string, MemberStatus>()
      if (st) m.set(ids(s), st)
      statuses.set(id, m)
    }
  }
  const contacts: LiveContact[] = [...base.contacts.values()].map((c) =>
    liveContact({...c, memberships: Object.fromEntries(statuses.get(c.id) ?? [])}),
  )
  return liveState({
    sequences: [...base.sequences.entries()].filter(([k]) => k.startsWith('id:')).flatMap(([, v]) => v),
    contacts,
    missingEmails: [...base.missingEmails],
  })
}

/** Deterministic shuffle from a seed (mulberry32). */
function shuffle<T>(xs: readonly T[], seed: number): T[] {
  let a = seed >>> 0
  const rnd = () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const out = [...xs]
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1))
    ;[out[i], out[j]] = [out[j]!, out[i]!]
  }
  return out
}

function shuffleInputs(desired: DesiredState, live: LiveState, seed: number): [DesiredState, LiveState] {
  const shuffledDesired: DesiredState = {
    sequences: desired.sequences.map((s, i) => ({...s, entries: shuffle(s.entries, seed + i)})),
  }
  const mapOf = <V>(m: ReadonlyMap<string, V>, f: (v: V, k: number) => V) =>
    new Map(shuffle([...m.entries()], seed + 7).map(([k, v], i) => [k, f(v, i)] as const))
  const shuffledLive: LiveState = {
    keyOwner: live.keyOwner,
    sequences: mapOf(live.sequences, (v, i) => shuffle(v, seed + i)),
    mailboxes: shuffle(live.mailboxes, seed + 3),
    contacts: mapOf(live.contacts, (c, i) => ({...c, memberships: shuffle(c.memberships, seed + i)})),
    contactsByEmail: mapOf(live.contactsByEmail, (v, i) => shuffle(v, seed + i)),
    members: mapOf(live.members, (v, i) => shuffle(v, seed + 11 + i)),
    missingEmails: new Set(shuffle([...live.missingEmails], seed + 5)),
    missingContactIds: new Set(shuffle([...live.missingContactIds], seed + 6)),
  }
  return [shuffledDesired, shuffledLive]
}

describe('computePlan invariants', () => {
  it('plans nothing against a live state that already matches the manifests', () => {
    fc.assert(
      fc.property(worldArb, fc.nat(), (w, pick) => {
        const {desired, live} = buildWorld(w)
        // only existing contacts: missing ones would legitimately be created
        const existingOnly: DesiredState = {
          sequences: desired.sequences.map((s) => ({
            ...s,
            entries: s.entries.filter((e) => e.ref.kind === 'id' || !e.ref.email.endsWith('@new.com')),
          })),
        }
        const plan = computePlan(existingOnly, matchingLive(existingOnly, live, pick))
        expect(plan.errors).toEqual([])
        expect(plan.sequences.flatMap((s) => s.changes)).toEqual([])
        expect(plan.summary).toEqual({
          add: 0,
          remove: 0,
          finish: 0,
          stop: 0,
          create: 0,
          skipsForecast: 0,
          skipsPossible: 0,
        })
      }),
      {numRuns: 200},
    )
  })

  it('after applying the plan, Apollo skips every definite forecast, and nothing that was not forecast', () => {
    fc.assert(
      fc.property(worldArb, (w) => {
        const {desired, live} = buildWorld(w)
        const plan = computePlan(desired, live)
        expect(plan.errors).toEqual([])
        const {live: after, skipped} = simulateApply(plan, live)
        const forecast = (which: 'forecastSkip' | 'possibleSkip'): Set<string> =>
          new Set(
            plan.sequences.flatMap((s) =>
              s.changes
                .filter((c): c is AddChange => c.kind === 'add' && c[which] !== undefined)
                .map((c) => `${s.id}/${c.contactId ?? `new-${c.email?.toLowerCase()}`}`),
            ),
          )
        const definite = forecast('forecastSkip')
        const possible = forecast('possibleSkip')
        for (const key of definite) expect(skipped.has(key), `definite ${key}`).toBe(true)
        for (const key of skipped.keys()) expect(definite.has(key) || possible.has(key), `unforecast ${key}`).toBe(true)
        const replan = computePlan(desired, after)
        expect(replan.errors).toEqual([])
        const left = replan.sequences.flatMap((s) => s.changes)
        expect(left.every((c) => c.kind === 'add' && (c.forecastSkip ?? c.possibleSkip) !== undefined)).toBe(true)
        expect(left).toHaveLength(skipped.size)
      }),
      {numRuns: 300},
    )
  })

  it('never depends on the order of entries, maps, id lists or memberships', () => {
    fc.assert(
      fc.property(worldArb, fc.nat(), (w, seed) => {
        const {desired, live} = buildWorld(w)
        const plan = computePlan(desired, live)
        const [d2, l2] = shuffleInputs(desired, live, seed)
        const again = computePlan(d2, l2)
        expect(again).toEqual(plan)
        expect(again.planHash).toBe(plan.planHash)
        expect(JSON.stringify(again)).toBe(JSON.stringify(plan))
      }),
      {numRuns: 200},
    )
  })
})
