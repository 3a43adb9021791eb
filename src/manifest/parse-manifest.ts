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
import {sortIssues, suggest} from './issues.js'
import {parseYaml} from './parse-yaml.js'
import {manifestSchema} from './schema.js'
import {findSecrets, quoteValue} from './secrets.js'
import {DESIRED_LISTS} from './types.js'
import type {ManifestDocument, ManifestEntry} from './types.js'
import {findNode, validateAgainstSchema} from './validate-schema.js'

export const API_VERSION = 'seqsync/v1'
export const KINDS = ['SequenceMembership', 'ContactList'] as const

export interface ParsedManifest {
  readonly documents: readonly ManifestDocument[]
  readonly issues: readonly Issue[]
}

function refAt(file: string, lineCounter: LineCounter, node: Node | null | undefined): SourceRef {
  const {line, col} = lineCounter.linePos(node?.range?.[0] ?? 0)
  return {file, line, col}
}

/** Checks apiVersion and kind; returns the kind when both are known. */
function checkHeader(map: YAMLMap, lineCounter: LineCounter, file: string, issues: Issue[]): string | null {
  const pairOf = (key: string) => map.items.find((p) => isPair(p) && isScalar(p.key) && p.key.value === key)
  const mapRef = refAt(file, lineCounter, map)
  let ok = true
  const apiVersion = pairOf('apiVersion')
  if (!apiVersion) {
    issues.push({
      ...mapRef,
      severity: 'error',
      code: 'missing-key',
      message: `missing required key "apiVersion" (use ${API_VERSION})`,
    })
    ok = false
  } else {
    const value = isScalar(apiVersion.value) ? apiVersion.value.value : undefined
    if (value !== API_VERSION) {
      issues.push({
        ...refAt(file, lineCounter, (apiVersion.value as Node | null) ?? (apiVersion.key as Node)),
        severity: 'error',
        code: 'unknown-api-version',
        message: `unknown apiVersion ${quoteValue(value ?? null)}; did you mean ${API_VERSION}?`,
      })
      ok = false
    }
  }
  const kindPair = pairOf('kind')
  let kind: string | null = null
  if (!kindPair) {
    issues.push({
      ...mapRef,
      severity: 'error',
      code: 'missing-key',
      message: `missing required key "kind" (${KINDS.join(' or ')})`,
    })
    ok = false
  } else {
    const value = isScalar(kindPair.value) ? kindPair.value.value : undefined
    if (typeof value === 'string' && (KINDS as readonly string[]).includes(value)) kind = value
    else {
      const hint = typeof value === 'string' ? suggest(value, KINDS) : undefined
      issues.push({
        ...refAt(file, lineCounter, (kindPair.value as Node | null) ?? (kindPair.key as Node)),
        severity: 'error',
        code: 'unknown-kind',
        message: `unknown kind ${quoteValue(value ?? null)}; ${hint ? `did you mean ${hint}?` : `expected ${KINDS.join(' or ')}`}`,
      })
      ok = false
    }
  }
  return ok ? kind : null
}

function toEntries(doc: Document, key: string, file: string, lineCounter: LineCounter): ManifestEntry[] {
  const {node} = findNode(doc, [key])
  if (!isSeq(node)) return []
  const entries: ManifestEntry[] = []
  for (const item of node.items) {
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

function toDocument(
  kind: string,
  doc: Document,
  value: Record<string, unknown>,
  file: string,
  lineCounter: LineCounter,
): ManifestDocument {
  const root = doc.contents as YAMLMap
  const source = refAt(file, lineCounter, root)
  if (kind === 'ContactList') {
    return {
      kind: 'ContactList',
      source,
      name: value['name'] as string,
      nameSource: refAt(file, lineCounter, findNode(doc, ['name']).node),
      contacts: toEntries(doc, 'contacts', file, lineCounter),
    }
  }
  const sequence = value['sequence'] as {name?: string; id?: string}
  const prunePair = findNode(doc, ['prune']).pair
  const lists = {} as Record<DesiredList, ManifestEntry[]>
  for (const list of DESIRED_LISTS) lists[list] = toEntries(doc, list, file, lineCounter)
  return {
    kind: 'SequenceMembership',
    source,
    sequence: sequence.id !== undefined ? {id: sequence.id} : {name: sequence.name ?? ''},
    sequenceSource: refAt(file, lineCounter, findNode(doc, ['sequence']).pair?.key as Node),
    mailbox: value['mailbox'] as string,
    prune: (value['prune'] as PruneMode | undefined) ?? 'none',
    pruneSource: prunePair ? refAt(file, lineCounter, prunePair.key as Node) : null,
    pruneScope: (value['pruneScope'] as PruneScope | undefined) ?? 'all',
    missingContacts: (value['missingContacts'] as MissingContactsMode | undefined) ?? 'error',
    enroll: {...DEFAULT_ENROLL, ...(value['enroll'] as Partial<EnrollSwitches> | undefined)},
    lists,
  }
}

/** Parses and validates one manifest file (syntax, schema, secrets). Cross-document rules live in validate-manifests.ts. */
export function parseManifest(text: string, file: string): ParsedManifest {
  const parsed = parseYaml(text, file)
  const issues: Issue[] = [...parsed.issues]
  const documents: ManifestDocument[] = []
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
    const schemaIssues = validateAgainstSchema(manifestSchema, value, doc, lineCounter, file, {skipPaths})
    issues.push(...schemaIssues)
    if (schemaIssues.length === 0 && skipPaths.length === 0 && secrets.length === 0)
      documents.push(toDocument(kind, doc, value, file, lineCounter))
  }
  return {documents, issues: sortIssues(issues)}
}
