// Small helpers shared by manifest and config validation: building, sorting and counting issues.
import type {Issue} from '../errors.js'
function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

/**
 * 1-based line and column of an offset into text or bytes; the column counts what the offset counts
 * (UTF-16 units of a string, bytes of a Uint8Array).
 */
export function positionAt(content: string | Uint8Array, offset: number): {line: number; col: number} {
  let line = 1
  let lineStart = 0
  for (let i = 0; i < offset; i++) {
    if ((typeof content === 'string' ? content.charCodeAt(i) : content[i]) === 10) {
      line++
      lineStart = i + 1
    }
  }
  return {line, col: offset - lineStart + 1}
}

/** Deterministic order: file, line, col, message (then severity and code as tie-breakers). Drops exact duplicates. */
export function sortIssues(issues: readonly Issue[]): Issue[] {
  const seen = new Set<string>()
  const unique: Issue[] = []
  for (const issue of issues) {
    const key = `${issue.severity}\u0000${issue.file}\u0000${issue.line}\u0000${issue.col}\u0000${issue.code}\u0000${issue.message}`
    if (seen.has(key)) continue
    seen.add(key)
    unique.push(issue)
  }
  return unique.sort(
    (a, b) =>
      compareStrings(a.file, b.file) ||
      a.line - b.line ||
      a.col - b.col ||
      compareStrings(a.message, b.message) ||
      compareStrings(a.severity, b.severity) ||
      compareStrings(a.code, b.code),
  )
}

/** Levenshtein distance, for "did you mean" hints on short identifiers. */
export function distance(a: string, b: string): number {
  const prev = Array.from({length: b.length + 1}, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0] ?? 0
    prev[0] = i
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j] ?? 0
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      prev[j] = Math.min(up + 1, (prev[j - 1] ?? 0) + 1, diag + cost)
      diag = up
    }
  }
  return prev[b.length] ?? 0
}

/** The closest candidate (case-insensitive distance ≤ max(2, a third of its length)), or undefined. */
export function suggest(value: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined
  let bestDistance = Infinity
  for (const candidate of candidates) {
    const d = distance(value.toLowerCase(), candidate.toLowerCase())
    if (d < bestDistance) {
      best = candidate
      bestDistance = d
    }
  }
  if (best === undefined) return undefined
  return bestDistance <= Math.max(2, Math.floor(best.length / 3)) ? best : undefined
}
