// One contacts/search query read completely, or not at all: the two-ended read of read-strategy.ts,
// checked page by page (the parser) and across pages (here), around the display cap Apollo really
// enforces, and across live changes during the read. Also the member sweep built on it.
//
// Fail closed: every page's total_entries must agree with the first, the pages of each half must
// chain in contact_created_at order, and the distinct contacts read must equal total_entries. When
// they do not (a contact created or deleted mid-read shifts the pages), the total is re-checked with
// one extra call and the pages read under another total are read again; if it still does not add
// up, the read fails ("live state changed during the read; run again"). A contact created and
// another deleted between the same two page answers cancel out in the totals; the distinct count
// and the page chaining still catch the shift unless it falls exactly on a page boundary.

import {DisplayCapError, IncompleteReadError} from '../errors.js'
import type {LiveContact} from '../model/state.js'
import {DISPLAY_CAP, PAGE_SIZE} from './limits.js'
import {compareSortKeys} from './parse-responses.js'
import {planTwoEndedPages, reachablePages} from './read-strategy.js'
import type {ApolloClient, ContactPage, ContactQuery, SortKey, SortOrder} from './types.js'

/** What every query of one run shares: the client, and the display cap as Apollo has shown it so far. */
export class SearchSession {
  readonly client: ApolloClient
  #cap: number

  constructor(client: ApolloClient, cap: number = DISPLAY_CAP) {
    this.client = client
    this.#cap = cap
  }

  /** Records one query can list in one direction (Apollo documents 50,000; a 422 may say less). */
  get cap(): number {
    return this.#cap
  }

  /** Apollo refused `page` (or sent it empty although its total says otherwise): the cap lies below it. */
  learnCap(page: number, named: number | null): void {
    this.#cap = Math.min(this.#cap, (page - 1) * PAGE_SIZE, named ?? Number.POSITIVE_INFINITY)
  }
}

export type QueryOutcome =
  | {readonly kind: 'read'; readonly total: number; readonly contacts: readonly LiveContact[]}
  /** More records than both ends can reach under the cap: split the query, or read the other way. */
  | {readonly kind: 'too-large'; readonly total: number}

/** A page as the read keeps it: enough to check it, and only the contacts the caller wants. */
interface ReadPage {
  readonly total: number
  readonly first: SortKey | null
  readonly last: SortKey | null
  readonly ids: readonly string[]
  readonly kept: readonly LiveContact[]
}

type PageRef = readonly [SortOrder, number]

/** Pages of one query requested at a time: more than the client sends at once, so it stays busy. */
const PAGE_WORKERS = 8

/**
 * Reads every record of `query` two-ended, keeping the contacts `keep` accepts. `probe` is page 1
 * (ascending) when already read. Pages already read stay read across quota waits and re-plans.
 */
export async function readQuery(
  session: SearchSession,
  query: ContactQuery,
  keep: (contact: LiveContact) => boolean,
  probe?: ContactPage,
): Promise<QueryOutcome> {
  const pages = new Map<string, ReadPage>()
  const first = probe ?? (await session.client.searchContacts(query, 1, 'asc'))
  pages.set(keyOf(['asc', 1]), toReadPage(first, keep))
  let total = first.totalEntries
  let rechecked = false
  const fetchInto = async (ref: PageRef): Promise<void> => {
    const page = await fetchWithinCap(session, query, ref)
    if (page !== null) pages.set(keyOf(ref), toReadPage(page, keep))
  }
  for (;;) {
    const plan = planTwoEndedPages(total, session.cap)
    if (plan === null) return {kind: 'too-large', total}
    const wanted: PageRef[] = [
      ...pageNumbers(plan.asc).map((n): PageRef => ['asc', n]),
      ...pageNumbers(plan.desc).map((n): PageRef => ['desc', n]),
    ]
    const capBefore = session.cap
    const missing = wanted.filter((ref) => !pages.has(keyOf(ref)))
    // The farthest page of each half first: it is needed anyway, and if Apollo's cap is lower than
    // assumed, its 422 says so before any other page is spent.
    const farthest = (['asc', 'desc'] as const).flatMap((order) => missing.filter((r) => r[0] === order).slice(-1))
    await Promise.all(farthest.map((ref) => fetchInto(ref)))
    if (session.cap < capBefore) continue // re-plan around the cap Apollo showed; what was read stays
    // Then a few workers (the client bounds what is in flight), each taking the next page in
    // order and skipping what a cap learned meanwhile puts out of reach.
    const queue = missing.filter((ref) => !farthest.includes(ref))
    const worker = async (): Promise<void> => {
      for (let ref = queue.shift(); ref !== undefined; ref = queue.shift()) {
        if (ref[1] <= reachablePages(session.cap)) await fetchInto(ref)
      }
    }
    await Promise.all(Array.from({length: Math.min(PAGE_WORKERS, queue.length)}, worker))
    if (session.cap < capBefore) continue
    const read = wanted.map((ref) => pages.get(keyOf(ref))!)
    const problem = read.some((p) => p.total !== total)
      ? `Apollo's count of ${describeQuery(query)} changed from ${total} to ${read.find((p) => p.total !== total)?.total} during the read`
      : findGap(query, wanted, read, total)
    if (problem === null) return {kind: 'read', total, contacts: collect(read)}
    if (rechecked) {
      throw new IncompleteReadError(`${problem}: live state changed during the read; run again`, {
        hint: 'Nothing is planned from a read that does not add up. If it persists, something keeps changing the contacts (an import, another integration).',
      })
    }
    // Re-check the total (the one extra call), then read again the pages of another total.
    rechecked = true
    const fresh = await session.client.searchContacts(query, 1, 'asc')
    total = fresh.totalEntries
    for (const [key, page] of pages) if (page.total !== total) pages.delete(key)
    pages.set(keyOf(['asc', 1]), toReadPage(fresh, keep))
  }
}

/** One page, or null when it lies past the display cap (which the session then knows). */
async function fetchWithinCap(
  session: SearchSession,
  query: ContactQuery,
  [order, n]: PageRef,
): Promise<ContactPage | null> {
  try {
    const page = await session.client.searchContacts(query, n, order)
    // Apollo's other possible answer past the cap: an empty page whose total says there is more.
    if (page.items.length === 0 && (n - 1) * PAGE_SIZE < page.totalEntries && n > 1) {
      session.learnCap(n, null)
      return null
    }
    return page
  } catch (error) {
    if (!(error instanceof DisplayCapError) || n === 1) throw error
    session.learnCap(n, error.cap)
    return null
  }
}

/** Why the pages (all of one total) do not make a complete read, or null when they do. */
function findGap(
  query: ContactQuery,
  refs: readonly PageRef[],
  read: readonly ReadPage[],
  total: number,
): string | null {
  for (let i = 1; i < refs.length; i++) {
    const [order, n] = refs[i]!
    const before = read[i - 1]!.last
    const after = read[i]!.first
    if (refs[i - 1]![0] !== order || before === null || after === null) continue
    const sign = order === 'asc' ? 1 : -1
    if (sign * compareSortKeys(before, after) >= 0) {
      return `Apollo's contacts/search pages ${n - 1} and ${n} (${order === 'asc' ? 'oldest' : 'newest'} first) of ${describeQuery(query)} overlap or are out of contact_created_at order (sort_by_field ignored?)`
    }
  }
  const distinct = new Set(read.flatMap((p) => p.ids)).size
  if (distinct !== total) {
    return `Apollo counts ${total} ${describeQuery(query)} but the read returned ${distinct} distinct contacts`
  }
  return null
}

function collect(read: readonly ReadPage[]): LiveContact[] {
  const byId = new Map<string, LiveContact>()
  for (const page of read) for (const c of page.kept) if (!byId.has(c.id)) byId.set(c.id, c)
  return [...byId.values()]
}

function toReadPage(page: ContactPage, keep: (contact: LiveContact) => boolean): ReadPage {
  return {
    total: page.totalEntries,
    first: page.first,
    last: page.last,
    ids: page.items.map((c) => c.id),
    kept: page.items.filter(keep),
  }
}

function keyOf([order, n]: PageRef): string {
  return `${order}:${n}`
}

function pageNumbers(count: number): number[] {
  return Array.from({length: count}, (_, i) => i + 1)
}

function describeQuery(query: ContactQuery): string {
  if (query.sequenceIds === null) return 'contacts'
  const n = query.sequenceIds.length
  return `contacts in ${n === 1 ? `sequence ${query.sequenceIds[0]}` : `${n} sequences`}`
}

// ---------------------------------------------------------------------------------------------

/**
 * Every member of `sequenceIds` (distinct): one two-ended query over all of them, split into
 * contiguous halves (in the order given: manifest order keeps a team's overlapping campaigns
 * together) while a query has more members than both ends can reach. `probe`: page 1 of the query
 * over all of them, when already read.
 */
export async function readSweep(
  session: SearchSession,
  sequenceIds: readonly string[],
  probe?: ContactPage,
): Promise<Map<string, LiveContact>> {
  const contacts = new Map<string, LiveContact>()
  const ids = [...new Set(sequenceIds)]
  if (ids.length > 0) await readGroup(session, ids, contacts, probe)
  return contacts
}

async function readGroup(
  session: SearchSession,
  ids: readonly string[],
  into: Map<string, LiveContact>,
  probe?: ContactPage,
): Promise<void> {
  const outcome = await readQuery(session, {sequenceIds: ids}, () => true, probe)
  if (outcome.kind === 'read') {
    // A contact in sequences of two parts is listed by both: the part read later is the newer copy
    // (its contact_campaign_statuses describe Apollo after the earlier part), so it replaces the first.
    for (const c of outcome.contacts) into.set(c.id, c)
    return
  }
  if (ids.length === 1) {
    throw new IncompleteReadError(
      `Sequence ${ids[0]} has ${outcome.total} contacts, more than Apollo's search can list from both ends of its order (2 x ${session.cap}); its membership cannot be read completely`,
      {hint: 'seqsync will not plan from a truncated read. Split the sequence, or leave it unmanaged.'},
    )
  }
  const mid = Math.ceil(ids.length / 2)
  await readGroup(session, ids.slice(0, mid), into)
  await readGroup(session, ids.slice(mid), into)
}

/** Managed sequence id -> ids (sorted) of the contacts with a membership in it, from a complete read. */
export function membersOf(contacts: Iterable<LiveContact>, sequenceIds: readonly string[]): Map<string, string[]> {
  const sets = new Map<string, Set<string>>(sequenceIds.map((id) => [id, new Set<string>()]))
  for (const c of contacts) for (const m of c.memberships) sets.get(m.sequenceId)?.add(c.id)
  return new Map([...sets].map(([id, set]) => [id, [...set].sort()]))
}
