import {describe, expect, it} from 'vitest'
import {sortIssues} from './issues.js'
import {brokenAt, mayBeSeqsyncManifest, parseManifest} from './parse-manifest.js'

const lines = (...l: string[]) => l.join('\n') + '\n'
// In the order loadManifestFiles reports them (parseManifest returns them as found).
const at = (text: string) =>
  sortIssues(parseManifest(text, 'm.yaml').issues).map(
    (i) => `${i.line}:${i.col} ${i.severity} ${i.code}: ${i.message}`,
  )

const HEADER = [
  'apiVersion: seqsync/v1',
  'kind: SequenceMembership',
  'sequence:',
  '  name: Q4',
  'mailbox: sdr@acme.com',
]

describe('parseManifest', () => {
  it('parses a valid SequenceMembership with every entry form and keeps positions', () => {
    const {documents, issues} = parseManifest(
      lines(
        ...HEADER,
        'prune: finish',
        'contacts:',
        '  - jane@acme.com',
        '  - email: raj@globex.com',
        '    firstName: Raj',
        '  - id: 5f0d9de3a1b2c3d4e5f60718',
        '  - list: champs',
        'removed:',
        '  - eve@hooli.com',
      ),
      'm.yaml',
    )
    expect(issues).toEqual([])
    const doc = documents[0]!
    expect(doc.kind).toBe('SequenceMembership')
    if (doc.kind !== 'SequenceMembership') return
    expect(doc.sequence).toEqual({name: 'Q4'})
    expect(doc.sequenceSource).toEqual({file: 'm.yaml', line: 3, col: 1})
    expect(doc.prune).toBe('finish')
    expect(doc.pruneSource).toEqual({file: 'm.yaml', line: 6, col: 1})
    expect(doc.missingContacts).toBe('error')
    expect(doc.enroll.activeInOtherSequences).toBe(false)
    expect(doc.lists.contacts.map((e) => [e.ref, e.source.line, e.source.col])).toEqual([
      [{kind: 'email', email: 'jane@acme.com'}, 8, 5],
      [{kind: 'email', email: 'raj@globex.com', details: {firstName: 'Raj'}}, 9, 5],
      [{kind: 'id', id: '5f0d9de3a1b2c3d4e5f60718'}, 11, 5],
      [{kind: 'list', name: 'champs'}, 12, 5],
    ])
    expect(doc.lists.removed).toHaveLength(1)
  })

  it('reports a YAML syntax error at its position', () => {
    expect(at(lines('apiVersion: seqsync/v1', 'kind: [ContactList', 'name: x'))).toEqual([
      expect.stringMatching(/^3:1 error yaml-syntax: YAML syntax error: /),
    ])
  })

  it('reports a duplicate key at the second key', () => {
    expect(at(lines('apiVersion: seqsync/v1', 'kind: ContactList', 'name: a', 'name: b'))).toEqual([
      '4:1 error duplicate-key: duplicate key: map keys must be unique',
    ])
  })

  it('refuses aliases (alias bombs never expand)', () => {
    const bomb = lines(
      'a: &a ["x","x","x","x","x","x","x","x","x"]',
      'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]',
      'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]',
    )
    const issues = at(bomb)
    expect(issues[0]).toBe(
      '2:8 error yaml-alias: YAML aliases (*name) are not allowed in seqsync files; write the value out',
    )
    expect(issues).toHaveLength(18)
  })

  it('refuses absurd nesting without crashing', () => {
    expect(at('a: ' + '['.repeat(50_000))).toEqual([
      expect.stringMatching(/^1:36 error too-deep: nesting deeper than 32/),
    ])
  })

  it('points unknown keys at the key, with a suggestion', () => {
    expect(at(lines(...HEADER, 'contact:', '  - a@b.com'))).toEqual([
      '6:1 error unknown-key: unknown key "contact"; did you mean "contacts"?',
    ])
  })

  it('points missing required keys at the parent map', () => {
    expect(
      at(lines('apiVersion: seqsync/v1', 'kind: SequenceMembership', 'mailbox: x@y.com', 'contacts:', '  - {}')),
    ).toEqual([
      '1:1 error missing-key: missing required key "sequence"',
      '5:5 error missing-key: contacts[0]: missing required key "email"',
    ])
  })

  it('reports type, enum and sequence selector errors at the value', () => {
    expect(
      at(
        lines(
          'apiVersion: seqsync/v1',
          'kind: SequenceMembership',
          'sequence:',
          '  name: Q4',
          '  id: abc',
          'mailbox: sdr@acme.com',
          'prune: sometimes',
          'enroll:',
          '  noEmail: yes',
          'contacts:',
          '  - 3',
        ),
      ),
    ).toEqual([
      '4:3 error schema: sequence must have exactly one of "name" or "id"',
      '7:8 error schema: prune must be one of none, remove, finish, stop (got "sometimes")',
      '9:12 error schema: enroll.noEmail must be true or false',
      '11:5 error schema: contacts[0] must be a string or a mapping: YAML reads this unquoted value as a number; put it in quotes',
    ])
  })

  it('explains that an unquoted all-digit or exponent-looking id was read as a number', () => {
    expect(
      at(
        lines(
          'apiVersion: seqsync/v1',
          'kind: SequenceMembership',
          'sequence:',
          '  id: 5e9000000000000000000001',
          'mailbox: sdr@acme.com',
          'contacts:',
          '  - id: "123456789012345678901234"',
          '  - id: 123456789012345678901234',
        ),
      ),
    ).toEqual([
      '4:7 error schema: sequence.id must be a string: YAML reads this unquoted value as a number; put it in quotes',
      '8:9 error schema: contacts[1].id must be a string: YAML reads this unquoted value as a number; put it in quotes',
    ])
  })

  it('reports malformed emails in strings and objects', () => {
    expect(at(lines(...HEADER, 'contacts:', '  - jane@acme', '  - email: "raj at globex.com"'))).toEqual([
      '7:5 error invalid-email: malformed email "jane@acme"',
      '8:12 error invalid-email: malformed email "raj at globex.com"',
    ])
  })

  it('rejects mixed entry forms, pointing at the extra key', () => {
    expect(at(lines(...HEADER, 'contacts:', '  - id: abc', '    email: a@b.com'))).toEqual([
      '8:5 error unknown-key: unknown key "email" in contacts[0]; allowed: id',
    ])
  })

  it('reports unknown apiVersion and kind with a hint, and skips schema checks', () => {
    expect(at(lines('apiVersion: seqsync/v2', 'kind: ContactLst', 'whatever: 1'))).toEqual([
      '1:13 error unknown-api-version: unknown apiVersion "seqsync/v2"; did you mean seqsync/v1?',
      '2:7 error unknown-kind: unknown kind "ContactLst"; did you mean ContactList?',
    ])
    expect(at(lines('kind: ContactList', 'name: x'))).toEqual([
      '1:1 error missing-key: missing required key "apiVersion" (use seqsync/v1)',
    ])
  })

  it('reports secrets without echoing them', () => {
    const secret = 'Xy7kPq2LmN9vRt4WzA8bC3dE'
    const issues = parseManifest(
      lines(...HEADER, `apiKey: ${secret}`, 'contacts:', `  - email: a@b.com`, `    title: ${secret}`),
      'm.yaml',
    ).issues
    expect(issues.map((i) => `${i.line}:${i.col} ${i.code}`)).toEqual(['6:1 secret', '9:12 secret'])
    expect(JSON.stringify(issues)).not.toContain(secret)
    expect(parseManifest(lines(...HEADER, `apiKey: ${secret}`), 'm.yaml').documents).toEqual([])
  })

  it('names the ContactLists it leaves out (broken YAML, a secret), so that references to them are not unknown', () => {
    const list = (name: string, ...rest: string[]) =>
      lines('apiVersion: seqsync/v1', 'kind: ContactList', `name: ${name}`, ...rest)
    const secret = 'Xy7kPq2LmN9v' + 'Rt4WzA8bC3dE'
    const parsed = parseManifest(
      [list('yaml-broken', 'contacts: [a@b.com'), list('with-secret', `token: ${secret}`), list('fine')].join('---\n'),
      'm.yaml',
    )
    expect(parsed.brokenLists).toEqual(['with-secret', 'yaml-broken'])
    expect(parsed.documents).toMatchObject([{kind: 'ContactList', name: 'fine'}])
  })

  it('reports a nested list in a ContactList plainly', () => {
    expect(
      at(lines('apiVersion: seqsync/v1', 'kind: ContactList', 'name: x', 'contacts:', '  - a@b.com', '  - list: y')),
    ).toEqual(['6:5 error nested-list: a ContactList cannot reference another list; list its contacts instead'])
  })

  it('treats an empty file as a warning and skips empty documents', () => {
    expect(at('')).toEqual(['1:1 warning empty-file: file contains no YAML documents'])
    expect(at('# only a comment\n')).toEqual(['1:1 warning empty-file: file contains no YAML documents'])
    expect(
      parseManifest(lines('---', 'apiVersion: seqsync/v1', 'kind: ContactList', 'name: x', '---'), 'm.yaml'),
    ).toMatchObject({issues: [], documents: [{kind: 'ContactList', name: 'x'}]})
  })

  it('reports every error of every document, in each document', () => {
    const issues = at(
      lines(
        'apiVersion: seqsync/v1',
        'kind: ContactList',
        'nme: x',
        '---',
        'apiVersion: seqsync/v1',
        'kind: ContactList',
        'name: ""',
      ),
    )
    expect(issues).toEqual([
      '1:1 error missing-key: missing required key "name"',
      '3:1 error unknown-key: unknown key "nme"; did you mean "name"?',
      '7:7 error schema: name must not be empty',
    ])
  })

  it('rejects a document that is not a mapping', () => {
    expect(at('- a\n- b\n')).toEqual(['1:1 error schema: a document must be a mapping with apiVersion and kind'])
  })
})

describe('mayBeSeqsyncManifest (what a directory walk validates)', () => {
  it.each([
    ['apiVersion: seqsync/v1\nkind: SequenceMembership\n', true],
    ['apiVersion: seqsynk/v1\nkind: SequenceMembership\n', true], // one typo: still validated and reported
    ['apiVersion: seqsync/v1\nkind: Nope\n', true],
    ['kind: [\n', true], // broken YAML in the kind line: validated (and reported)
    ['kind: "ContactList"\nname: x\n', true],
    ['on: pull_request\njobs:\n  plan:\n    secrets: inherit\n', false], // a workflow
    ['services:\n  emulator:\n    image: node:20\n', false], // docker-compose
    ['apiVersion: apps/v1\nkind: Deployment # web\nmetadata:\n  name: web\n', false], // Kubernetes
    ['manifests: ["sequences/**/*.yaml"]\n', false], // the config file
  ])('%j -> %s', (text, expected) => {
    expect(mayBeSeqsyncManifest(text)).toBe(expected)
  })
})

describe('which entries have schema errors (brokenAt)', () => {
  it('answers each entry in constant work: errors are read once, not once per entry', () => {
    const n = 20_000
    const errors = Array.from({length: n}, (_, i) => ({instancePath: `/contacts/${i}/email`}))
    let reads = 0
    const counted = new Proxy(errors, {
      get(target, key, receiver) {
        if (typeof key === 'string' && /^\d+$/.test(key)) reads++
        return Reflect.get(target, key, receiver) as unknown
      },
    })
    const broken = brokenAt(counted)
    for (let i = 0; i < n; i++) expect(broken(`/contacts/${i}`)).toBe(true)
    expect(broken(`/contacts/${n}`)).toBe(false)
    expect(broken('/contacts')).toBe(true)
    expect(broken('/contact')).toBe(false)
    expect(broken('/contacts/1/email')).toBe(true)
    expect(broken('/contacts/1/e')).toBe(false)
    expect(reads).toBeLessThanOrEqual(n)
  })

  it('a large list with an error on every entry still reports each and keeps none', () => {
    const bad = Array.from({length: 5_000}, (_, i) => `  - not-an-email-${i}`)
    const parsed = parseManifest(lines(...HEADER, 'contacts:', ...bad), 'm.yaml')
    expect(parsed.issues.filter((i) => i.severity === 'error')).toHaveLength(5_000)
    const [doc] = parsed.documents
    expect(doc?.kind === 'SequenceMembership' ? doc.lists.contacts : null).toEqual([])
  })
})
