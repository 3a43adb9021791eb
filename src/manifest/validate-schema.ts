// ajv (draft 2020-12) compiled once, lazily; errors mapped back to YAML positions with readable messages.
import {Ajv2020} from 'ajv/dist/2020.js'
import type {ErrorObject, ValidateFunction} from 'ajv/dist/2020.js'
import addFormatsPkg from 'ajv-formats'
import {isMap, isPair, isScalar, isSeq} from 'yaml'
import type {Document, LineCounter, Node, Pair} from 'yaml'
import type {Issue} from '../errors.js'
import {suggest} from './issues.js'
import {isSecretKey, quoteValue} from './secrets.js'

const validators = new Map<object, ValidateFunction>()

/** Compiles a schema once (cached by identity). ajv-formats is registered so `format` is enforced. */
export function getValidator(schema: object): ValidateFunction {
  let validate = validators.get(schema)
  if (!validate) {
    const ajv = new Ajv2020({allErrors: true, strict: true, allowUnionTypes: true, verbose: true})
    addFormatsPkg.default(ajv)
    // Emails are compared trimmed, so surrounding whitespace is tolerated (ajv-formats' own pattern otherwise).
    const email = ajv.formats['email']
    if (email instanceof RegExp) ajv.addFormat('email', (value: string) => email.test(value.trim()))
    validate = ajv.compile(schema)
    validators.set(schema, validate)
  }
  return validate
}

function decodePointer(pointer: string): string[] {
  return pointer === ''
    ? []
    : pointer
        .split('/')
        .slice(1)
        .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
}

/** `contacts[3].email` (or `document` for the root). */
export function formatPath(segments: readonly (string | number)[]): string {
  let out = ''
  for (const seg of segments) {
    if (typeof seg === 'number' || /^\d+$/.test(seg)) out += `[${seg}]`
    else out += out === '' ? seg : `.${seg}`
  }
  return out === '' ? 'document' : out
}

/** Finds the node at a path, and the pair holding it when the last segment is a map key. */
export function findNode(doc: Document, segments: readonly string[]): {node: Node | null; pair: Pair | null} {
  let node: unknown = doc.contents
  let pair: Pair | null = null
  for (const seg of segments) {
    if (isMap(node)) {
      const found = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === seg)
      if (!found) return {node: null, pair: null}
      pair = found
      node = found.value
    } else if (isSeq(node)) {
      node = node.items[Number(seg)]
      pair = null
    } else return {node: null, pair: null}
  }
  return {node: (node as Node | null) ?? null, pair}
}

function typeWords(type: unknown): string {
  const words: Record<string, string> = {
    string: 'a string',
    object: 'a mapping',
    array: 'a list',
    boolean: 'true or false',
    integer: 'an integer',
    number: 'a number',
  }
  const types = Array.isArray(type) ? type : [type]
  return types.map((t) => words[String(t)] ?? String(t)).join(' or ')
}

interface Mapped {
  readonly code: string
  readonly message: string
  /** Point at the key of this property of the map at the error's path. */
  readonly keyOf?: string
}

function describe(error: ErrorObject, path: string): Mapped | null {
  const params = error.params as Record<string, unknown>
  switch (error.keyword) {
    case 'if':
      return null
    case 'required':
      return {
        code: 'missing-key',
        message: `${path === 'document' ? '' : `${path}: `}missing required key ${JSON.stringify(params['missingProperty'])}`,
      }
    case 'additionalProperties': {
      const key = String(params['additionalProperty'])
      if (isSecretKey(key)) return null // reported by the secret check, without the value
      const allowed = Object.keys((error.parentSchema?.['properties'] as object | undefined) ?? {})
      const hint = suggest(key, allowed)
      return {
        code: 'unknown-key',
        message: `unknown key ${JSON.stringify(key)}${path === 'document' ? '' : ` in ${path}`}${hint ? `; did you mean ${JSON.stringify(hint)}?` : `; allowed: ${allowed.join(', ')}`}`,
        keyOf: key,
      }
    }
    case 'type':
      return {code: 'schema', message: `${path} must be ${typeWords(params['type'])}`}
    case 'enum':
      return {
        code: 'schema',
        message: `${path} must be one of ${(params['allowedValues'] as unknown[]).map((v) => String(v)).join(', ')} (got ${quoteValue(error.data)})`,
      }
    case 'const':
      return {
        code: 'schema',
        message: `${path} must be ${JSON.stringify(params['allowedValue'])} (got ${quoteValue(error.data)})`,
      }
    case 'format':
      if (params['format'] === 'email')
        return {code: 'invalid-email', message: `malformed email ${quoteValue(error.data)}`}
      return {code: 'schema', message: `${path} must be a valid ${String(params['format'])}`}
    case 'minLength':
      return {code: 'schema', message: `${path} must not be empty`}
    case 'pattern':
      return {
        code: 'schema',
        message: `${path} may contain only letters, digits, "-" and "_" (got ${quoteValue(error.data)})`,
      }
    case 'minProperties':
    case 'maxProperties':
      if (path === 'sequence') return {code: 'schema', message: 'sequence must have exactly one of "name" or "id"'}
      return {code: 'schema', message: `${path} ${error.message ?? 'is invalid'}`}
    case 'minimum':
    case 'maximum':
      return {
        code: 'schema',
        message: `${path} must be ${error.keyword === 'minimum' ? '>=' : '<='} ${String(params['limit'])}`,
      }
    default:
      return {code: 'schema', message: `${path} ${error.message ?? 'is invalid'}`}
  }
}

/** Every schema error of `value` (empty when valid). */
export function findSchemaErrors(schema: object, value: unknown): ErrorObject[] {
  const validate = getValidator(schema)
  return validate(value) ? [] : [...(validate.errors ?? [])]
}

/** Validates `value` (the document's JS form) and maps every error to the YAML node that caused it. */
export function validateAgainstSchema(
  schema: object,
  value: unknown,
  doc: Document,
  lineCounter: LineCounter,
  file: string,
  options: {skipPaths?: readonly string[]; pathPrefix?: readonly string[]} = {},
): Issue[] {
  return describeSchemaErrors(findSchemaErrors(schema, value), doc, lineCounter, file, options)
}

/** Schema errors as issues at the YAML node that caused each (errors at `skipPaths` are left out). */
export function describeSchemaErrors(
  errors: readonly ErrorObject[],
  doc: Document,
  lineCounter: LineCounter,
  file: string,
  options: {skipPaths?: readonly string[]; pathPrefix?: readonly string[]} = {},
): Issue[] {
  const issues: Issue[] = []
  const typeSeen = new Set<string>()
  for (const error of errors) {
    if (options.skipPaths?.includes(error.instancePath)) continue
    if (error.keyword === 'type') {
      if (typeSeen.has(error.instancePath)) continue // one type error per node (if/else branches repeat it)
      typeSeen.add(error.instancePath)
    }
    const segments = decodePointer(error.instancePath)
    const mapped = describe(error, formatPath(segments))
    if (!mapped) continue
    const {node, pair} = findNode(doc, [...(options.pathPrefix ?? []), ...segments])
    let target: Node | null = node ?? (pair?.key as Node | null) ?? null
    if (mapped.keyOf !== undefined && isMap(node)) {
      const keyPair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === mapped.keyOf)
      if (keyPair) target = keyPair.key as Node
    }
    // A scalar with no value (`mailbox:`) has a range at the end of its line; point at the key instead.
    if (isScalar(target) && target.value === null && pair) target = pair.key as Node
    const {line, col} = lineCounter.linePos(target?.range?.[0] ?? 0)
    const message = unquotedNumberHint(error, target, mapped.message)
    issues.push({severity: 'error', file, line, col, code: mapped.code, message})
  }
  return issues
}

/**
 * An unquoted id such as 5e9000000000000000000001 or 123456789012345678901234 is a number to YAML
 * (and loses digits): say so, since "must be a string" alone is baffling next to what was written.
 */
function unquotedNumberHint(error: ErrorObject, node: Node | null, message: string): string {
  const expected = (error.params as {type?: unknown}).type
  const wantsString = expected === 'string' || (Array.isArray(expected) && expected.includes('string'))
  if (error.keyword !== 'type' || !wantsString || !isScalar(node) || typeof node.value !== 'number') return message
  return `${message}: YAML reads this unquoted value as a number; put it in quotes`
}
