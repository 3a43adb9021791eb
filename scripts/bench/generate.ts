// Deterministic generator of benchmark / reliability cases: an emulator seed (live Apollo state),
// the seqsync manifests that drift from it, and the exact expected outcome (final memberships and
// change counts). `npm run bench` and the tests (test/helpers/gen-case.ts, test/reliability) import it.
//
// Shape of a case (README: What a plan costs; BENCHMARKS.md): sequences come in groups (a team's campaigns) sharing a pool of
// contacts, so overlap is LOCAL: every contact of a group pool is in one or two sequences of that
// group and in no sequence of another group. Drift = adds (mostly pool contacts already known from
// the member sweep, a few contacts outside every managed sequence that need a look-up), prunes
// (undeclared members under `prune: remove | finish | stop`, or `removed:` tombstones under
// `prune: none`), finishes and stops. Every contact is verified, has a distinct email and a distinct organisation, and the
// manifests allow enrolling contacts active/finished elsewhere, so Apollo skips nothing.

import {createPrng} from '../../src/emulator/random.js'
import type {EmulatorSeed} from '../../src/emulator/types.js'
import {DEFAULT_ENROLL} from '../../src/model/state.js'
import type {EnrollSwitches, PruneMode} from '../../src/model/state.js'

export interface CaseOptions {
  /** Managed sequences. */
  readonly sequences: number
  /** Live members per managed sequence. */
  readonly contactsPerSequence: number
  /** Fraction of memberships the manifests change (0.1 = 10%). */
  readonly drift: number
  /** PRNG seed. */
  readonly seed: number
  /** Sequences per team group sharing a contact pool (default 10). */
  readonly groupSize?: number
  /** Distinct contacts per membership inside a group (default 0.7). */
  readonly poolRatio?: number
  /** Split of the drift (default 50% adds, 20% removes, 15% finishes, 15% stops). */
  readonly mix?: {readonly add?: number; readonly remove?: number; readonly finish?: number; readonly stop?: number}
  /** Adds of contacts outside every managed sequence, per sequence (default 1). */
  readonly outsideAddsPerSequence?: number
  /**
   * Prune mode of sequence i: pruneModes[i % length] (default remove, none). The drift's "removes"
   * are undeclared members (removed, finished or stopped as the mode says: finish leaves finished and
   * failed members alone, stop all but the active ones) or, under none, `removed:` tombstones.
   */
  readonly pruneModes?: readonly PruneMode[]
  /** Extra sequences no manifest manages (default max(2, 10%)). */
  readonly unmanagedSequences?: number
  /** Contacts in no managed sequence besides the outside adds (default 2%). */
  readonly extraContacts?: number
  /** Keys the emulator accepts (default [BENCH_API_KEY]). */
  readonly apiKeys?: readonly string[]
  /** Directory of the manifests, relative to the case root (default 'manifests'). */
  readonly manifestDir?: string
}

export type ExpectedKind = 'add' | 'remove' | 'finish' | 'stop'

export interface ExpectedChange {
  readonly kind: ExpectedKind
  readonly sequenceId: string
  readonly contactId: string
  readonly email: string
}

/** What the plan of one sequence holds: its changes by kind, and its unmanaged members (prune: none). */
export type SequenceExpectation = Readonly<Record<ExpectedKind | 'unmanaged', number>>

export interface CaseExpected {
  readonly summary: Readonly<Record<ExpectedKind, number>>
  readonly changes: readonly ExpectedChange[]
  /** Per managed sequence (by name, as plans show them). */
  readonly perSequence: Readonly<Record<string, SequenceExpectation>>
  /** Contact id -> sorted `sequenceId:status` of every membership after a converged apply. */
  readonly finalMemberships: Readonly<Record<string, readonly string[]>>
  readonly managedSequenceIds: readonly string[]
  readonly unmanagedSequenceIds: readonly string[]
  /** Per managed sequence, the live members at seed time (for the cost model). */
  readonly liveMembers: Readonly<Record<string, readonly string[]>>
  /** Emails the manifests declare whose contact is in no managed sequence (need a look-up or the scan). */
  readonly outsideEmails: readonly string[]
  /** Distinct entries (emails and ids) of every `contacts` list: what a per-contact script looks up. */
  readonly declaredContacts: number
  readonly totalContacts: number
  readonly totalSequences: number
  readonly namePinned: number
  readonly idPinned: number
}

export interface GeneratedCase {
  readonly seed: EmulatorSeed
  readonly manifests: readonly {readonly path: string; readonly text: string}[]
  readonly expected: CaseExpected
}

type MembershipStatus = 'active' | 'paused' | 'finished' | 'failed'

interface Membership {
  readonly sequence_id: string
  readonly status: MembershipStatus
  readonly mailbox_id: string
}

interface Contact {
  readonly id: string
  readonly email: string
  readonly first_name: string
  readonly last_name: string
  readonly organization_name: string
  readonly title: string
  readonly email_status: string
  readonly memberships: Membership[]
}

interface Sequence {
  readonly id: string
  readonly name: string
  readonly active: boolean
  readonly index: number
  readonly pinBy: 'id' | 'name'
  readonly prune: PruneMode
  /** Live member contact ids. */
  readonly members: string[]
}

/** A manifest entry: an email, or a contact pinned by id. */
type EntryRef = string | {readonly id: string}

interface Entries {
  readonly contacts: EntryRef[]
  readonly finished: EntryRef[]
  readonly stopped: EntryRef[]
  readonly removed: EntryRef[]
}

function shuffleInPlace<T>(array: T[], random: () => number): T[] {
  for (let i = array.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1))
    const tmp = array[i]!
    array[i] = array[j]!
    array[j] = tmp
  }
  return array
}

function hexId(prefix: string, n: number): string {
  return prefix + n.toString(16).padStart(24 - prefix.length, '0')
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0')
}

export const BENCH_API_KEY = 'bench-key-not-secret'
export const MAILBOX_EMAIL = 'sdr@bench-example.com'
export const MAILBOX_ID = hexId('6a11', 1)
/** The `enroll:` switches of every generated manifest: contacts active/finished elsewhere may be enrolled. */
export const CASE_ENROLL: EnrollSwitches = Object.freeze({
  ...DEFAULT_ENROLL,
  activeInOtherSequences: true,
  finishedInOtherSequences: true,
})

const DEFAULT_MIX = Object.freeze({add: 0.5, remove: 0.2, finish: 0.15, stop: 0.15})
const DEFAULT_PRUNE_MODES: readonly PruneMode[] = ['remove', 'none']

/**
 * The change a pruned member gets (README, Manifest reference: the decision table); under `prune: none` it is a `removed:` tombstone.
 * The generator's own reading of the table, so the expected truth does not come from the planner.
 */
function prunedKind(prune: PruneMode, status: MembershipStatus): ExpectedKind | null {
  switch (prune) {
    case 'none':
    case 'remove':
      return 'remove'
    case 'finish':
      return status === 'active' || status === 'paused' ? 'finish' : null
    case 'stop':
      return status === 'active' ? 'stop' : null
  }
}

/** Live status of a seeded membership, per 1000: active 900, paused 50, finished 40, failed 10. */
function pickStatus(random: () => number): MembershipStatus {
  const r = random()
  if (r < 0.9) return 'active'
  if (r < 0.95) return 'paused'
  if (r < 0.99) return 'finished'
  return 'failed'
}

export function generateCase(options: CaseOptions): GeneratedCase {
  const sequencesCount = options.sequences
  const perSequence = options.contactsPerSequence
  const drift = options.drift
  const random = createPrng(options.seed)
  const groupSize = Math.max(1, options.groupSize ?? 10)
  const poolRatio = options.poolRatio ?? 0.7
  const mix = options.mix ?? DEFAULT_MIX
  const outsidePerSequence = options.outsideAddsPerSequence ?? 1
  const unmanagedCount = options.unmanagedSequences ?? Math.max(2, Math.round(sequencesCount / 10))
  const pruneModes = options.pruneModes ?? DEFAULT_PRUNE_MODES
  const manifestDir = options.manifestDir ?? 'manifests'

  // Per-sequence change counts (fixed per sequence, so every run of a seed is identical).
  const changesPerSequence = drift * perSequence
  const want = {
    add: Math.round(changesPerSequence * (mix.add ?? 0)),
    remove: Math.round(changesPerSequence * (mix.remove ?? 0)),
    finish: Math.round(changesPerSequence * (mix.finish ?? 0)),
    stop: Math.round(changesPerSequence * (mix.stop ?? 0)),
  }
  const outsideAdds = Math.min(outsidePerSequence, want.add)
  const poolAdds = want.add - outsideAdds

  // --- contacts and sequences -------------------------------------------------------------------
  const contacts: Contact[] = []
  const byId = new Map<string, Contact>()
  const contactOf = (id: string): Contact => {
    const c = byId.get(id)
    if (c === undefined) throw new Error(`generator bug: no contact ${id}`)
    return c
  }
  function newContact(): Contact {
    const n = contacts.length
    const c: Contact = {
      id: hexId('c0', n + 1),
      email: `contact${pad(n + 1, 7)}@bench-example.com`,
      first_name: `First${pad(n + 1, 7)}`,
      last_name: `Last${pad(n + 1, 7)}`,
      organization_name: `Org ${pad(n + 1, 7)}`,
      title: 'Engineer',
      email_status: 'verified',
      memberships: [],
    }
    contacts.push(c)
    byId.set(c.id, c)
    return c
  }

  const sequences: Sequence[] = []
  for (let i = 0; i < sequencesCount; i++) {
    sequences.push({
      id: hexId('5e9', i + 1),
      name: `Bench Sequence ${pad(i + 1, 4)}`,
      active: true,
      index: i,
      pinBy: i % 2 === 0 ? 'id' : 'name',
      prune: pruneModes[i % pruneModes.length] ?? 'none',
      members: [],
    })
  }
  const unmanaged: {readonly id: string; readonly name: string; readonly active: boolean}[] = []
  for (let i = 0; i < unmanagedCount; i++) {
    unmanaged.push({id: hexId('5eu', i + 1), name: `Unmanaged Campaign ${pad(i + 1, 4)}`, active: true})
  }

  // Group pools: windows of `perSequence` over a shuffled pool, stride pool/groupSize, so each
  // pool contact is in one or two sequences of its group.
  const groups: {readonly sequences: readonly Sequence[]; readonly pool: readonly string[]}[] = []
  for (let g = 0; g * groupSize < sequencesCount; g++) {
    const groupSeqs = sequences.slice(g * groupSize, (g + 1) * groupSize)
    const size = groupSeqs.length
    const poolSize = Math.max(Math.round(poolRatio * size * perSequence), perSequence + poolAdds + 1)
    const pool: string[] = []
    for (let k = 0; k < poolSize; k++) pool.push(newContact().id)
    shuffleInPlace(pool, random)
    groupSeqs.forEach((seq, j) => {
      const start = Math.floor((j * poolSize) / size)
      for (let k = 0; k < perSequence; k++) {
        const contactId = pool[(start + k) % poolSize]!
        seq.members.push(contactId)
        contactOf(contactId).memberships.push({
          sequence_id: seq.id,
          status: pickStatus(random),
          mailbox_id: MAILBOX_ID,
        })
      }
    })
    groups.push({sequences: groupSeqs, pool})
  }

  // Contacts outside every managed sequence: the outside adds, and extra ones; some of them are
  // active in an unmanaged sequence (the "no change outside the plan" check covers them).
  const outsideForAdds: string[] = []
  for (let i = 0; i < sequencesCount * outsideAdds; i++) outsideForAdds.push(newContact().id)
  const extraCount = options.extraContacts ?? Math.round(contacts.length * 0.02)
  for (let i = 0; i < extraCount; i++) newContact()
  for (const c of contacts) {
    if (c.memberships.length > 0 || unmanaged.length === 0) continue
    if (random() < 0.3) {
      const u = unmanaged[Math.floor(random() * unmanaged.length)]!
      c.memberships.push({sequence_id: u.id, status: 'active', mailbox_id: MAILBOX_ID})
    }
  }
  // A few managed members are also active in an unmanaged sequence.
  for (const seq of sequences) {
    const c = contactOf(seq.members[0]!)
    if (unmanaged.length > 0 && !c.memberships.some((m) => m.sequence_id.startsWith('5eu'))) {
      c.memberships.push({
        sequence_id: unmanaged[seq.index % unmanaged.length]!.id,
        status: 'active',
        mailbox_id: MAILBOX_ID,
      })
    }
  }

  // --- desired state and expected changes -------------------------------------------------------
  const changes: ExpectedChange[] = []
  const bySequence: Record<string, SequenceExpectation> = {}
  const declaredContacts = new Set<string>()
  const docs: string[][] = []
  let outsideCursor = 0
  for (const group of groups) {
    const groupDocs: string[] = []
    for (const seq of group.sequences) {
      const statusOf = new Map<string, MembershipStatus>()
      for (const contactId of seq.members) {
        const m = contactOf(contactId).memberships.find((x) => x.sequence_id === seq.id)
        if (m === undefined) throw new Error(`generator bug: ${contactId} is not in ${seq.id}`)
        statusOf.set(contactId, m.status)
      }
      const order = shuffleInPlace([...seq.members], random)
      const actives = order.filter((id) => statusOf.get(id) === 'active')
      const used = new Set<string>()
      const take = (list: readonly string[], n: number): string[] => {
        const out: string[] = []
        for (const id of list) {
          if (out.length >= n) break
          if (!used.has(id)) {
            used.add(id)
            out.push(id)
          }
        }
        return out
      }
      const finishIds = take(actives, want.finish)
      const stopIds = take(actives, want.stop)
      const removeIds = take(order, want.remove)
      // Under prune none, a few undeclared members stay unmanaged (no change): taken so that no
      // list below declares them.
      const unmanagedIds = seq.prune === 'none' ? take(order, Math.min(2, Math.floor(perSequence / 20))) : []
      const memberSet = new Set(seq.members)
      const candidates = shuffleInPlace(
        group.pool.filter((id) => !memberSet.has(id)),
        random,
      )
      const addIds = candidates.slice(0, poolAdds)
      for (let k = 0; k < outsideAdds; k++) addIds.push(outsideForAdds[outsideCursor++]!)

      const entries: Entries = {contacts: [], finished: [], stopped: [], removed: []}
      const emailOf = (contactId: string): string => contactOf(contactId).email
      const ref = (contactId: string, useId: boolean): EntryRef => (useId ? {id: contactId} : emailOf(contactId))
      for (const id of order) {
        if (used.has(id) && !finishIds.includes(id) && !stopIds.includes(id)) continue
        const status = statusOf.get(id)
        const useId = Number.parseInt(id.slice(-3), 16) % 25 === 0
        if (finishIds.includes(id)) entries.finished.push(ref(id, useId))
        else if (stopIds.includes(id)) entries.stopped.push(ref(id, useId))
        else if (status === 'finished') entries.finished.push(ref(id, useId))
        else entries.contacts.push(ref(id, useId)) // active, paused, failed (a warning, no change)
      }
      for (const id of addIds) entries.contacts.push(emailOf(id))
      if (seq.prune === 'none') for (const id of removeIds) entries.removed.push(emailOf(id))
      for (const e of entries.contacts) declaredContacts.add(typeof e === 'string' ? e : `id:${e.id}`)

      const counts = {add: 0, remove: 0, finish: 0, stop: 0, unmanaged: unmanagedIds.length}
      const record = (kind: ExpectedKind | null, id: string): void => {
        if (kind === null) return
        changes.push({kind, sequenceId: seq.id, contactId: id, email: emailOf(id)})
        counts[kind]++
      }
      for (const id of addIds) record('add', id)
      for (const id of removeIds) record(prunedKind(seq.prune, statusOf.get(id) ?? 'active'), id)
      for (const id of finishIds) record('finish', id)
      for (const id of stopIds) record('stop', id)
      bySequence[seq.name] = counts

      groupDocs.push(renderManifest(seq, entries))
    }
    docs.push(groupDocs)
  }

  // --- seed, expected final state ---------------------------------------------------------------
  const seed: EmulatorSeed = {
    apiKeys: options.apiKeys ?? [BENCH_API_KEY],
    users: [{id: hexId('75e', 1), email: MAILBOX_EMAIL, first_name: 'Sam', last_name: 'Dr'}],
    emailAccounts: [{id: MAILBOX_ID, email: MAILBOX_EMAIL, active: true, user_id: hexId('75e', 1)}],
    sequences: [
      ...sequences.map((s) => ({id: s.id, name: s.name, active: s.active, archived: false})),
      ...unmanaged.map((s) => ({id: s.id, name: s.name, active: s.active, archived: false})),
    ],
    contacts: contacts.map((c) => ({
      id: c.id,
      email: c.email,
      first_name: c.first_name,
      last_name: c.last_name,
      organization_name: c.organization_name,
      title: c.title,
      email_status: c.email_status,
      memberships: c.memberships.map((m) => ({...m})),
    })),
  }

  const finalState = new Map<string, Map<string, MembershipStatus>>() // contactId -> sequenceId -> status
  for (const c of contacts) finalState.set(c.id, new Map(c.memberships.map((m) => [m.sequence_id, m.status])))
  for (const ch of changes) {
    const ms = finalState.get(ch.contactId)
    if (ms === undefined) throw new Error(`generator bug: no contact ${ch.contactId}`)
    if (ch.kind === 'add') ms.set(ch.sequenceId, 'active')
    else if (ch.kind === 'remove') ms.delete(ch.sequenceId)
    else if (ch.kind === 'finish') ms.set(ch.sequenceId, 'finished')
    else if (ms.get(ch.sequenceId) === 'active') ms.set(ch.sequenceId, 'paused')
  }
  const finalMemberships: Record<string, string[]> = {}
  for (const [id, ms] of finalState) finalMemberships[id] = [...ms].map(([s, st]) => `${s}:${st}`).sort()

  const managedIds = new Set(sequences.map((s) => s.id))
  const summary: Record<ExpectedKind, number> = {add: 0, remove: 0, finish: 0, stop: 0}
  for (const ch of changes) summary[ch.kind]++

  const manifests = docs.map((groupDocs, g) => ({
    path: `${manifestDir}/team-${pad(g + 1, 3)}.yaml`,
    text: groupDocs.join('---\n'),
  }))

  return {
    seed,
    manifests,
    expected: {
      summary,
      changes,
      perSequence: bySequence,
      finalMemberships,
      managedSequenceIds: sequences.map((s) => s.id),
      unmanagedSequenceIds: unmanaged.map((s) => s.id),
      liveMembers: Object.fromEntries(sequences.map((s) => [s.id, [...s.members]])),
      outsideEmails: [
        ...new Set(
          changes
            .filter(
              (c) => c.kind === 'add' && !contactOf(c.contactId).memberships.some((m) => managedIds.has(m.sequence_id)),
            )
            .map((c) => c.email),
        ),
      ],
      declaredContacts: declaredContacts.size,
      totalContacts: contacts.length,
      totalSequences: seed.sequences.length,
      namePinned: sequences.filter((s) => s.pinBy === 'name').length,
      idPinned: sequences.filter((s) => s.pinBy === 'id').length,
    },
  }
}

function yamlScalar(s: string): string {
  return /^[A-Za-z0-9@._+-]+$/.test(s) ? s : JSON.stringify(s)
}

function renderManifest(seq: Sequence, entries: Entries): string {
  const lines = ['apiVersion: seqsync/v1', 'kind: SequenceMembership', 'sequence:']
  // Ids are quoted: an unquoted 24-hex id like 5e9000…01 is a YAML float.
  lines.push(seq.pinBy === 'id' ? `  id: "${seq.id}"` : `  name: ${yamlScalar(seq.name)}`)
  lines.push(`mailbox: ${MAILBOX_EMAIL}`, `prune: ${seq.prune}`, 'missingContacts: error', 'enroll:')
  for (const name of Object.keys(CASE_ENROLL) as (keyof EnrollSwitches)[]) {
    if (CASE_ENROLL[name] !== DEFAULT_ENROLL[name]) lines.push(`  ${name}: ${CASE_ENROLL[name]}`)
  }
  for (const list of ['contacts', 'finished', 'stopped', 'removed'] as const) {
    const items = entries[list]
    if (items.length === 0) continue
    lines.push(`${list}:`)
    for (const item of items) lines.push(typeof item === 'string' ? `  - ${item}` : `  - id: "${item.id}"`)
  }
  return lines.join('\n') + '\n'
}

/** A sequence's members after a converged apply: contact id -> status (`membersOf` of a snapshot). */
export function expectedMembers(expected: CaseExpected, sequenceId: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [contactId, memberships] of Object.entries(expected.finalMemberships)) {
    for (const m of memberships) {
      const [sid, status] = m.split(':')
      if (sid === sequenceId && status !== undefined) out[contactId] = status
    }
  }
  return out
}

/** Compare an emulator snapshot with the expected final memberships; returns human-readable differences (max `limit`). */
export function diffFinalState(snapshot: EmulatorSeed, expected: CaseExpected, limit = 20): string[] {
  const diffs: string[] = []
  const seen = new Set<string>()
  for (const c of snapshot.contacts) {
    seen.add(c.id)
    const actual = (c.memberships ?? []).map((m) => `${m.sequence_id}:${m.status}`).sort()
    const want = expected.finalMemberships[c.id]
    if (want === undefined) {
      if (diffs.length < limit) diffs.push(`unexpected contact ${c.id}`)
      continue
    }
    if (actual.join(',') !== want.join(',')) {
      if (diffs.length < limit) diffs.push(`${c.id}: expected [${want.join(', ')}] got [${actual.join(', ')}]`)
      else diffs.push('')
    }
  }
  for (const id of Object.keys(expected.finalMemberships)) {
    if (!seen.has(id) && diffs.length < limit) diffs.push(`missing contact ${id}`)
  }
  return diffs
}
