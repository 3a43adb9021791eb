import {describe, expect, it} from 'vitest'
import {lines, sequenceManifest} from '../../test/helpers/manifest-files.js'
import {sortIssues} from './issues.js'
import {parseManifest} from './parse-manifest.js'
import {toDesiredState} from './to-desired-state.js'
import type {ManifestDocument} from './types.js'
import {validateManifests} from './validate-manifests.js'

function docs(files: Record<string, string>): ManifestDocument[] {
  return Object.entries(files).flatMap(([file, text]) => {
    const parsed = parseManifest(text, file)
    expect(parsed.issues).toEqual([])
    return parsed.documents
  })
}
const seq = sequenceManifest
const list = (name: string, ...emails: string[]) =>
  lines('apiVersion: seqsync/v1', 'kind: ContactList', `name: ${name}`, 'contacts:', ...emails.map((e) => `  - ${e}`))
// In the order loadManifestFiles reports them (validateManifests returns them as found).
const show = (d: ManifestDocument[]) =>
  sortIssues(validateManifests(d)).map((i) => `${i.file}:${i.line}:${i.col} ${i.severity} ${i.code}: ${i.message}`)

describe('validateManifests', () => {
  it('accepts a clean set', () => {
    expect(
      show(
        docs({'a.yaml': seq('A', 'contacts:', '  - a@x.com', '  - list: champs'), 'l.yaml': list('champs', 'b@x.com')}),
      ),
    ).toEqual([])
  })

  it('reports two manifests for the same sequence with both locations', () => {
    const issues = validateManifests(docs({'a.yaml': seq('A'), 'b.yaml': seq('A')}))
    expect(issues).toEqual([
      {
        severity: 'error',
        file: 'b.yaml',
        line: 3,
        col: 1,
        code: 'duplicate-sequence',
        message: 'sequence "A" is already managed by the manifest at a.yaml:3:1',
        related: [
          {file: 'a.yaml', line: 3, col: 1},
          {file: 'b.yaml', line: 3, col: 1},
        ],
      },
    ])
  })

  it('compares sequence names case-sensitively', () => {
    expect(show(docs({'a.yaml': seq('A'), 'b.yaml': seq('a')}))).toEqual([])
  })

  it('reports one contact in two lists of a sequence (emails trimmed, case-insensitive)', () => {
    expect(
      show(docs({'a.yaml': seq('A', 'contacts:', '  - Jane@Acme.com', 'finished:', '  - "jane@acme.com "')})),
    ).toEqual([
      'a.yaml:9:5 error duplicate-contact: "jane@acme.com" is declared twice for sequence "A": in contacts at a.yaml:7:5 and in finished at a.yaml:9:5',
    ])
  })

  it('reports a contact twice in one list, by id, and via a ContactList', () => {
    const issues = show(
      docs({
        'a.yaml': seq('A', 'contacts:', '  - id: abc', '  - id: abc', '  - b@x.com', '  - list: champs'),
        'l.yaml': list('champs', 'B@x.com'),
      }),
    )
    expect(issues).toEqual([
      'a.yaml:8:5 error duplicate-contact: contact id abc is declared twice for sequence "A": in contacts at a.yaml:7:5 and in contacts at a.yaml:8:5',
      'a.yaml:10:5 error duplicate-contact: "B@x.com" is declared twice for sequence "A": in contacts at a.yaml:9:5 and in contacts at a.yaml:10:5 via list "champs" (l.yaml:5:5)',
    ])
  })

  it('reports unknown lists with a suggestion, duplicate list names and duplicates inside a list', () => {
    expect(
      show(
        docs({
          'a.yaml': seq('A', 'contacts:', '  - list: champ'),
          'l.yaml': list('champs', 'a@x.com', 'A@X.com'),
          'm.yaml': list('champs', 'c@x.com'),
        }),
      ),
    ).toEqual([
      'a.yaml:7:5 error unknown-list: unknown list "champ"; did you mean "champs"?',
      'l.yaml:6:5 error duplicate-contact: "A@X.com" is listed twice in ContactList "champs" (also at l.yaml:5:5)',
      'm.yaml:3:7 error duplicate-list: ContactList "champs" is already declared at l.yaml:3:7',
    ])
  })

  it('warns when a contact is in contacts of two sequences and the second does not allow it', () => {
    const files = {'a.yaml': seq('A', 'contacts:', '  - a@x.com'), 'b.yaml': seq('B', 'contacts:', '  - A@x.com')}
    expect(show(docs(files))).toEqual([
      'b.yaml:7:5 warning active-in-other-sequence: "A@x.com" is also in contacts of sequence "A" (a.yaml:7:5); Apollo will skip adding it here while it is active there unless enroll.activeInOtherSequences is true',
    ])
    const allowed = {
      ...files,
      'b.yaml': seq('B', 'enroll:', '  activeInOtherSequences: true', 'contacts:', '  - A@x.com'),
    }
    expect(show(docs(allowed))).toEqual([])
  })

  it('warns when prune is not none and contacts is empty', () => {
    expect(show(docs({'a.yaml': seq('A', 'prune: remove', 'finished:', '  - a@x.com')}))).toEqual([
      'a.yaml:6:1 warning prune-empty: prune: remove with an empty contacts list will remove every live member of sequence "A"',
    ])
    expect(show(docs({'a.yaml': seq('A', 'prune: none')}))).toEqual([])
  })
})

describe('toDesiredState', () => {
  it('expands lists, normalises emails, keeps display and sources, orders sequences by file', () => {
    const desired = toDesiredState(
      docs({
        'b.yaml': seq(
          'B',
          'contacts:',
          '  - list: champs',
          '  - email: " Raj@Globex.com"',
          '    firstName: Raj',
          'removed:',
          '  - id: abc',
        ),
        'a.yaml': seq('A', 'prune: stop', 'enroll:', '  noEmail: true'),
        'l.yaml': list('champs', 'Ana@Umbrella.com'),
      }),
    )
    expect(desired.sequences.map((s) => s.selector)).toEqual([{name: 'A'}, {name: 'B'}])
    const [a, b] = desired.sequences
    expect(a).toMatchObject({
      prune: 'stop',
      missingContacts: 'error',
      mailbox: 'sdr@acme.com',
      source: {file: 'a.yaml', line: 3, col: 1},
    })
    expect(a!.enroll).toEqual({
      noEmail: true,
      unverifiedEmail: false,
      jobChange: false,
      activeInOtherSequences: false,
      finishedInOtherSequences: false,
      sameCompany: false,
    })
    expect(b!.entries).toEqual([
      {
        ref: {kind: 'email', email: 'ana@umbrella.com', display: 'Ana@Umbrella.com'},
        list: 'contacts',
        source: {file: 'l.yaml', line: 5, col: 5},
        viaList: {name: 'champs', source: {file: 'b.yaml', line: 7, col: 5}},
      },
      {
        ref: {kind: 'email', email: 'raj@globex.com', display: 'Raj@Globex.com', details: {firstName: 'Raj'}},
        list: 'contacts',
        source: {file: 'b.yaml', line: 8, col: 5},
      },
      {ref: {kind: 'id', id: 'abc'}, list: 'removed', source: {file: 'b.yaml', line: 11, col: 5}},
    ])
  })

  it('selects by id when the manifest pins an id', () => {
    const text = lines(
      'apiVersion: seqsync/v1',
      'kind: SequenceMembership',
      'sequence:',
      '  id: 66f0c1e2a4b5c6d7e8f90123',
      'mailbox: m@x.com',
    )
    expect(toDesiredState(docs({'a.yaml': text})).sequences[0]!.selector).toEqual({id: '66f0c1e2a4b5c6d7e8f90123'})
  })
})
