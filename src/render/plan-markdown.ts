// Markdown for a pull-request comment. Pure: string out. What a reviewer most needs comes first and
// is cut last: a banner and open sections when contacts are removed, finished or stopped, those
// changes before any add, exact counts always. Every piece of user or Apollo data is escaped (no raw
// HTML, no broken fences, no @mention pings, no broken tables), and the result never exceeds
// `maxChars`: detail is cut with a visible note while every count stays exact.

import type {ApiCost, Change, Plan, PlanTarget, PlanWarning, SafetyAssessment, SequencePlan} from '../model/plan.js'
import type {SourceRef} from '../model/state.js'
import {formatSourceRef} from '../model/state.js'
import {countContacts, EXAMPLES_PER_GROUP, groupWarnings} from './group-warnings.js'
import type {WarningGroup} from './group-warnings.js'
import {maskEmail, maskEmailsInText} from './mask-email.js'
import {
  countChanges,
  IRREVERSIBLE_NOTE,
  describeChangeLine,
  describeContact,
  flattenText,
  renderClosingLine,
  renderCostTable,
  renderSafetyLines,
} from './plan-text.js'
import {describePlanProblem, describePruneScope, describeUnmanagedNote} from './reasons.js'
import {sourceUrl} from './source-links.js'

export interface PlanMarkdownOptions {
  readonly maskEmails: boolean
  /** Hard cap on the output length (default 60,000; GitHub's comment limit is 65,536). */
  readonly maxChars?: number
  readonly cost?: ApiCost
  /** The API host and account the plan was read from: a line under the heading. */
  readonly target?: PlanTarget
  /** A checked `--link-base` (render/source-links.ts): manifest references link to the file there. */
  readonly linkBase?: string
  readonly safety?: SafetyAssessment
}

export const PLAN_MARKER = '<!-- seqsync:plan -->'
export const DEFAULT_MARKDOWN_MAX_CHARS = 60_000

/** Room kept free for the notes that close the document. */
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

/** How data is shown in this comment: masked or not, linked or not. */
export interface MarkdownStyle {
  readonly mask: boolean
  readonly linkBase: string | undefined
}

/** Free text (a sentence that may carry data) made safe for prose, emails masked on request. */
export function prose(text: string, style: MarkdownStyle): string {
  return escapeMarkdownInline(style.mask ? maskEmailsInText(text) : text)
}

/** A manifest location: a link to the line at the head commit when a link base is known, else escaped text. */
export function sourceReference(source: SourceRef, style: MarkdownStyle, precision: 'col' | 'line' = 'line'): string {
  const text = escapeMarkdownInline(formatSourceRef(source, {precision}))
  const url = style.linkBase === undefined ? null : sourceUrl(style.linkBase, source)
  return url === null ? text : `[${text}](${url})`
}

/** A `> [!CAUTION]` / `> [!WARNING]` alert (a plain quote where GitHub alerts are not rendered). */
export function alert(kind: 'CAUTION' | 'WARNING', lines: readonly string[]): string {
  return `> [!${kind}]\n${lines.map((l) => `> ${l}`).join('\n')}\n\n`
}

/** Appends chunks while they fit under the limit. */
export class Budget {
  readonly parts: string[] = []
  used = 0
  constructor(readonly limit: number) {}
  fits(text: string): boolean {
    return this.used + text.length <= this.limit
  }
  push(text: string): void {
    this.parts.push(text)
    this.used += text.length
  }
  tryPush(text: string): boolean {
    if (!this.fits(text)) return false
    this.push(text)
    return true
  }
}

export const moreNote = (what: string): string => `\n> … ${what} not shown; see the CI log.\n`

type Kind = Change['kind']
const DESTRUCTIVE: ReadonlySet<Kind> = new Set(['remove', 'finish', 'stop'])
/** The order of changes in a comment: destructive ones first. */
const MARKDOWN_ORDER: readonly Kind[] = ['remove', 'finish', 'stop', 'create', 'add']

interface Counts {
  readonly add: number
  readonly remove: number
  readonly finish: number
  readonly stop: number
  readonly create: number
  readonly skips: number
  readonly possible: number
  readonly unmanaged: number
}

function counts(s: SequencePlan): Counts {
  const n = {add: 0, remove: 0, finish: 0, stop: 0, create: 0, skips: 0, possible: 0, unmanaged: s.unmanaged.length}
  for (const c of s.changes) {
    n[c.kind]++
    if (c.kind === 'add' && c.forecastSkip !== undefined) n.skips++
    if (c.kind === 'add' && c.possibleSkip !== undefined) n.possible++
  }
  return n
}

const COLUMNS: readonly {readonly key: keyof Counts; readonly title: string; readonly phrase: string}[] = [
  {key: 'remove', title: 'Remove', phrase: 'to remove'},
  {key: 'finish', title: 'Finish', phrase: 'to finish'},
  {key: 'stop', title: 'Stop', phrase: 'to stop'},
  {key: 'add', title: 'Add', phrase: 'to add'},
  {key: 'create', title: 'Create', phrase: 'to create'},
  {key: 'skips', title: 'Skips forecast', phrase: 'skips forecast'},
  {key: 'possible', title: 'Possible skips', phrase: 'possible skips'},
  {key: 'unmanaged', title: 'Unmanaged', phrase: 'unmanaged'},
]

function destructiveCount(n: Counts): number {
  return n.remove + n.finish + n.stop
}

function sequenceTitle(s: SequencePlan, style: MarkdownStyle): string {
  return `${prose(s.name, style)} (${escapeMarkdownInline(s.id)})${s.active ? '' : ' (inactive)'}`
}

/** `Target: host · team … · key owner …`, the line under the heading. */
export function targetLine(target: PlanTarget, style: MarkdownStyle): string {
  const owner = target.keyOwner
  const host = `Target: ${escapeMarkdownInline(target.apiHost)}`
  if (owner === null) return `${host} (account not read: no managed sequence)`
  const email =
    owner.email === null ? '' : `, ${escapeMarkdownInline(style.mask ? maskEmail(owner.email) : owner.email)}`
  return `${host} · team ${escapeMarkdownInline(owner.teamId ?? 'unknown')} · key owner ${prose(owner.name ?? 'unnamed user', style)} (user ${escapeMarkdownInline(owner.userId)}${email})`
}

/** The diff symbol of a change: `!` (highlighted in a diff block) where the text plan shows `~`. */
const DIFF_SYMBOL: Readonly<Record<Kind, string>> = {create: '+', add: '+', remove: '-', finish: '!', stop: '!'}

function diffLine(c: Change, mask: boolean): string {
  const {what, origin, forecast} = describeChangeLine(c, mask)
  return sanitizeCodeLine(`${DIFF_SYMBOL[c.kind]} ${what}  ${origin}${forecast === '' ? '' : `  (${forecast})`}`)
}

/** `Sentence (N contacts, `code`): a (file:line), b (file:line), c and K more` — words before the code. */
function warningGroupLine(g: WarningGroup, style: MarkdownStyle): string {
  const sentence = prose(g.sentence.charAt(0).toUpperCase() + g.sentence.slice(1), style)
  const about = g.warnings.filter((w) => w.email !== null || w.contactId !== null)
  const examples = about.slice(0, EXAMPLES_PER_GROUP).map((w: PlanWarning) => {
    const who = escapeMarkdownInline(describeContact(w.email, w.contactId, style.mask))
    return w.source ? `${who} (${sourceReference(w.source, style)})` : who
  })
  const more = about.length - examples.length
  const where = about.length === 0 && g.warnings[0]?.source ? ` (${sourceReference(g.warnings[0].source, style)})` : ''
  const subject = about.length > 0 ? `${countContacts(about.length)}, ` : ''
  const list = examples.length > 0 ? `: ${examples.join(', ')}${more > 0 ? ` and ${more} more` : ''}` : ''
  return `- ${sentence}${where} (${subject}\`${g.code}\`)${list}\n`
}

/** One sequence's collapsible section, cut into the parts the budget shares out. */
interface Block {
  readonly head: string
  /** Diff lines of removals, finishes and stops, then of creates and adds. */
  readonly destructive: readonly string[]
  readonly others: readonly string[]
  readonly tail: string
}

function buildBlock(s: SequencePlan, n: Counts, style: MarkdownStyle): Block {
  const parts = COLUMNS.filter((c) => c.key !== 'unmanaged' && n[c.key] > 0).map((c) => `${n[c.key]} ${c.phrase}`)
  const open = destructiveCount(n) > 0 ? '<details open>' : '<details>'
  const summary = `${sequenceTitle(s, style)}: ${parts.length > 0 ? parts.join(', ') : 'no changes'}`
  const head =
    `${open}<summary>${summary}</summary>\n\n` +
    `Manifest: ${sourceReference(s.source, style)} · ${escapeMarkdownInline(describePruneScope(s.prune, s.pruneScope))}\n\n`
  const ordered = MARKDOWN_ORDER.flatMap((kind) => s.changes.filter((c) => c.kind === kind))
  const lines = ordered.map((c) => ({line: `${diffLine(c, style.mask)}\n`, destructive: DESTRUCTIVE.has(c.kind)}))
  let tail = ''
  for (const reason of ['prune-none', 'added-by-another-user'] as const) {
    const k = s.unmanaged.filter((m) => m.reason === reason).length
    if (k > 0) tail += `\n${describeUnmanagedNote(reason, k)}\n`
  }
  const groups = groupWarnings(s.warnings.filter((w) => w.code !== 'unmanaged' && w.code !== 'unmanaged-not-owned'))
  if (groups.length > 0) tail += `\n**Warnings**\n\n${groups.map((g) => warningGroupLine(g, style)).join('')}`
  return {
    head,
    destructive: lines.filter((l) => l.destructive).map((l) => l.line),
    others: lines.filter((l) => !l.destructive).map((l) => l.line),
    tail: `${tail}\n</details>\n\n`,
  }
}

const FENCE = '```'

function renderBlock(b: Block, shownDestructive: number, shownOthers: number): string {
  const total = b.destructive.length + b.others.length
  if (total === 0) return `${b.head}No changes.\n${b.tail}`
  const hidden = total - shownDestructive - shownOthers
  const lines = [...b.destructive.slice(0, shownDestructive), ...b.others.slice(0, shownOthers)]
  const note = hidden > 0 ? moreNote(`${hidden} more change${hidden === 1 ? '' : 's'}`) : ''
  return `${b.head}${FENCE}diff\n${lines.join('')}${FENCE}\n${note}${b.tail}`
}

/** What a block takes before any of its diff lines (its "not shown" note at its longest included). */
function fixedCost(b: Block): number {
  return renderBlock(b, 0, 0).length
}

export function renderPlanMarkdown(plan: Plan, options: PlanMarkdownOptions): string {
  const max = options.maxChars ?? DEFAULT_MARKDOWN_MAX_CHARS
  const style: MarkdownStyle = {mask: options.maskEmails, linkBase: options.linkBase}
  const tail = `\nPlan hash: \`${sanitizeCodeLine(plan.planHash)}\`\n`
  const perSequence = plan.sequences.map((s) => ({s, n: counts(s)}))
  const {remove, finish, stop} = plan.summary

  // Head: always present, and exact.
  const head: string[] = [PLAN_MARKER, '### seqsync plan', '']
  if (options.target) head.push(targetLine(options.target, style), '')
  const destructive = remove + finish + stop
  if (destructive > 0) {
    const what = [
      ...(remove > 0 ? [`removes ${remove}`] : []),
      ...(finish > 0 ? [`finishes ${finish}`] : []),
      ...(stop > 0 ? [`stops ${stop}`] : []),
    ]
    const list = what.length > 1 ? `${what.slice(0, -1).join(', ')} and ${what.at(-1) ?? ''}` : (what[0] ?? '')
    head.push(
      alert('WARNING', [
        `**This plan ${list} contact${destructive === 1 ? '' : 's'}.** Their sequences are open below, those changes first.`,
        IRREVERSIBLE_NOTE.replace(/^Note: /, ''),
      ]).trimEnd(),
      '',
    )
  }
  if (countChanges(plan) === 0 && plan.errors.length === 0)
    head.push('**No changes.** Apollo matches the manifests.', '')
  if (plan.summary.create > 0) head.push(`Contacts: ${plan.summary.create} to create.`, '')
  head.push(`**${renderClosingLine(plan.summary)}**`, '')
  const safety = renderSafetyLines(options.safety)
  if (safety.length > 0) head.push(...safety.map((l) => `- **${prose(l, style)}**`), '')
  const headText = `${head.join('\n')}\n`
  if (headText.length + tail.length > max) return `${headText}${tail}`.slice(0, Math.max(0, max))
  const b = new Budget(max - tail.length - GLOBAL_NOTE_RESERVE)
  b.push(headText)
  let omitted = false

  // Errors.
  if (plan.errors.length > 0) {
    b.tryPush(`#### Errors (${plan.errors.length})\n\n`)
    let shown = 0
    for (const e of plan.errors) {
      const where = e.source ? ` (${sourceReference(e.source, style, 'col')})` : ''
      if (!b.tryPush(`- ${prose(describePlanProblem(e), style)}${where} (\`${e.code}\`)\n`)) break
      shown++
    }
    if (shown < plan.errors.length) {
      b.push(moreNote(`${plan.errors.length - shown} more errors`))
      omitted = true
    }
    b.push('\n')
  }

  // Summary table: only the columns with a count, only the sequences with one.
  const columns = COLUMNS.filter((c) => perSequence.some(({n}) => n[c.key] > 0))
  const rows = perSequence.filter(({n}) => columns.some((c) => n[c.key] > 0))
  if (rows.length > 0) {
    const header = `| Sequence | ${columns.map((c) => c.title).join(' | ')} |\n|---|${columns.map(() => '---:|').join('')}\n`
    if (b.tryPush(header)) {
      let shown = 0
      for (const {s, n} of rows) {
        if (!b.tryPush(`| ${sequenceTitle(s, style)} | ${columns.map((c) => n[c.key]).join(' | ')} |\n`)) break
        shown++
      }
      if (shown < rows.length) {
        b.push(moreNote(`${rows.length - shown} more sequences`))
        omitted = true
      }
      b.push('\n')
    } else omitted = true
  }

  // API cost, whole or not at all.
  if (options.cost) {
    const table = renderCostTable(options.cost).map((l) => sanitizeCodeLine(l))
    const fence = chooseFence(table.join('\n'))
    if (!b.tryPush(`<details><summary>API cost</summary>\n\n${fence}\n${table.join('\n')}\n${fence}\n\n</details>\n\n`))
      omitted = true
  }

  // Sequence sections: those with destructive changes first; their changes get the room first.
  const withContent = perSequence.filter(
    ({s}) => s.changes.length > 0 || s.warnings.length > 0 || s.unmanaged.length > 0,
  )
  const ordered = [
    ...withContent.filter(({n}) => destructiveCount(n) > 0),
    ...withContent.filter(({n}) => destructiveCount(n) === 0),
  ]
  const sections: {readonly block: Block; readonly shown: {destructive: number; others: number}}[] = []
  let room = b.limit - b.used
  let omittedSequences = 0
  for (const {s, n} of ordered) {
    const block = buildBlock(s, n, style)
    const cost = fixedCost(block)
    if (cost > room) {
      omittedSequences++
      continue
    }
    room -= cost
    sections.push({block, shown: {destructive: 0, others: 0}})
  }
  for (const part of ['destructive', 'others'] as const) {
    for (const {block, shown} of sections) {
      for (const line of block[part]) {
        if (line.length > room) break
        room -= line.length
        shown[part]++
      }
    }
  }
  for (const {block, shown} of sections) {
    b.push(renderBlock(block, shown.destructive, shown.others))
    if (shown.destructive + shown.others < block.destructive.length + block.others.length) omitted = true
  }
  if (omittedSequences > 0)
    b.push(moreNote(`details of ${omittedSequences} more sequence${omittedSequences === 1 ? '' : 's'}`))
  else if (omitted) b.push('\n> Some sections were shortened to fit a comment; see the CI log for the full plan.\n')

  b.push(tail)
  return b.parts.join('')
}
