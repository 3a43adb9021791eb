// Markdown for a pull-request comment. Pure: string out. Every piece of user or Apollo data is
// escaped (no raw HTML, no broken fences, no @mention pings, no broken tables), and the result never
// exceeds `maxChars`: per-sequence detail is cut with a visible note while every count stays exact.

import type {ApiCost, Change, Plan, PlanWarning, SafetyAssessment, SequencePlan} from '../model/plan.js'
import {formatSourceRef} from '../model/state.js'
import {maskEmailsInText} from './mask-email.js'
import {
  countChanges,
  describeContact,
  flattenText,
  renderClosingLine,
  renderCostTable,
  renderSafetyLines,
  warningSubject,
} from './plan-text.js'
import {describeForecastSkip, describePlanProblem, describeWarning} from './reasons.js'

export interface PlanMarkdownOptions {
  readonly maskEmails: boolean
  /** Hard cap on the output length (default 60,000; GitHub's comment limit is 65,536). */
  readonly maxChars?: number
  readonly cost?: ApiCost
  readonly safety?: SafetyAssessment
}

export const PLAN_MARKER = '<!-- seqsync:plan -->'
export const DEFAULT_MARKDOWN_MAX_CHARS = 60_000

/** Room kept free for the closing parts of one sequence block (fence, notes, `</details>`). */
const SEQUENCE_RESERVE = 400
/** Room kept free for the global truncation note. */
const GLOBAL_NOTE_RESERVE = 200

const INLINE_ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  '|': '&#124;',
  '`': '&#96;',
  '@': '&#64;',
  '[': '&#91;',
  ']': '&#93;',
  '*': '&#42;',
  _: '&#95;',
  '~': '&#126;',
  '\\': '&#92;',
  '#': '&#35;',
  '!': '&#33;',
}

/**
 * Text safe anywhere outside a code block: a table cell, a list item, a `<summary>`. Line breaks
 * flattened, HTML and Markdown syntax turned into entities, `@` too (no mention pings).
 */
export function escapeMarkdownInline(text: string): string {
  return flattenText(text).replace(/[&<>"|`@[\]*_~\\#!]/g, (ch) => INLINE_ESCAPES[ch] ?? ch)
}

/** Text safe on one line of a fenced code block: one line, no backticks (they could close the fence). */
export function sanitizeCodeLine(text: string): string {
  return flattenText(text).replace(/`/g, "'")
}

/** A backtick fence longer than any backtick run in the content (at least three). */
export function chooseFence(content: string): string {
  let longest = 0
  for (const run of content.match(/`+/g) ?? []) longest = Math.max(longest, run.length)
  return '`'.repeat(Math.max(3, longest + 1))
}

function diffLine(c: Change, mask: boolean): string {
  const contact = describeContact(c.email, c.contactId, mask)
  const origin = c.source
    ? `# ${formatSourceRef(c.source, {precision: 'line'})}`
    : '# pruned: not declared in the manifest'
  let text: string
  switch (c.kind) {
    case 'create':
      text = `+ new contact ${contact}`
      break
    case 'add':
      text = `+ ${contact}`
      break
    case 'remove':
      text = `- ${contact}`
      break
    case 'finish':
    case 'stop':
      text = `! ${contact} (${c.kind})`
      break
  }
  const skip = c.kind === 'add' && c.forecastSkip !== undefined ? `  (${describeForecastSkip(c.forecastSkip)})` : ''
  return sanitizeCodeLine(`${text}  ${origin}${skip}`)
}

function warningLine(w: PlanWarning, mask: boolean): string {
  const contact = warningSubject(w, mask)
  const where = w.source ? ` (${formatSourceRef(w.source, {precision: 'line'})})` : ''
  const text = describeWarning(w)
  const message = mask ? maskEmailsInText(text) : text
  return `- ${escapeMarkdownInline(`${w.code}: ${contact}${message}${where}`)}`
}

function counts(s: SequencePlan): Record<'add' | 'remove' | 'finish' | 'stop' | 'create' | 'skips', number> {
  const out = {add: 0, remove: 0, finish: 0, stop: 0, create: 0, skips: 0}
  for (const c of s.changes) {
    out[c.kind]++
    if (c.kind === 'add' && c.forecastSkip !== undefined) out.skips++
  }
  return out
}

function sequenceTitle(s: SequencePlan, mask: boolean): string {
  const name = mask ? maskEmailsInText(s.name) : s.name
  return `${escapeMarkdownInline(name)} (${escapeMarkdownInline(s.id)})${s.active ? '' : ' (inactive)'}`
}

/** Appends chunks while they fit under the cap, leaving `reserve` characters free. */
class Budget {
  readonly parts: string[] = []
  used = 0
  constructor(readonly max: number) {}
  fits(text: string, reserve: number): boolean {
    return this.used + text.length + reserve <= this.max
  }
  push(text: string): void {
    this.parts.push(text)
    this.used += text.length
  }
  tryPush(text: string, reserve: number): boolean {
    if (!this.fits(text, reserve)) return false
    this.push(text)
    return true
  }
}

export function renderPlanMarkdown(plan: Plan, options: PlanMarkdownOptions): string {
  const max = options.maxChars ?? DEFAULT_MARKDOWN_MAX_CHARS
  const mask = options.maskEmails
  const tail = `\nPlan hash: \`${sanitizeCodeLine(plan.planHash)}\`\n`
  const globalReserve = tail.length + GLOBAL_NOTE_RESERVE
  const b = new Budget(max)

  // Head: always present, and exact.
  const head: string[] = [PLAN_MARKER, '### seqsync plan', '']
  if (countChanges(plan) === 0 && plan.errors.length === 0)
    head.push('**No changes.** Apollo matches the manifests.', '')
  if (plan.summary.create > 0) head.push(`Contacts: ${plan.summary.create} to create.`, '')
  head.push(`**${renderClosingLine(plan.summary)}**`, '')
  const safety = renderSafetyLines(options.safety)
  if (safety.length > 0) head.push(...safety.map((l) => `- **${escapeMarkdownInline(l)}**`), '')
  const headText = `${head.join('\n')}\n`
  if (headText.length + tail.length > max) return `${headText}${tail}`.slice(0, Math.max(0, max))
  b.push(headText)

  let omitted = false
  const note = (what: string) => `\n> … ${what} not shown; see the CI log.\n`

  // Errors.
  if (plan.errors.length > 0) {
    b.tryPush(`#### Errors (${plan.errors.length})\n\n`, globalReserve)
    let shown = 0
    for (const e of plan.errors) {
      const where = e.source ? ` (${formatSourceRef(e.source)})` : ''
      const text = describePlanProblem(e)
      const line = `- ${escapeMarkdownInline(`${e.code}: ${mask ? maskEmailsInText(text) : text}${where}`)}\n`
      if (!b.tryPush(line, globalReserve)) break
      shown++
    }
    if (shown < plan.errors.length) {
      b.push(note(`${plan.errors.length - shown} more errors`))
      omitted = true
    }
    b.push('\n')
  }

  // Summary table, one row per sequence.
  if (plan.sequences.length > 0) {
    const header =
      '| Sequence | Add | Remove | Finish | Stop | Skips forecast | Unmanaged |\n|---|---:|---:|---:|---:|---:|---:|\n'
    if (b.tryPush(header, globalReserve)) {
      let shown = 0
      for (const s of plan.sequences) {
        const n = counts(s)
        const row = `| ${sequenceTitle(s, mask)} | ${n.add} | ${n.remove} | ${n.finish} | ${n.stop} | ${n.skips} | ${s.unmanaged.length} |\n`
        if (!b.tryPush(row, globalReserve)) break
        shown++
      }
      if (shown < plan.sequences.length) {
        b.push(note(`${plan.sequences.length - shown} more sequences`))
        omitted = true
      }
      b.push('\n')
    } else {
      omitted = true
    }
  }

  // API cost, whole or not at all.
  if (options.cost) {
    const table = renderCostTable(options.cost).map((l) => sanitizeCodeLine(l))
    const block = `<details><summary>API cost</summary>\n\n${chooseFence(table.join('\n'))}\n${table.join('\n')}\n${chooseFence(table.join('\n'))}\n\n</details>\n\n`
    if (!b.tryPush(block, globalReserve)) omitted = true
  }

  // Detail per sequence.
  let omittedSequences = 0
  for (const s of plan.sequences) {
    if (s.changes.length === 0 && s.warnings.length === 0 && s.unmanaged.length === 0) continue
    if (!renderSequenceDetails(b, s, mask, globalReserve, note)) omittedSequences++
  }
  if (omittedSequences > 0)
    b.push(note(`details of ${omittedSequences} more sequence${omittedSequences === 1 ? '' : 's'}`))
  else if (omitted) b.push('\n> Some sections were shortened to fit a comment; see the CI log for the full plan.\n')

  b.push(tail)
  return b.parts.join('')
}

function renderSequenceDetails(
  b: Budget,
  s: SequencePlan,
  mask: boolean,
  globalReserve: number,
  note: (what: string) => string,
): boolean {
  const n = counts(s)
  const parts = [
    `${n.add} to add`,
    `${n.remove} to remove`,
    `${n.finish} to finish`,
    `${n.stop} to stop`,
    ...(n.create > 0 ? [`${n.create} to create`] : []),
    ...(n.skips > 0 ? [`${n.skips} skips forecast`] : []),
  ]
  const open = `<details><summary>${sequenceTitle(s, mask)}: ${parts.join(', ')}</summary>\n\n`
  const reserve = globalReserve + SEQUENCE_RESERVE
  if (!b.tryPush(open, reserve)) return false

  if (s.changes.length > 0) {
    const lines = s.changes.map((c) => `${diffLine(c, mask)}\n`)
    const fence = chooseFence(lines.join(''))
    b.push(`${fence}diff\n`)
    let shown = 0
    for (const line of lines) {
      if (!b.tryPush(line, reserve)) break
      shown++
    }
    b.push(`${fence}\n`)
    if (shown < lines.length)
      b.push(note(`${lines.length - shown} more change${lines.length - shown === 1 ? '' : 's'}`))
  } else {
    b.push('No changes.\n')
  }

  const warnings = s.warnings.filter((w) => w.code !== 'skip-forecast' && w.code !== 'unmanaged')
  if (n.skips > 0)
    b.push(`\n${n.skips} add${n.skips === 1 ? '' : 's'} will be skipped by Apollo (marked in the diff).\n`)
  if (s.unmanaged.length > 0) {
    b.push(
      `\nUnmanaged drift: ${s.unmanaged.length} live member${s.unmanaged.length === 1 ? '' : 's'} not declared in the manifest (prune: none).\n`,
    )
  }
  if (warnings.length > 0) {
    b.push(`\n**Warnings (${warnings.length})**\n\n`)
    let shown = 0
    for (const w of warnings) {
      if (!b.tryPush(`${warningLine(w, mask)}\n`, reserve)) break
      shown++
    }
    if (shown < warnings.length) b.push(note(`${warnings.length - shown} more warnings`))
  }
  b.push('\n</details>\n\n')
  return true
}
