// `seqsync doctor` as text (one line per check, what to do under it) and as JSON. Pure. Apollo's
// words (names, emails, error messages) are flattened: no control characters reach the terminal.

import type {CheckStatus, DoctorReport} from '../model/doctor-report.js'
import {flattenText, paint} from './plan-text.js'

const STYLE = {ok: 'green', warn: 'yellow', fail: 'red', skip: 'dim'} as const

export function renderDoctorText(report: DoctorReport, options: {readonly color: boolean}): string {
  const lines: string[] = []
  for (const c of report.checks) {
    lines.push(
      `${paint(options.color, STYLE[c.status], c.status.padEnd(4))}  ${flattenText(c.check)}: ${flattenText(c.message)}`,
    )
    if (c.hint !== undefined && c.status !== 'ok') lines.push(`      ${flattenText(c.hint)}`)
  }
  const counts = (['ok', 'warn', 'fail', 'skip'] as const satisfies readonly CheckStatus[]).map(
    (s) => `${report.checks.filter((c) => c.status === s).length} ${s}`,
  )
  lines.push('', `doctor: ${counts.join(', ')}${report.ok ? '' : ' — fix the failed checks before the first plan'}`)
  return `${lines.join('\n')}\n`
}

export function renderDoctorJson(report: DoctorReport): string {
  const checks = report.checks.map((c) => ({
    check: flattenText(c.check),
    status: c.status,
    message: flattenText(c.message),
    hint: c.hint === undefined ? null : flattenText(c.hint),
  }))
  return `${JSON.stringify({formatVersion: 1, ok: report.ok, checks}, null, 2)}\n`
}
