// One contacts/search query read completely, or not at all: the two-ended read of read-strategy.ts,
// checked page by page (the parser) and across pages (here), around the display cap Apollo really
// enforces, and across live changes during the read. Also the member sweep built on it.
//
// Fail closed: every page's total_entries must agree with the first, the pages of each half must
// chain in contact_created_at order, and the distinct contacts read must equal total_entries. A read
// from both ends then reads page 1 of each end again (END_CHECK_CALLS): both must list what the read
// got there. When anything does not hold (a contact created, deleted, joining or leaving mid-read
// shifts the pages), the total is re-checked with one call, the pages that provably did not move
// stay read (those read under the new total; the ascending prefix read before the change when page
// 1 and the prefix's last page, read again, are unchanged) and the rest are read again, up to
// MAX_RECHECKS times; then the read fails ("live state changed during the read; run again").
//
// Residual risk: Apollo offers no snapshot, so a read is a series of page answers. A change that
// leaves the total as it was (one contact leaves, another joins) between two page answers, away from
// both ends, can shift one page boundary so that one contact is read twice or not at all; the
// distinct count catches the first, the page chaining the second only when the boundary keys say so.
// Both ends again catch it at the ends (where new contacts arrive, where the read began); a read from
// one end only (up to the display cap, the common case) has no end check, since it would cost 2 calls
// per query. What remains: a membership that changed during the read in the middle of it, which the
// next plan reads as it is (plans converge), and apply's stale check re-reads before writing.

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
  const fetchInto = async (ref: PageRef): Promise<void> => {
    const page = await fetchWithinCap(session, query, ref)
    if (page !== null) pages.set(keyOf(ref), toReadPage(page, keep))
  }
  for (let rechecks = 0; ; rechecks++) {
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
    if (session.cap < capBefore) {
      rechecks--
      continue // re-plan around the cap Apollo showed; what was read stays
    }
    // Then a few workers (the client bounds what is in flight), each taking the next page in
    // order and skipping what a cap learned meanwhile puts out of reach.
    const queue = missing.filter((ref) => !farthest.includes(ref))
    const worker = async (): Promise<void> => {
      for (let ref = queue.shift(); ref !== undefined; ref = queue.shift()) {
        if (ref[1] <= reachablePages(session.cap)) await fetchInto(ref)
      }
    }
    await Promise.all(Array.from({length: Math.min(PAGE_WORKERS, queue.length)}, worker))
    if (session.cap < capBefore) {
      rechecks--
      continue
    }
    const read = wanted.map((ref) => pages.get(keyOf(ref))!)
    let problem = read.some((p) => p.total !== total)
      ? `Apollo's count of ${describeQuery(query)} changed from ${total} to ${read.find((p) => p.total !== total)?.total} during the read`
      : findGap(query, wanted, read, total)
    let fresh: {asc: ContactPage; desc: ContactPage | null} | null = null
    if (problem === null && plan.desc > 0) {
      // Both ends once more (2 calls): a contact that left and another that joined between two page
      // answers leave the total as it was and can shift a page boundary unseen; at either end
      // (where new contacts arrive, where the read began) such a move shows here.
      const [asc, desc] = await Promise.all([
        session.client.searchContacts(query, 1, 'asc'),
        session.client.searchContacts(query, 1, 'desc'),
      ])
      if (
        sameRecords(asc, pages.get(keyOf(['asc', 1])), total) &&
        sameRecords(desc, pages.get(keyOf(['desc', 1])), total)
      ) {
        return {kind: 'read', total, contacts: collect(read)}
      }
      problem = `Apollo's first or last page of ${describeQuery(query)} changed during the read`
      fresh = {asc, desc}
    }
    if (problem === null) return {kind: 'read', total, contacts: collect(read)}
    if (rechecks >= MAX_RECHECKS) {
      throw new IncompleteReadError(
        `${problem}, and again on each of ${MAX_RECHECKS} re-checks: live state changed during the read; run again`,
        {
          hint: 'Nothing is planned from a read that does not add up. If it persists, something keeps changing the contacts (an import, another integration).',
        },
      )
    }
    // Re-check the total (one extra call), keep what is still valid and read the rest again.
    fresh ??= {asc: await session.client.searchContacts(query, 1, 'asc'), desc: null}
    const before = total
    total = fresh.asc.totalEntries
    await keepValid(session, query, pages, fresh.asc, before, keep)
    if (fresh.desc !== null && fresh.desc.totalEntries === total)
      pages.set(keyOf(['desc', 1]), toReadPage(fresh.desc, keep))
  }
}

/** Times a read that does not add up is re-checked and read again before it fails closed. */
export const MAX_RECHECKS = 3

/**
 * After a change seen mid-read, with `fresh` page 1 (ascending) of the query as it is now: keeps the
 * pages read under its total when that differs from the total `before` (they were read after the
 * change), and the ascending prefix read before the change when it provably did not move (page 1
 * and the prefix's last page, read again, list the same contacts: nothing joined or left before its
 * end, short of one of each cancelling out inside it); drops the rest.
 */
async function keepValid(
  session: SearchSession,
  query: ContactQuery,
  pages: Map<string, ReadPage>,
  fresh: ContactPage,
  before: number,
  keep: (contact: LiveContact) => boolean,
): Promise<void> {
  const total = fresh.totalEntries
  // Under an unchanged total nothing tells a page read before the move from one read after it.
  const readAfter = (page: ReadPage): boolean => total !== before && page.total === total
  let prefix = 0
  for (let page = pages.get(keyOf(['asc', 1])); page !== undefined && !readAfter(page);) {
    prefix++
    page = pages.get(keyOf(['asc', prefix + 1]))
  }
  // Re-reading the prefix's last page costs one call: worth it from three pages on (page 1 is fresh).
  let valid = prefix >= 3 && sameRecords(fresh, pages.get(keyOf(['asc', 1])), null)
  let last: ContactPage | null = null
  if (valid) {
    last = await fetchWithinCap(session, query, ['asc', prefix])
    valid = last !== null && last.totalEntries === total && sameRecords(last, pages.get(keyOf(['asc', prefix])), null)
  }
  for (const [key, page] of pages) {
    if (readAfter(page)) continue
    if (valid && key.startsWith('asc:') && Number(key.slice('asc:'.length)) <= prefix) pages.set(key, {...page, total})
    else pages.delete(key)
  }
  pages.set(keyOf(['asc', 1]), toReadPage(fresh, keep))
}

/** Whether `page` lists the same contacts as `seen` (and, when `total` is given, under that total). */
function sameRecords(page: ContactPage, seen: ReadPage | undefined, total: number | null): boolean {
  if (seen === undefined || (total !== null && page.totalEntries !== total)) return false
  const ids = page.items.map((c) => c.id)
  return ids.length === seen.ids.length && ids.every((id, i) => id === seen.ids[i])
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
