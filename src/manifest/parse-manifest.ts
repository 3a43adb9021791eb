// Pure: one manifest file's text -> typed documents with positions, and every issue found in it.
import {isMap, isPair, isScalar, isSeq} from 'yaml'
import type {Document, LineCounter, Node, YAMLMap} from 'yaml'
import type {Issue} from '../errors.js'
import {DEFAULT_ENROLL} from '../model/state.js'
import type {
  ContactDetails,
  DesiredList,
  EnrollSwitches,
  MissingContactsMode,
  PruneMode,
  PruneScope,
  SourceRef,
} from '../model/state.js'
import {suggest} from './issues.js'
import {parseYaml} from './parse-yaml.js'
import {emailString, manifestSchema} from './schema.js'
import {findSecrets, quoteValue} from './secrets.js'
import {DESIRED_LISTS} from './types.js'
import type {ManifestDocument, ManifestEntry} from './types.js'
import {describeSchemaErrors, findNode, findSchemaErrors} from './validate-schema.js'

export const API_VERSION = 'seqsync/v1'
export const KINDS = ['SequenceMembership', 'ContactList'] as const
type Kind = (typeof KINDS)[number]

const SEQSYNC_API_VERSION = /^[ \t]*["']?apiVersion["']?[ \t]*:[ \t]*["']?seqsync\//m
const TOP_LEVEL_KIND = /^["']?kind["']?[ \t]*:(.*)$/gm
const FOREIGN_KIND = /^[ \t]*["']?([A-Za-z][\w.-]*)["']?[ \t]*(?:#.*)?$/
const SEQSYNC_KINDS: ReadonlySet<string> = new Set(['SequenceMembership', 'ContactList'])

/**
 * False for YAML that is plainly not a seqsync document (a CI workflow, docker-compose.yml, the config
 * file, a Kubernetes manifest): no `apiVersion: seqsync/...`, and no top-level `kind` other than a
 * plain name that is not a seqsync kind (`kind: Deployment`). A text test, so that a seqsync manifest
 * with a syntax error (`kind: [`, a typo in `apiVersion`) is still recognised and reported.
 */
export function mayBeSeqsyncManifest(text: string): boolean {
  if (SEQSYNC_API_VERSION.test(text)) return true
  for (const [, value = ''] of text.matchAll(TOP_LEVEL_KIND)) {
    const foreign = FOREIGN_KIND.exec(value)
    if (foreign === null || SEQSYNC_KINDS.has(foreign[1] ?? '')) return true
  }
  return false
}

/** Whether a manifest accepts `value` as an email (the schema's own check). */
export function isManifestEmail(value: string): boolean {
  return findSchemaErrors(emailString, value).length === 0
}

export interface ParsedManifest {
  readonly documents: readonly ManifestDocument[]
  /** ContactLists left out of `documents` (broken YAML, a secret): a reference to one is not an unknown list. */
  readonly brokenLists: readonly string[]
  readonly issues: readonly Issue[]
}

function refAt(file: string, lineCounter: LineCounter, node: Node | null | undefined): SourceRef {
  const {line, col} = lineCounter.linePos(node?.range?.[0] ?? 0)
  return {file, line, col}
}

/** Checks apiVersion and kind (reporting both); returns the kind when it is known. */
function checkHeader(map: YAMLMap, lineCounter: LineCounter, file: string, issues: Issue[]): Kind | null {
  const pairOf = (key: string) => map.items.find((p) => isPair(p) && isScalar(p.key) && p.key.value === key)
  const mapRef = refAt(file, lineCounter, map)
  const apiVersion = pairOf('apiVersion')
  if (!apiVersion) {
    issues.push({
      ...mapRef,
      severity: 'error',
      code: 'missing-key',
      message: `missing required key "apiVersion" (use ${API_VERSION})`,
    })
  } else {
    const value = isScalar(apiVersion.value) ? apiVersion.value.value : undefined
    if (value !== API_VERSION) {
      issues.push({
        ...refAt(file, lineCounter, (apiVersion.value as Node | null) ?? (apiVersion.key as Node)),
        severity: 'error',
        code: 'unknown-api-version',
        message: `unknown apiVersion ${quoteValue(value ?? null)}; did you mean ${API_VERSION}?`,
      })
    }
  }
  const kindPair = pairOf('kind')
  if (!kindPair) {
    issues.push({
      ...mapRef,
      severity: 'error',
      code: 'missing-key',
      message: `missing required key "kind" (${KINDS.join(' or ')})`,
    })
    return null
  }
  const value = isScalar(kindPair.value) ? kindPair.value.value : undefined
  if (isKind(value)) return value
  const hint = typeof value === 'string' ? suggest(value, KINDS) : undefined
  issues.push({
    ...refAt(file, lineCounter, (kindPair.value as Node | null) ?? (kindPair.key as Node)),
    severity: 'error',
    code: 'unknown-kind',
    message: `unknown kind ${quoteValue(value ?? null)}; ${hint ? `did you mean ${hint}?` : `expected ${KINDS.join(' or ')}`}`,
  })
  return null
}

function isKind(value: unknown): value is Kind {
  return typeof value === 'string' && (KINDS as readonly string[]).includes(value)
}

/** Whether a schema error lies at a JSON pointer or inside it. */
type Broken = (pointer: string) => boolean

/**
 * The Broken test of a document's schema errors: every error path and each of its ancestors in one
 * set, built in one pass, so each entry's question is one lookup (not a scan of every error, which
 * made a long list of bad entries quadratic).
 */
export function brokenAt(errors: readonly {readonly instancePath: string}[]): Broken {
  const pointers = new Set<string>()
  for (const {instancePath} of errors) {
    for (let p = instancePath; !pointers.has(p); p = p.slice(0, Math.max(0, p.lastIndexOf('/')))) {
      pointers.add(p)
      if (p === '') break
    }
  }
  return (pointer) => pointers.has(pointer)
}

/** The entries of a list (`contacts`, …), leaving out those with schema errors. */
function toEntries(
  doc: Document,
  key: string,
  file: string,
  lineCounter: LineCounter,
  broken: Broken,
): ManifestEntry[] {
  const {node} = findNode(doc, [key])
  if (!isSeq(node)) return []
  const entries: ManifestEntry[] = []
  for (const [index, item] of node.items.entries()) {
    if (broken(`/${key}/${index}`)) continue
    const source = refAt(file, lineCounter, item as Node)
    if (isScalar(item)) {
      entries.push({ref: {kind: 'email', email: String(item.value)}, source})
    } else if (isMap(item)) {
      const value = item.toJSON() as Record<string, string>
      if (value['list'] !== undefined) entries.push({ref: {kind: 'list', name: value['list']}, source})
      else if (value['id'] !== undefined) entries.push({ref: {kind: 'id', id: value['id']}, source})
      else {
        const details: {-readonly [K in keyof ContactDetails]: string} = {}
        for (const field of ['firstName', 'lastName', 'organization', 'title'] as const) {
          const v = value[field]
          if (v !== undefined) details[field] = v
        }
        const email = value['email'] ?? ''
        entries.push({
          ref: Object.keys(details).length > 0 ? {kind: 'email', email, details} : {kind: 'email', email},
          source,
        })
      }
    }
  }
  return entries
}

/**
 * The document, as far as its schema errors allow: broken entries are left out and broken settings
 * take their defaults, so that the cross-document rules still see everything else. Null when what
 * identifies the document (the sequence, the list name) is broken.
 */
function toDocument(
  kind: Kind,
  doc: Document,
  value: Record<string, unknown>,
  file: string,
  lineCounter: LineCounter,
  broken: Broken,
): ManifestDocument | null {
  const root = doc.contents as YAMLMap
  const source = refAt(file, lineCounter, root)
  const valid = (key: string): boolean => value[key] !== undefined && !broken(`/${key}`)
  if (kind === 'ContactList') {
    if (!valid('name')) return null
    return {
      kind: 'ContactList',
      source,
      name: value['name'] as string,
      nameSource: refAt(file, lineCounter, findNode(doc, ['name']).node),
      contacts: toEntries(doc, 'contacts', file, lineCounter, broken),
    }
  }
  if (!valid('sequence')) return null
  const sequence = value['sequence'] as {name?: string; id?: string}
  const keyRef = (key: string): SourceRef | null => {
    const pair = findNode(doc, [key]).pair
    return pair ? refAt(file, lineCounter, pair.key as Node) : null
  }
  const lists = {} as Record<DesiredList, ManifestEntry[]>
  for (const list of DESIRED_LISTS) lists[list] = toEntries(doc, list, file, lineCounter, broken)
  return {
    kind: 'SequenceMembership',
    source,
    sequence: sequence.id !== undefined ? {id: sequence.id} : {name: sequence.name ?? ''},
    sequenceSource: keyRef('sequence')!,
    mailbox: valid('mailbox') ? (value['mailbox'] as string) : '',
    mailboxSource: keyRef('mailbox') ?? source,
    prune: valid('prune') ? (value['prune'] as PruneMode) : 'none',
    pruneSource: valid('prune') ? keyRef('prune') : null,
    pruneScope: valid('pruneScope') ? (value['pruneScope'] as PruneScope) : 'all',
    missingContacts: valid('missingContacts') ? (value['missingContacts'] as MissingContactsMode) : 'error',
    enroll: {...DEFAULT_ENROLL, ...(valid('enroll') ? (value['enroll'] as Partial<EnrollSwitches>) : {})},
    lists,
  }
}

/** The name of a ContactList document with syntax errors, when it can still be read. */
function brokenListName(doc: Document): string | null {
  const root = doc.contents
  if (!isMap(root) || root.get('kind') !== 'ContactList') return null
  const name = root.get('name')
  return typeof name === 'string' ? name : null
}

/**
 * Parses and validates one manifest file (syntax, schema, secrets). Cross-document rules live in
 * validate-manifests.ts: `documents` holds every document they can use, so a document with schema
 * errors is there too (see toDocument) and only a run without errors may build a DesiredState.
 * Issues come in the order found: loadManifestFiles sorts all of a run's issues once.
 */
export function parseManifest(text: string, file: string): ParsedManifest {
  const parsed = parseYaml(text, file)
  const issues: Issue[] = [...parsed.issues]
  const documents: ManifestDocument[] = []
  const brokenLists: string[] = []
  if (parsed.empty) {
    issues.push({
      severity: 'warning',
      file,
      line: 1,
      col: 1,
      code: 'empty-file',
      message: 'file contains no YAML documents',
    })
  }
  const {lineCounter} = parsed
  for (const doc of parsed.documents) {
    const secrets = findSecrets(doc.contents, lineCounter, file, 'manifests')
    issues.push(...secrets)
    const root = doc.contents
    if (!isMap(root)) {
      issues.push({
        ...refAt(file, lineCounter, root),
        severity: 'error',
        code: 'schema',
        message: 'a document must be a mapping with apiVersion and kind',
      })
      continue
    }
    const kind = checkHeader(root, lineCounter, file, issues)
    if (kind === null) continue
    const value = doc.toJS({maxAliasCount: 0}) as Record<string, unknown>
    const skipPaths: string[] = []
    if (kind === 'ContactList') {
      // Lists do not nest: say so plainly instead of "missing key email".
      const {node} = findNode(doc, ['contacts'])
      if (isSeq(node)) {
        node.items.forEach((item, index) => {
          if (isMap(item) && item.has('list')) {
            skipPaths.push(`/contacts/${index}`)
            issues.push({
              ...refAt(file, lineCounter, item),
              severity: 'error',
              code: 'nested-list',
              message: 'a ContactList cannot reference another list; list its contacts instead',
            })
          }
        })
      }
    }
    // checkHeader reported a missing or unknown apiVersion; check the rest as if it were right.
    const errors = findSchemaErrors(manifestSchema, {...value, apiVersion: API_VERSION})
    issues.push(...describeSchemaErrors(errors, doc, lineCounter, file, {skipPaths}))
    const broken = brokenAt(errors)
    const document = toDocument(kind, doc, value, file, lineCounter, broken)
    // A document holding a secret takes no part in other rules: their messages could echo it.
    if (document && secrets.length === 0) documents.push(document)
    else if (document?.kind === 'ContactList') brokenLists.push(document.name)
  }
  for (const name of parsed.broken.map(brokenListName)) if (name !== null) brokenLists.push(name)
  return {documents, brokenLists, issues}
}
