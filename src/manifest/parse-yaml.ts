// Pure: YAML text -> Documents with positions, plus every syntax-level issue (syntax errors,
// duplicate keys, aliases, excessive nesting). Shared by manifests and the config file.
import {LineCounter, isAlias, isCollection, isMap, isPair, isScalar, isSeq, parseAllDocuments} from 'yaml'
import type {Document, Node} from 'yaml'
import type {Issue} from '../errors.js'
import {positionAt} from './issues.js'

/** Manifests are at most ~5 levels deep; anything far deeper is refused before it reaches toJS(). */
export const MAX_DEPTH = 32

export interface ParsedYaml {
  /**
   * Documents without syntax-level problems and with contents (empty documents are dropped). A
   * document whose only problem is a duplicate key is kept, with the first of the duplicates.
   */
  readonly documents: readonly Document.Parsed[]
  /** Documents with syntax errors (reported in `issues`), for what can still be read of them. */
  readonly broken: readonly Document.Parsed[]
  readonly lineCounter: LineCounter
  readonly issues: readonly Issue[]
  /** True when the text holds no document at all (empty, or only comments). */
  readonly empty: boolean
}

function describeYamlError(code: string, message: string): {code: string; message: string} {
  if (code === 'DUPLICATE_KEY') return {code: 'duplicate-key', message: 'duplicate key: map keys must be unique'}
  // yaml's messages may end with "at line L, column C:" plus a code frame when prettyErrors is on; it is off here.
  return {code: 'yaml-syntax', message: `YAML syntax error: ${message.replace(/\s+/g, ' ').trim()}`}
}

/** Iterative walk: reports aliases and nesting deeper than MAX_DEPTH. Returns true when the document is safe. */
function checkStructure(doc: Document.Parsed, lineCounter: LineCounter, file: string, issues: Issue[]): boolean {
  let safe = true
  const report = (node: Node, code: string, message: string): void => {
    const {line, col} = lineCounter.linePos(node.range?.[0] ?? 0)
    issues.push({severity: 'error', file, line, col, code, message})
  }
  const stack: {node: unknown; depth: number}[] = [{node: doc.contents, depth: 1}]
  while (stack.length > 0) {
    const {node, depth} = stack.pop()!
    if (isAlias(node)) {
      report(node, 'yaml-alias', 'YAML aliases (*name) are not allowed in seqsync files; write the value out')
      safe = false
      continue
    }
    if (!isCollection(node)) continue
    if (depth > MAX_DEPTH) {
      report(node, 'too-deep', `nesting deeper than ${MAX_DEPTH} levels`)
      return false
    }
    if (isMap(node)) {
      for (const pair of node.items) {
        if (!isPair(pair)) continue
        stack.push({node: pair.key, depth: depth + 1}, {node: pair.value, depth: depth + 1})
      }
    } else if (isSeq(node)) {
      for (const item of node.items) stack.push({node: item, depth: depth + 1})
    }
  }
  return safe
}

/** Keeps the first of duplicate keys in every map (yaml's toJS would keep the last). */
function dropLaterDuplicateKeys(doc: Document.Parsed): void {
  const stack: unknown[] = [doc.contents]
  while (stack.length > 0) {
    const node = stack.pop()
    if (isMap(node)) {
      const seen = new Set<unknown>()
      node.items = node.items.filter((pair) => {
        const key = isScalar(pair.key) ? pair.key.value : pair.key
        if (seen.has(key)) return false
        seen.add(key)
        return true
      })
      for (const pair of node.items) stack.push(pair.value)
    } else if (isSeq(node)) stack.push(...node.items)
  }
}

/**
 * A cheap scan before parsing: the yaml parser recurses per nesting level and can exhaust memory on
 * absurd input, so refuse deep flow nesting ([[[[…) and huge indentation up front. Returns the offset
 * where the limit is crossed, or -1.
 */
function findExcessiveNesting(text: string): number {
  let flowDepth = 0
  let lineStart = true
  let indent = 0
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i)
    if (ch === 10) {
      lineStart = true
      indent = 0
      continue
    }
    if (lineStart) {
      if (ch === 32) {
        if (++indent > 4 * MAX_DEPTH) return i
        continue
      }
      lineStart = false
    }
    if (ch === 91 || ch === 123) {
      if (++flowDepth > MAX_DEPTH) return i
    } else if ((ch === 93 || ch === 125) && flowDepth > 0) flowDepth--
  }
  return -1
}

export function parseYaml(text: string, file: string): ParsedYaml {
  const lineCounter = new LineCounter()
  const issues: Issue[] = []
  const tooDeep = findExcessiveNesting(text)
  if (tooDeep >= 0) {
    const {line, col} = positionAt(text, tooDeep)
    return {
      documents: [],
      broken: [],
      lineCounter,
      issues: [
        {
          severity: 'error',
          file,
          line,
          col,
          code: 'too-deep',
          message: `nesting deeper than ${MAX_DEPTH} levels (or indentation over ${4 * MAX_DEPTH} spaces)`,
        },
      ],
      empty: false,
    }
  }
  let parsed: Document.Parsed[]
  try {
    const result = parseAllDocuments(text, {lineCounter, prettyErrors: false, uniqueKeys: true, strict: true})
    parsed = Array.isArray(result) ? result : []
  } catch (error) {
    // The composer recurses per nesting level: absurd nesting overflows the stack.
    const message = error instanceof RangeError ? `nesting is too deep to parse` : `cannot parse YAML: ${String(error)}`
    return {
      documents: [],
      broken: [],
      lineCounter,
      issues: [{severity: 'error', file, line: 1, col: 1, code: 'too-deep', message}],
      empty: false,
    }
  }
  const documents: Document.Parsed[] = []
  const broken: Document.Parsed[] = []
  let sawContent = false
  for (const doc of parsed) {
    const problems = [...doc.errors, ...doc.warnings]
    for (const problem of problems) {
      const {line, col} = problem.linePos?.[0] ?? lineCounter.linePos(problem.pos[0])
      issues.push({severity: 'error', file, line, col, ...describeYamlError(problem.code, problem.message)})
    }
    const empty = doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null)
    if (!empty) sawContent = true
    if (empty) continue
    if (problems.some((p) => p.code !== 'DUPLICATE_KEY')) broken.push(doc)
    else if (checkStructure(doc, lineCounter, file, issues)) {
      // Duplicate keys are reported above; the rest of the document is still checked.
      if (problems.length > 0) dropLaterDuplicateKeys(doc)
      documents.push(doc)
    }
  }
  return {documents, broken, lineCounter, issues, empty: !sawContent && issues.length === 0}
}
