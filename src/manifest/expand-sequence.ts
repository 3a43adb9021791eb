// Pure: a SequenceMembership's entries with `list:` references expanded (shared by validation and toDesiredState).
import type {DesiredList, SourceRef} from '../model/state.js'
import {normalizeEmail} from '../model/state.js'
import type {ContactListDocument, ManifestEntry, SequenceMembershipDocument} from './types.js'
import {DESIRED_LISTS} from './types.js'

export interface ExpandedEntry {
  readonly list: DesiredList
  /** The contact entry (for a list expansion: the ContactList item). */
  readonly entry: ManifestEntry
  /** The `list:` reference in the sequence, when the entry came from a ContactList. */
  readonly via?: {readonly name: string; readonly source: SourceRef}
}

export interface ListReferenceProblem {
  readonly kind: 'unknown-list' | 'repeated-list'
  readonly name: string
  readonly source: SourceRef
  /** For repeated-list: the first reference. */
  readonly first?: SourceRef
}

/** Identity used to compare contacts offline: normalised email or exact id. */
export function contactKey(entry: ManifestEntry): string | null {
  switch (entry.ref.kind) {
    case 'email':
      return `email:${normalizeEmail(entry.ref.email)}`
    case 'id':
      return `id:${entry.ref.id}`
    case 'list':
      return null
  }
}

export function expandSequence(
  doc: SequenceMembershipDocument,
  lists: ReadonlyMap<string, ContactListDocument>,
): {entries: ExpandedEntry[]; problems: ListReferenceProblem[]} {
  const entries: ExpandedEntry[] = []
  const problems: ListReferenceProblem[] = []
  const referenced = new Map<string, SourceRef>()
  for (const list of DESIRED_LISTS) {
    for (const entry of doc.lists[list]) {
      if (entry.ref.kind !== 'list') {
        entries.push({list, entry})
        continue
      }
      const name = entry.ref.name
      const contactList = lists.get(name)
      if (!contactList) {
        problems.push({kind: 'unknown-list', name, source: entry.source})
        continue
      }
      const first = referenced.get(name)
      if (first) {
        problems.push({kind: 'repeated-list', name, source: entry.source, first})
        continue
      }
      referenced.set(name, entry.source)
      for (const item of contactList.contacts) entries.push({list, entry: item, via: {name, source: entry.source}})
    }
  }
  return {entries, problems}
}

/** Where an expanded entry is declared from the sequence's point of view (the `list:` reference for expansions). */
export function sequenceSideSource(entry: ExpandedEntry): SourceRef {
  return entry.via?.source ?? entry.entry.source
}
