// Text rendering of an ApplyReport (end of `seqsync apply`). Pure: string out.

import type {ApplyReport, SequenceReport} from '../model/apply-report.js'
import {maskEmailsInText} from './mask-email.js'
import {describeContact, flattenText, paint} from './plan-text.js'
import {describePlanProblem, describeSkipReason, describeSkipRemedy, showReasonCode} from './reasons.js'

export interface ApplyReportTextOptions {
  readonly color: boolean
  readonly maskEmails: boolean
}

function countBy(items: readonly {kind: string}[]): string {
  const m = new Map<string, number>()
  for (const i of items) m.set(i.kind, (m.get(i.kind) ?? 0) + 1)
  return [...m.entries()].map(([k, n]) => `${n} ${k}`).join(', ')
}

function renderSequence(s: SequenceReport, o: ApplyReportTextOptions): string[] {
  const state = s.converged
    ? paint(o.color, 'green', 'converged')
    : paint(
        o.color,
        'red',
        `not converged${s.remaining > 0 ? ` (${s.remaining} change${s.remaining === 1 ? '' : 's'} remaining)` : ''}`,
      )
  const lines = [`${paint(o.color, 'bold', `Sequence "${flattenText(s.name)}"`)} (${s.id}): ${state}`]
  lines.push(`  applied: ${s.applied.length}${s.applied.length > 0 ? ` (${countBy(s.applied)})` : ''}`)
  if (s.alreadyDone.length > 0) lines.push(`  already done: ${s.alreadyDone.length} (${countBy(s.alreadyDone)})`)
  for (const k of s.skipped) {
    lines.push(
      `  ${paint(o.color, 'yellow', 'skipped')} ${describeContact(k.email, k.contactId, o.maskEmails)} (${k.kind}): ${describeSkipReason(k.reason)} [${showReasonCode(k.reason)}]`,
    )
    const remedy = describeSkipRemedy(k.kind, k.reason)
    if (remedy !== null) lines.push(`    remedy: ${remedy}`)
  }
  for (const f of s.failed) {
    lines.push(
      `  ${paint(o.color, 'red', 'failed')} ${describeContact(f.email, f.contactId, o.maskEmails)} (${f.kind}): ${flattenText(f.error)}`,
    )
  }
  for (const d of s.differences) {
    lines.push(
      `  ${paint(o.color, 'yellow', 'differs')} ${describeContact(d.email, d.contactId, o.maskEmails)}: a plan now would ${d.kind} it (not in the applied plan)`,
    )
  }
  return lines
}

/** Why the plan's own changes did not all happen, in one clause; null when they did. */
function describeShortfall(report: ApplyReport): string | null {
  const parts: string[] = []
  if (report.interrupted) parts.push('the run was interrupted before every batch was sent')
  if (report.summary.skipped > 0) parts.push(`${report.summary.skipped} skipped by Apollo`)
  if (report.summary.failed > 0) parts.push(`${report.summary.failed} failed`)
  return parts.length > 0 ? parts.join(', ') : null
}

/** The verdict lines: whether Apollo matches, and if not, each reason with what to do. */
function renderVerdict(report: ApplyReport, o: ApplyReportTextOptions): string[] {
  if (report.converged) return [paint(o.color, 'green', 'Apollo matches the manifests.')]
  const lines: string[] = []
  const shortfall = describeShortfall(report)
  if (shortfall !== null) {
    lines.push(paint(o.color, 'red', `Apollo does not match the manifests: ${shortfall}.`))
  }
  const n = report.summary.differences
  if (n > 0) {
    const what = `${n} difference${n === 1 ? '' : 's'} appeared since it was made: run plan`
    lines.push(
      paint(o.color, 'yellow', shortfall === null ? `The reviewed plan was applied; ${what}.` : `Also, ${what}.`),
    )
  }
  for (const p of report.problems) {
    const text = describePlanProblem(p)
    lines.push(`  ${paint(o.color, 'yellow', 'problem:')} ${flattenText(o.maskEmails ? maskEmailsInText(text) : text)}`)
  }
  if (report.manifestsChanged === true) {
    lines.push(paint(o.color, 'yellow', 'The manifests on this branch changed since the plan was made: run plan.'))
  }
  return lines
}

/**
 * What apply says when the plan has no changes (after the plan itself, which says "No changes"): for
 * a saved plan, that Apollo was not read again; when the manifests moved since, that too.
 */
export function renderNothingToApply(report: ApplyReport, options: ApplyReportTextOptions): string {
  const lines: string[] = []
  if (!report.verified) {
    lines.push(
      'Nothing to apply: the saved plan has no changes. Sequence membership was not read again; run plan to see what changed since it was made.',
    )
  }
  if (report.manifestsChanged === true) lines.push(...renderVerdict(report, options))
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`
}

export function renderApplyReportText(report: ApplyReport, options: ApplyReportTextOptions): string {
  const lines: string[] = []
  for (const s of report.sequences) lines.push(...renderSequence(s, options), '')
  const {applied, alreadyDone, skipped, failed} = report.summary
  const done = alreadyDone > 0 ? `, ${alreadyDone} already done` : ''
  lines.push(`Apply complete: ${applied} applied${done}, ${skipped} skipped, ${failed} failed.`)
  lines.push(...renderVerdict(report, options))
  return `${lines.join('\n')}\n`
}
