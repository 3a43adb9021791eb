// Which Apollo sequences the manifests mean: `emailer_campaigns/search` (the whole list, or one
// q_name search per name when that costs fewer pages) and `GET /emailer_campaigns/{id}` for ids the
// search does not list (archived sequences).

import type {LiveSequence, SequenceSelector} from '../model/state.js'
import {selectorKey} from '../model/state.js'
import {DISPLAY_CAP, pageCount, pagesToRead} from './limits.js'
import type {ApolloClient, Page} from './types.js'

function pagesFor(page: Page<unknown>): number {
  // total_entries is what the completeness check trusts; never go past the display cap.
  return Math.min(pagesToRead(page), pageCount(DISPLAY_CAP))
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

/**
 * The sequences each selector names (keyed by selectorKey; an empty list: not found), at minimum
 * cost: the sequence list (one page per 100 sequences) when that is cheaper than one search per
 * name, then one look-up per id the list did not show (archived sequences are not listed).
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
