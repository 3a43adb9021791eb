// Pure: validated manifest documents -> DesiredState (list references expanded, emails normalised).
import type {ContactRef, DesiredEntry, DesiredSequence, DesiredState} from '../model/state.js'
import {normalizeEmail} from '../model/state.js'
import {expandSequence} from './expand-sequence.js'
import type {ManifestEntry, ManifestDocument} from './types.js'
import {indexContactLists} from './validate-manifests.js'

function toContactRef(entry: ManifestEntry): ContactRef | null {
  switch (entry.ref.kind) {
    case 'email': {
      const display = entry.ref.email.trim()
      const email = normalizeEmail(entry.ref.email)
      return entry.ref.details
        ? {kind: 'email', email, display, details: entry.ref.details}
        : {kind: 'email', email, display}
    }
    case 'id':
      return {kind: 'id', id: entry.ref.id}
    case 'list':
      return null
  }
}

function compareSource(a: DesiredSequence, b: DesiredSequence): number {
  const fa = a.source.file
  const fb = b.source.file
  return (fa < fb ? -1 : fa > fb ? 1 : 0) || a.source.line - b.source.line || a.source.col - b.source.col
}

/** Assumes `validateManifests(documents)` reported no error (unknown lists are dropped, duplicates kept). */
export function toDesiredState(documents: readonly ManifestDocument[]): DesiredState {
  const {lists} = indexContactLists(documents)
  const sequences: DesiredSequence[] = []
  for (const doc of documents) {
    if (doc.kind !== 'SequenceMembership') continue
    const entries: DesiredEntry[] = []
    for (const expanded of expandSequence(doc, lists).entries) {
      const ref = toContactRef(expanded.entry)
      if (!ref) continue
      entries.push(
        expanded.via
          ? {ref, list: expanded.list, source: expanded.entry.source, viaList: expanded.via}
          : {ref, list: expanded.list, source: expanded.entry.source},
      )
    }
    sequences.push({
      selector: doc.sequence,
      source: doc.sequenceSource,
      mailbox: doc.mailbox,
      mailboxSource: doc.mailboxSource,
      prune: doc.prune,
      missingContacts: doc.missingContacts,
      enroll: doc.enroll,
      entries,
    })
  }
  return {sequences: sequences.sort(compareSource)}
}
