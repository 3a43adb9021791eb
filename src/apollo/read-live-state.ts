// The live-state reader: the cost model of PRODUCT.md §7. Reads at minimum cost and fails closed:
// a read that may be truncated never reaches the planner as "absent".

import {IncompleteReadError} from '../errors.js'
import type {DesiredState, LiveContact, LiveSequence, LiveState, SequenceSelector} from '../model/state.js'
import {normalizeEmail, selectorKey} from '../model/state.js'
import {DISPLAY_CAP, PAGE_SIZE as PER_PAGE} from './limits.js'
import type {ApolloClient, Page} from './types.js'

export {DISPLAY_CAP}

export interface SweepResult {
  readonly contacts: Map<string, LiveContact>
  /** Managed sequence id -> ids (sorted) of contacts having a membership in it. */
  readonly members: Map<string, string[]>
}

function pagesFor(page: Page<unknown>): number {
  // total_entries is what the completeness check trusts; never go past the display cap.
  return Math.min(Math.max(page.totalPages, Math.ceil(page.totalEntries / PER_PAGE)), Math.ceil(DISPLAY_CAP / PER_PAGE))
}

async function fetchRest<T>(first: Page<T>, fetchPage: (page: number) => Promise<Page<T>>): Promise<T[]> {
  const last = pagesFor(first)
  const rest: Promise<Page<T>>[] = []
  for (let p = 2; p <= last; p++) rest.push(fetchPage(p))
  const pages = await Promise.all(rest)
  return [first, ...pages].flatMap((p) => [...p.items])
}

/**
 * Every sequence whose name is exactly `name`. Apollo's `q_name` is a partial match, so every page of
 * its results is read (up to the display cap) and filtered here.
 */
export async function findSequencesByName(client: ApolloClient, name: string): Promise<LiveSequence[]> {
  const first = await client.searchSequences({qName: name, page: 1})
  const all = await fetchRest(first, (page) => client.searchSequences({qName: name, page}))
  return all.filter((s) => s.name === name)
}

async function sweepChunk(
  client: ApolloClient,
  ids: readonly string[],
  displayCap: number,
  into: Map<string, LiveContact>,
): Promise<void> {
  const first = await client.searchContactsInSequences(ids, 1)
  if (first.totalEntries > displayCap) {
    if (ids.length === 1) {
      throw new IncompleteReadError(
        `Sequence ${ids[0]} has ${first.totalEntries} contacts, more than Apollo's search can list (${displayCap}); its membership cannot be read completely`,
        {hint: 'seqsync will not plan from a truncated read. Split the sequence, or leave it unmanaged.'},
      )
    }
    const mid = Math.ceil(ids.length / 2)
    await sweepChunk(client, ids.slice(0, mid), displayCap, into)
    await sweepChunk(client, ids.slice(mid), displayCap, into)
    return
  }
  const items = await fetchRest(first, (p) => client.searchContactsInSequences(ids, p))
  const distinct = new Set(items.map((c) => c.id))
  if (distinct.size < first.totalEntries) {
    throw new IncompleteReadError(
      `Apollo reported ${first.totalEntries} contacts in the managed sequences but returned ${distinct.size}: live state changed during the read; run again`,
    )
  }
  for (const c of items) if (!into.has(c.id)) into.set(c.id, c)
}

/**
 * One multi-sequence contacts/search sweep over all `sequenceIds` (distinct), split into contiguous
 * halves only when a chunk exceeds the display cap. `members` is derived from each contact's
 * memberships, so it is right whichever chunk a contact came from.
 */
export async function sweepSequenceMembers(
  client: ApolloClient,
  sequenceIds: readonly string[],
  options: {displayCap?: number} = {},
): Promise<SweepResult> {
  const ids = [...new Set(sequenceIds)]
  const contacts = new Map<string, LiveContact>()
  if (ids.length > 0) await sweepChunk(client, ids, options.displayCap ?? DISPLAY_CAP, contacts)
  const managed = new Set(ids)
  const memberSets = new Map<string, Set<string>>(ids.map((id) => [id, new Set<string>()]))
  for (const c of contacts.values()) {
    for (const m of c.memberships) if (managed.has(m.sequenceId)) memberSets.get(m.sequenceId)?.add(c.id)
  }
  const members = new Map<string, string[]>()
  for (const [id, set] of memberSets) members.set(id, [...set].sort())
  return {contacts, members}
}

// ---------------------------------------------------------------------------------------------

/**
 * The sequences each selector names (keyed by selectorKey), at minimum cost: the sequence list (one
 * page per 100 sequences) when that is cheaper than one search per name, then one look-up per id the
 * list did not show (archived sequences are not listed).
 */
export async function resolveSequences(
  client: ApolloClient,
  selectors: readonly SequenceSelector[],
): Promise<Map<string, LiveSequence[]>> {
  const names = [...new Set(selectors.flatMap((s) => ('name' in s ? [s.name] : [])))]
  const ids = [...new Set(selectors.flatMap((s) => ('id' in s ? [s.id] : [])))]
  const result = new Map<string, LiveSequence[]>()
  if (names.length === 0 && ids.length === 0) return result

  const byId = new Map<string, LiveSequence>()
  const byName = new Map<string, Map<string, LiveSequence>>()
  const remember = (seqs: readonly LiveSequence[]): void => {
    for (const s of seqs) {
      byId.set(s.id, s)
      let same = byName.get(s.name)
      if (!same) byName.set(s.name, (same = new Map<string, LiveSequence>()))
      same.set(s.id, s)
    }
  }
  const unresolved = (): {ids: string[]} => ({ids: ids.filter((i) => !byId.has(i))})

  const first = await client.searchSequences({page: 1})
  remember(first.items)
  const lastPage = pagesFor(first)
  if (lastPage > 1) {
    // Ids are unique, so seeing one settles it. A name seen on a partial listing may have an exact
    // twin on a later page (the planner must see the ambiguity), so names are settled only by the
    // complete listing or by their own q_name search.
    const open = {names, ids: ids.filter((i) => !byId.has(i))}
    const unresolvedCount = open.names.length + open.ids.length
    if (unresolvedCount > 0 && lastPage - 1 <= unresolvedCount) {
      remember(await fetchRest(first, (page) => client.searchSequences({page})))
    } else {
      for (const name of open.names) {
        const firstHit = await client.searchSequences({qName: name, page: 1})
        remember(await fetchRest(firstHit, (page) => client.searchSequences({qName: name, page})))
      }
    }
  }
  const open = unresolved()
  // Ids never seen in a search (archived sequences are not listed): ask for each one.
  for (const id of open.ids) {
    const seq = await client.getSequence(id)
    if (seq !== null) remember([seq])
  }
  for (const name of names) result.set(selectorKey({name}), [...(byName.get(name)?.values() ?? [])])
  for (const id of ids) {
    const seq = byId.get(id)
    result.set(selectorKey({id}), seq === undefined ? [] : [seq])
  }
  return result
}

function indexEmails(contacts: Iterable<LiveContact>): Map<string, string[]> {
  const index = new Map<string, Set<string>>()
  for (const c of contacts) {
    for (const e of [c.email, ...c.otherEmails]) {
      if (e === null) continue
      const key = normalizeEmail(e)
      if (key === '') continue
      let set = index.get(key)
      if (!set) index.set(key, (set = new Set()))
      set.add(c.id)
    }
  }
  const out = new Map<string, string[]>()
  for (const [k, set] of index) out.set(k, [...set].sort())
  return out
}

function contactEmails(c: LiveContact): string[] {
  return [c.email, ...c.otherEmails].filter((e): e is string => e !== null).map(normalizeEmail)
}

/**
 * Everything the planner needs, at minimum cost (PRODUCT.md §7): sequence resolution, the mailbox
 * list, one member sweep, then look-ups (or one scan) for declared contacts the sweep did not see.
 */
export async function readLiveState(client: ApolloClient, desired: DesiredState): Promise<LiveState> {
  const contacts = new Map<string, LiveContact>()
  const missingEmails = new Set<string>()
  const missingContactIds = new Set<string>()
  if (desired.sequences.length === 0) {
    return {
      keyOwner: null,
      sequences: new Map(),
      mailboxes: [],
      contacts,
      contactsByEmail: new Map(),
      members: new Map(),
      missingEmails,
      missingContactIds,
    }
  }

  // (a) who the key acts as (plan headers, pruneScope: owned), (b) sequences, (c) mailboxes
  const keyOwner = await client.getApiProfile()
  const sequences = await resolveSequences(
    client,
    desired.sequences.map((s) => s.selector),
  )
  const mailboxes = await client.listMailboxes()

  // (c) one sweep of every resolved, non-archived sequence
  // In MANIFEST order, not resolution order (names first, then ids): when the sweep must split to
  // stay under the display cap, contiguous halves then keep a team's overlapping campaigns together
  // (BENCHMARKS.md note 1: 1,202 instead of 902 calls at 200 x 500).
  const sweepIds = new Set<string>()
  for (const seq of desired.sequences) {
    for (const s of sequences.get(selectorKey(seq.selector)) ?? []) if (!s.archived) sweepIds.add(s.id)
  }
  const sweep = await sweepSequenceMembers(client, [...sweepIds])
  for (const [id, c] of sweep.contacts) contacts.set(id, c)

  // (d) declared contacts the sweep did not see
  const knownEmails = new Set<string>()
  for (const c of contacts.values()) for (const e of contactEmails(c)) knownEmails.add(e)
  const wantedEmails = new Set<string>()
  const wantedIds = new Set<string>()
  for (const seq of desired.sequences) {
    for (const entry of seq.entries) {
      // Only contacts to enroll need resolving. A finished/stopped/removed entry the sweep did not
      // see is not in the sequence, which is all the planner needs to know: looking it up would
      // spend quota to learn nothing.
      if (entry.list !== 'contacts') continue
      if (entry.ref.kind === 'email') {
        const email = normalizeEmail(entry.ref.email)
        if (!knownEmails.has(email)) wantedEmails.add(email)
      } else if (!contacts.has(entry.ref.id)) {
        wantedIds.add(entry.ref.id)
      }
    }
  }

  const adopt = (c: LiveContact): void => {
    if (!contacts.has(c.id)) contacts.set(c.id, c)
    for (const e of contactEmails(c)) wantedEmails.delete(e)
    wantedIds.delete(c.id)
  }
  const adoptIfWanted = (c: LiveContact): void => {
    if (wantedIds.has(c.id) || contactEmails(c).some((e) => wantedEmails.has(e))) adopt(c)
  }

  if (wantedEmails.size + wantedIds.size >= 2) {
    const first = await client.scanContacts(1)
    for (const c of first.items) adoptIfWanted(c)
    const remainingPages = pagesFor(first) - 1
    const open = wantedEmails.size + wantedIds.size
    if (open > 0 && first.totalEntries <= DISPLAY_CAP && remainingPages <= open) {
      const all = await fetchRest(first, (page) => client.scanContacts(page))
      const distinct = new Set(all.map((c) => c.id))
      if (distinct.size < first.totalEntries) {
        throw new IncompleteReadError(
          `Apollo reported ${first.totalEntries} contacts but the scan returned ${distinct.size}: live state changed during the read; run again`,
        )
      }
      for (const c of all.slice(first.items.length)) adoptIfWanted(c)
      // A complete scan makes absence a fact.
      for (const e of wantedEmails) missingEmails.add(e)
      for (const id of wantedIds) missingContactIds.add(id)
      wantedEmails.clear()
      wantedIds.clear()
    }
  }
  // Look-ups run concurrently; the client bounds how many are in flight.
  const emails = [...wantedEmails].sort()
  const foundByEmail = await Promise.all(emails.map((email) => client.findContactsByEmail(email)))
  emails.forEach((email, i) => {
    const found = foundByEmail[i] ?? []
    for (const c of found) adopt(c)
    if (found.length === 0) missingEmails.add(email)
  })
  const ids = [...wantedIds].sort()
  const foundById = await Promise.all(ids.map((id) => client.getContact(id)))
  ids.forEach((id, i) => {
    const c = foundById[i] ?? null
    if (c === null) missingContactIds.add(id)
    else adopt(c)
  })

  return {
    keyOwner,
    sequences,
    mailboxes,
    contacts,
    contactsByEmail: indexEmails(contacts.values()),
    members: sweep.members,
    missingEmails,
    missingContactIds,
  }
}
