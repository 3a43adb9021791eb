// Terraform-like text rendering of a Plan for terminals and CI logs. Pure: string out.

import type {
  ApiCost,
  Change,
  Plan,
  PlanProblem,
  PlanSummary,
  PlanTarget,
  PlanWarning,
  SafetyAssessment,
  SequencePlan,
  UnmanagedMember,
  UnmanagedReason,
  WarningCode,
} from '../model/plan.js'
import {formatSourceRef} from '../model/state.js'
import {countContacts, groupWarnings, EXAMPLES_PER_GROUP} from './group-warnings.js'
import type {WarningGroup} from './group-warnings.js'
import {maskEmail, maskEmailsInText} from './mask-email.js'
import {
  describeForecastSkip,
  describePlanProblem,
  describePossibleSkip,
  describePruneScope,
  describeRequiredOverrides,
  describeSafetyViolation,
  describeUnmanagedLabel,
} from './reasons.js'

export interface PlanTextOptions {
  readonly color: boolean
  readonly maskEmails: boolean
  readonly cost?: ApiCost
  /** The API host and account the plan was read from: the first line when given. */
  readonly target?: PlanTarget
  /** The plan against the safety brakes: shown when it exceeds one. */
  readonly safety?: SafetyAssessment
}

/** How many unmanaged members are listed by name before "and N more". */
export const UNMANAGED_LISTED = 5

const ANSI = {green: 32, red: 31, yellow: 33, bold: 1, dim: 2, cyan: 36} as const
type Style = keyof typeof ANSI

/** A tiny colour helper: identity when colour is off. */
export function paint(enabled: boolean, style: Style, text: string): string {
  return enabled ? `\u001b[${ANSI[style]}m${text}\u001b[0m` : text
}

/** One line of user/Apollo data: no control characters, no line breaks (they could forge plan lines). */
export function flattenText(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]+/g, ' ')
}

/** The display of a contact in a change line. */
export function describeContact(email: string | null, contactId: string | null, mask: boolean): string {
  if (email !== null) return flattenText(mask ? maskEmail(email) : email)
  return contactId === null ? '(unknown contact)' : `id ${contactId}`
}

/**
 * `Plan: 12 to add, 3 to remove, 2 to finish, 0 to stop, 4 skips forecast.` (README: Commands, the plan outputs, never
 * reworded), then ` 7 possible skips.` when there are any.
 */
export function renderClosingLine(summary: PlanSummary): string {
  const possible = summary.skipsPossible > 0 ? ` ${summary.skipsPossible} possible skips.` : ''
  return `Plan: ${summary.add} to add, ${summary.remove} to remove, ${summary.finish} to finish, ${summary.stop} to stop, ${summary.skipsForecast} skips forecast.${possible}`
}

/** `Target: <host>, team <id>, key owner <name> <email> (user <id>)`: where a plan or an apply runs. */
export function renderTargetLine(target: PlanTarget, mask: boolean): string {
  const owner = target.keyOwner
  if (owner === null) return flattenText(`Target: ${target.apiHost} (account not read: no managed sequence)`)
  const email = owner.email === null ? '' : ` <${mask ? maskEmail(owner.email) : owner.email}>`
  const who = `${owner.name ?? 'unnamed user'}${email} (user ${owner.userId})`
  return flattenText(`Target: ${target.apiHost}, team ${owner.teamId ?? 'unknown'}, key owner ${who}`)
}

export function countChanges(plan: Plan): number {
  return plan.sequences.reduce((n, s) => n + s.changes.length, 0)
}

function symbolFor(kind: Change['kind']): {symbol: string; style: Style} {
  switch (kind) {
    case 'create':
    case 'add':
      return {symbol: '+', style: 'green'}
    case 'remove':
      return {symbol: '-', style: 'red'}
    case 'finish':
    case 'stop':
      return {symbol: '~', style: 'yellow'}
  }
}

/** What Apollo is expected to do with an add, as a clause after its line ('' when nothing). */
export function describeAddForecast(c: Change): string {
  if (c.kind !== 'add') return ''
  if (c.forecastSkip !== undefined) return describeForecastSkip(c.forecastSkip)
  return c.possibleSkip === undefined ? '' : describePossibleSkip(c.possibleSkip)
}

/**
 * A change's line in parts, each one line of text, for every format: what happens to whom
 * (`new contact x`, `x`, `x (finish)`), where it comes from (`# file:line` or the prune note), and
 * what Apollo is expected to do with an add ('' when nothing). The symbol and styling are the format's.
 */
export function describeChangeLine(c: Change, mask: boolean): {what: string; origin: string; forecast: string} {
  const who = describeContact(c.email, c.contactId, mask)
  const what =
    c.kind === 'create' ? `new contact ${who}` : c.kind === 'finish' || c.kind === 'stop' ? `${who} (${c.kind})` : who
  const origin = c.source
    ? `# ${flattenText(formatSourceRef(c.source, {precision: 'line'}))}`
    : '# pruned: not declared in the manifest'
  return {what, origin, forecast: describeAddForecast(c)}
}

function renderChange(c: Change, o: PlanTextOptions): string {
  const {symbol, style} = symbolFor(c.kind)
  const {what, origin, forecast} = describeChangeLine(c, o.maskEmails)
  const note = forecast === '' ? '' : `  ${paint(o.color, 'yellow', forecast)}`
  return `  ${paint(o.color, style, `${symbol} ${what}`)}  ${paint(o.color, 'dim', origin)}${note}`
}

/** `<contact>: ` before a warning's sentence, or nothing for a warning about the whole sequence. */
export function warningSubject(w: PlanWarning, mask: boolean): string {
  return w.email !== null || w.contactId ? `${describeContact(w.email, w.contactId, mask)}: ` : ''
}

/** Said before the closing line of a plan that removes or finishes contacts (the Markdown banner says it too). */
export const IRREVERSIBLE_NOTE =
  'Note: Apollo does not let a removed or finished contact back into the same sequence (use a new or cloned sequence).'

/** Warnings shown with the changes or the header rather than in the warning groups. */
const WARNINGS_SHOWN_ELSEWHERE: ReadonlySet<WarningCode> = new Set([
  'skip-forecast',
  'skip-possible',
  'sequence-inactive',
  'unmanaged',
  'unmanaged-not-owned',
])

/**
 * One line per group: a single warning as `<contact>: <sentence> (<where>)`; several as
 * `N contacts: <sentence>: a (where), b (where), c (where) and K more`.
 */
function renderWarningGroup(g: WarningGroup, o: PlanTextOptions): string {
  const mask = (t: string): string => flattenText(o.maskEmails ? maskEmailsInText(t) : t)
  const where = (w: PlanWarning): string =>
    w.source ? ` (${flattenText(formatSourceRef(w.source, {precision: 'line'}))})` : ''
  const label = paint(o.color, 'yellow', 'warning:')
  const [first] = g.warnings
  if (g.warnings.length === 1 && first)
    return `  ${label} ${warningSubject(first, o.maskEmails)}${mask(g.sentence)}${where(first)}`
  const examples = g.warnings
    .slice(0, EXAMPLES_PER_GROUP)
    .map((w) => `${describeContact(w.email, w.contactId, o.maskEmails)}${where(w)}`)
  const more = g.warnings.length - examples.length
  return `  ${label} ${countContacts(g.warnings.length)}: ${mask(g.sentence)}: ${examples.join(', ')}${more > 0 ? ` and ${more} more` : ''}`
}

function renderUnmanaged(members: readonly UnmanagedMember[], reason: UnmanagedReason, o: PlanTextOptions): string[] {
  const these = members.filter((m) => m.reason === reason)
  if (these.length === 0) return []
  const shown = these.slice(0, UNMANAGED_LISTED).map((m) => describeContact(m.email, m.contactId, o.maskEmails))
  const more = these.length - shown.length
  return [
    `  ${describeUnmanagedLabel(reason, these.length)}: ${shown.join(', ')}${more > 0 ? ` and ${more} more` : ''}`,
  ]
}

function renderSequence(s: SequencePlan, o: PlanTextOptions): string[] {
  const name = flattenText(s.name)
  const header = `${paint(o.color, 'bold', `Sequence "${name}"`)} (${s.id})${s.active ? '' : ' [inactive: contacts will be enrolled paused]'}`
  const lines = [header]
  if (s.prune !== 'none') lines.push(`  ${describePruneScope(s.prune, s.pruneScope)}`)
  if (s.changes.length === 0) lines.push('  no changes')
  for (const c of s.changes) lines.push(renderChange(c, o))
  for (const g of groupWarnings(s.warnings.filter((w) => !WARNINGS_SHOWN_ELSEWHERE.has(w.code)))) {
    lines.push(renderWarningGroup(g, o))
  }
  lines.push(
    ...renderUnmanaged(s.unmanaged, 'prune-none', o),
    ...renderUnmanaged(s.unmanaged, 'added-by-another-user', o),
  )
  return lines
}

function renderError(e: PlanProblem, o: PlanTextOptions): string {
  const where = e.source ? `${flattenText(formatSourceRef(e.source))}: ` : ''
  const text = describePlanProblem(e)
  return `${paint(o.color, 'red', 'Error:')} ${where}${flattenText(o.maskEmails ? maskEmailsInText(text) : text)}`
}

function formatQuota(q: {minute: number | null; hour: number | null; day: number | null} | undefined): string {
  if (!q) return 'unknown'
  const f = (n: number | null) => (n === null ? '?' : String(n))
  return `${f(q.minute)}/min ${f(q.hour)}/h ${f(q.day)}/day`
}

/** The API cost table: calls made, calls apply needs, quota left per endpoint. */
export function renderCostTable(cost: ApiCost): string[] {
  const endpoints = [...new Set([...Object.keys(cost.planCalls), ...Object.keys(cost.applyCalls)])].sort()
  const rows = endpoints.map((e) => [
    e,
    String(cost.planCalls[e] ?? 0),
    String(cost.applyCalls[e] ?? 0),
    formatQuota(cost.quotaLeft[e]),
  ])
  const head = ['endpoint', 'plan calls', 'apply calls', 'quota left']
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)))
  const fmt = (r: readonly string[]) =>
    r
      .map((cell, i) => (i === 1 || i === 2 ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd()
  const lines = ['API cost:', `  ${fmt(head)}`, ...rows.map((r) => `  ${fmt(r)}`)]
  for (const w of cost.warnings) lines.push(`  warning: ${flattenText(w)}`)
  return lines
}

/** `Safety: …` lines for a plan over a brake, ending with the flags apply will need; none when within. */
export function renderSafetyLines(safety: SafetyAssessment | undefined): string[] {
  const needs = safety === undefined ? null : describeRequiredOverrides(safety)
  if (safety === undefined || needs === null) return []
  return [...safety.violations.map((v) => `Safety: ${flattenText(describeSafetyViolation(v))}.`), `Safety: ${needs}.`]
}

export function renderPlanText(plan: Plan, options: PlanTextOptions): string {
  const lines: string[] = options.target ? [renderTargetLine(options.target, options.maskEmails), ''] : []
  for (const s of plan.sequences) {
    if (s.changes.length === 0 && s.warnings.length === 0 && s.unmanaged.length === 0) continue
    lines.push(...renderSequence(s, options), '')
  }
  if (plan.errors.length > 0) {
    for (const e of plan.errors) lines.push(renderError(e, options))
    lines.push('')
  }
  if (options.cost) lines.push(...renderCostTable(options.cost), '')
  if (countChanges(plan) === 0 && plan.errors.length === 0) lines.push('No changes. Apollo matches the manifests.')
  if (plan.summary.remove + plan.summary.finish > 0) lines.push(IRREVERSIBLE_NOTE)
  if (plan.summary.create > 0) lines.push(`Contacts: ${plan.summary.create} to create.`)
  lines.push(renderClosingLine(plan.summary))
  const safety = renderSafetyLines(options.safety)
  if (safety.length > 0) lines.push(...safety.map((l) => paint(options.color, 'yellow', l)))
  return `${lines.join('\n')}\n`
}
