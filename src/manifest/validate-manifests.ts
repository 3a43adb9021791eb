// Pure: cross-document rules over every parsed manifest of a run (duplicates, unknown lists, warnings).
import type {Issue} from '../errors.js'
import type {SourceRef} from '../model/state.js'
import {describeSelector, formatSourceRef, selectorKey} from '../model/state.js'
import type {ExpandedEntry} from './expand-sequence.js'
import {contactKey, expandSequence, sequenceSideSource} from './expand-sequence.js'
import {suggest} from './issues.js'
import type {ContactListDocument, ManifestDocument, SequenceMembershipDocument} from './types.js'

function display(entry: ExpandedEntry['entry']): string {
  switch (entry.ref.kind) {
    case 'email':
      return JSON.stringify(entry.ref.email.trim())
    case 'id':
      return `contact id ${entry.ref.id}`
    case 'list':
      return `list ${entry.ref.name}`
  }
}

function where(entry: ExpandedEntry): string {
  const via = entry.via ? ` via list ${JSON.stringify(entry.via.name)} (${formatSourceRef(entry.entry.source)})` : ''
  return `in ${entry.list} at ${formatSourceRef(sequenceSideSource(entry))}${via}`
}

function issue(
  severity: Issue['severity'],
  at: SourceRef,
  code: string,
  message: string,
  related?: readonly SourceRef[],
): Issue {
  return related ? {severity, ...at, code, message, related} : {severity, ...at, code, message}
}

/** Index of ContactLists by name (first declaration wins), plus duplicate-name and in-list duplicate issues. */
export function indexContactLists(documents: readonly ManifestDocument[]): {
  lists: Map<string, ContactListDocument>
  issues: Issue[]
} {
  const lists = new Map<string, ContactListDocument>()
  const issues: Issue[] = []
  for (const doc of documents) {
    if (doc.kind !== 'ContactList') continue
    const first = lists.get(doc.name)
    if (first) {
      issues.push(
        issue(
          'error',
          doc.nameSource,
          'duplicate-list',
          `ContactList ${JSON.stringify(doc.name)} is already declared at ${formatSourceRef(first.nameSource)}`,
          [first.nameSource, doc.nameSource],
        ),
      )
      continue
    }
    lists.set(doc.name, doc)
    const seen = new Map<string, SourceRef>()
    for (const entry of doc.contacts) {
      const key = contactKey(entry)
      if (key === null) continue
      const prior = seen.get(key)
      if (prior) {
        issues.push(
          issue(
            'error',
            entry.source,
            'duplicate-contact',
            `${display(entry)} is listed twice in ContactList ${JSON.stringify(doc.name)} (also at ${formatSourceRef(prior)})`,
            [prior, entry.source],
          ),
        )
      } else seen.set(key, entry.source)
    }
  }
  return {lists, issues}
}

/**
 * The rules across documents. `brokenLists` names ContactLists left out of `documents` (broken YAML,
 * a secret; their errors are reported): a reference to one is not also an unknown list. Issues
 * come in the order found: loadManifestFiles sorts all of a run's issues once.
 */
export function validateManifests(
  documents: readonly ManifestDocument[],
  brokenLists: ReadonlySet<string> = new Set(),
): Issue[] {
  const {lists, issues} = indexContactLists(documents)
  const sequences = documents.filter((d): d is SequenceMembershipDocument => d.kind === 'SequenceMembership')
  const declared = new Map<string, SequenceMembershipDocument>()
  /** contact key -> first sequence declaring it in `contacts`. */
  const activeIn = new Map<string, {doc: SequenceMembershipDocument; entry: ExpandedEntry}>()
  for (const doc of sequences) {
    const name = describeSelector(doc.sequence)
    const key = selectorKey(doc.sequence)
    const first = declared.get(key)
    if (first) {
      issues.push(
        issue(
          'error',
          doc.sequenceSource,
          'duplicate-sequence',
          `sequence ${name} is already managed by the manifest at ${formatSourceRef(first.sequenceSource)}`,
          [first.sequenceSource, doc.sequenceSource],
        ),
      )
      continue
    }
    declared.set(key, doc)
    const {entries, problems} = expandSequence(doc, lists)
    for (const problem of problems) {
      if (problem.kind === 'unknown-list') {
        if (brokenLists.has(problem.name)) continue
        const hint = suggest(problem.name, [...lists.keys()])
        issues.push(
          issue(
            'error',
            problem.source,
            'unknown-list',
            `unknown list ${JSON.stringify(problem.name)}${hint ? `; did you mean ${JSON.stringify(hint)}?` : ''}`,
          ),
        )
      } else {
        issues.push(
          issue(
            'error',
            problem.source,
            'duplicate-contact',
            `list ${JSON.stringify(problem.name)} is referenced twice for sequence ${name} (also at ${formatSourceRef(problem.first!)})`,
            [problem.first!, problem.source],
          ),
        )
      }
    }
    const seen = new Map<string, ExpandedEntry>()
    let enrolled = 0
    for (const entry of entries) {
      const contact = contactKey(entry.entry)
      if (contact === null) continue
      if (entry.list === 'contacts') enrolled++
      const prior = seen.get(contact)
      if (prior) {
        const at = sequenceSideSource(entry)
        issues.push(
          issue(
            'error',
            at,
            'duplicate-contact',
            `${display(entry.entry)} is declared twice for sequence ${name}: ${where(prior)} and ${where(entry)}`,
            [prior.entry.source, entry.entry.source],
          ),
        )
        continue
      }
      seen.set(contact, entry)
      if (entry.list !== 'contacts') continue
      const other = activeIn.get(contact)
      if (!other) activeIn.set(contact, {doc, entry})
      else if (!doc.enroll.activeInOtherSequences) {
        issues.push(
          issue(
            'warning',
            sequenceSideSource(entry),
            'active-in-other-sequence',
            `${display(entry.entry)} is also in contacts of sequence ${describeSelector(other.doc.sequence)} (${formatSourceRef(sequenceSideSource(other.entry))}); Apollo will skip adding it here while it is active there unless enroll.activeInOtherSequences is true`,
            [sequenceSideSource(other.entry), sequenceSideSource(entry)],
          ),
        )
      }
    }
    if (doc.prune !== 'none' && enrolled === 0) {
      issues.push(
        issue(
          'warning',
          doc.pruneSource ?? doc.sequenceSource,
          'prune-empty',
          `prune: ${doc.prune} with an empty contacts list will ${doc.prune} every live member of sequence ${name}`,
        ),
      )
    }
  }
  return issues
}
