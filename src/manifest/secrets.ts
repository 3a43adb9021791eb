// Detects credentials in manifests and config files. Messages never contain the value.
import {isMap, isPair, isScalar, isSeq} from 'yaml'
import type {LineCounter, Node} from 'yaml'
import type {Issue} from '../errors.js'

const SECRET_KEY = /api[-_]?key|token|secret|passw(?:or)?d|passphrase|credential|authorization|private[-_]?key|bearer/i

const TOKEN_SHAPES: readonly RegExp[] = [
  /^(?:sk|rk|pk)_(?:live|test)_\w{8,}/, // Stripe-like
  /^gh[pousr]_[A-Za-z0-9]{20,}/, // GitHub
  /^github_pat_\w{20,}/,
  /^xox[abposr]-[\w-]{10,}/, // Slack
  /^AKIA[0-9A-Z]{16}$/, // AWS access key id
  /^eyJ[\w-]{8,}\.eyJ[\w-]{8,}\./, // JWT
  /-----BEGIN [A-Z ]*PRIVATE KEY-----/,
  /^bearer\s+\S{10,}/i,
  /^[a-z][a-z0-9+.-]*:\/\/[^/\s:@]+:[^/\s@]+@/i, // URL with user:password@
]

function entropy(text: string): number {
  const counts = new Map<string, number>()
  for (const ch of text) counts.set(ch, (counts.get(ch) ?? 0) + 1)
  let bits = 0
  for (const n of counts.values()) {
    const p = n / text.length
    bits -= p * Math.log2(p)
  }
  return bits
}

/** True when a key name suggests it holds a secret (apiKey, api_key, token, password, …). */
export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key)
}

/** True when a string is shaped like a credential (known token formats, or long and random-looking). */
export function looksLikeCredential(value: string): boolean {
  const text = value.trim()
  if (TOKEN_SHAPES.some((shape) => shape.test(text))) return true
  if (text.length < 20 || text.length > 512 || !/^[A-Za-z0-9_\-+/=.]+$/.test(text)) return false
  if (/^[0-9a-f]+$/i.test(text)) return text.length >= 32 // a 24-hex Apollo id is not a secret; a 32+ hex blob may be
  const classes = [/[a-z]/, /[A-Z]/, /[0-9]/].filter((re) => re.test(text)).length
  if (classes < 3 || entropy(text) < 3.7) return false
  // Words and numbers (`Q4EnterpriseOutreach2024`) make long chunks; random keys flip case and digits constantly.
  const chunks = text.match(/[A-Z]?[a-z]+|[A-Z]+(?![a-z])|[0-9]+|[^A-Za-z0-9]+/g) ?? []
  return text.length / Math.max(1, chunks.length) <= 3
}

/** Shows a user value in a message unless it looks like a credential. */
export function quoteValue(value: unknown): string {
  if (typeof value !== 'string') return JSON.stringify(value) ?? String(value)
  if (looksLikeCredential(value)) return '(a secret-looking value, not shown)'
  return JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}...` : value)
}

const HINT = 'the Apollo API key belongs only in the APOLLO_API_KEY environment variable, never in a file'

/**
 * Walks a parsed YAML node tree (iteratively; depth is bounded by parseYaml) and reports secret-named
 * keys and credential-shaped values. `describe` names the kind of file in messages.
 */
export function findSecrets(root: unknown, lineCounter: LineCounter, file: string, describe: string): Issue[] {
  const issues: Issue[] = []
  const at = (node: Node | null | undefined): {line: number; col: number} => lineCounter.linePos(node?.range?.[0] ?? 0)
  const stack: unknown[] = [root]
  while (stack.length > 0) {
    const node = stack.pop()
    if (isMap(node)) {
      for (const pair of node.items) {
        if (!isPair(pair)) continue
        const key = isScalar(pair.key) ? pair.key.value : undefined
        if (typeof key === 'string' && isSecretKey(key)) {
          issues.push({
            severity: 'error',
            file,
            ...at(pair.key as Node),
            code: 'secret',
            message: `key ${JSON.stringify(key.length > 40 ? key.slice(0, 40) : key)} looks like a credential; secrets must not be stored in ${describe} (${HINT})`,
          })
          continue
        }
        if (typeof key === 'string' && looksLikeCredential(key)) {
          issues.push({
            severity: 'error',
            file,
            ...at(pair.key as Node),
            code: 'secret',
            message: `a key looks like a credential (not shown); secrets must not be stored in ${describe} (${HINT})`,
          })
        }
        stack.push(pair.value)
      }
    } else if (isSeq(node)) {
      for (const item of node.items) stack.push(item)
    } else if (isScalar(node) && typeof node.value === 'string' && looksLikeCredential(node.value)) {
      issues.push({
        severity: 'error',
        file,
        ...at(node),
        code: 'secret',
        message: `a value looks like a credential (not shown); secrets must not be stored in ${describe} (${HINT})`,
      })
    }
  }
  return issues
}
