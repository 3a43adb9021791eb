// Text rendering of an ApplyReport (end of `seqsync apply`). Pure: string out.

import type {ApplyReport, SequenceReport} from '../model/apply-report.js'
import {describeContact, flattenText, paint} from './plan-text.js'
import {describeSkipReason, describeSkipRemedy} from './reasons.js'

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
  for (const k of s.skipped) {
    lines.push(
      `  ${paint(o.color, 'yellow', 'skipped')} ${describeContact(k.email, k.contactId, o.maskEmails)} (${k.kind}): ${describeSkipReason(k.reason)} [${flattenText(k.reason)}]`,
    )
    const remedy = describeSkipRemedy(k.kind, k.reason)
    if (remedy !== null) lines.push(`    remedy: ${remedy}`)
  }
  for (const f of s.failed) {
    lines.push(
      `  ${paint(o.color, 'red', 'failed')} ${describeContact(f.email, f.contactId, o.maskEmails)} (${f.kind}): ${flattenText(f.error)}`,
    )
  }
  return lines
}

/** Why the run did not converge, in one clause. */
function describeDivergence(report: ApplyReport): string {
  const parts: string[] = []
  if (report.interrupted) parts.push('the run was interrupted before every batch was sent')
  if (report.summary.skipped > 0) parts.push(`${report.summary.skipped} skipped by Apollo`)
  if (report.summary.failed > 0) parts.push(`${report.summary.failed} failed`)
  const remaining = report.sequences.reduce((n, s) => n + s.remaining, 0)
  const off = report.sequences.filter((s) => !s.converged).length
  if (remaining > 0)
    parts.push(
      `${remaining} change${remaining === 1 ? '' : 's'} still needed in ${off} sequence${off === 1 ? '' : 's'}`,
    )
  return parts.length > 0 ? parts.join(', ') : 'the re-read after apply still differs'
}

export function renderApplyReportText(report: ApplyReport, options: ApplyReportTextOptions): string {
  const lines: string[] = []
  for (const s of report.sequences) lines.push(...renderSequence(s, options), '')
  const {applied, skipped, failed} = report.summary
  lines.push(`Apply complete: ${applied} applied, ${skipped} skipped, ${failed} failed.`)
  lines.push(
    report.converged
      ? paint(options.color, 'green', 'Apollo matches the manifests.')
      : paint(options.color, 'red', `Apollo does not match the manifests: ${describeDivergence(report)}.`),
  )
  return `${lines.join('\n')}\n`
}
