// `apply --format json`: PRODUCT.md §5's report, validated by schemas/apply-report.schema.json. Pure.

import type {ApplyReport} from '../model/apply-report.js'
import {maskEmail} from './mask-email.js'
import {describeSkipReason} from './reasons.js'

export function renderApplyReportJson(report: ApplyReport, options: {readonly maskEmails?: boolean} = {}): object {
  const email = (e: string | null): string | null => (e !== null && options.maskEmails ? maskEmail(e) : e)
  return {
    formatVersion: 1,
    planHash: report.planHash,
    converged: report.converged,
    interrupted: report.interrupted,
    summary: {...report.summary},
    sequences: report.sequences.map((s) => ({
      id: s.id,
      name: s.name,
      converged: s.converged,
      remaining: s.remaining,
      applied: s.applied.map((a) => ({kind: a.kind, contactId: a.contactId, email: email(a.email)})),
      skipped: s.skipped.map((k) => ({
        kind: k.kind,
        contactId: k.contactId,
        email: email(k.email),
        reason: k.reason,
        message: describeSkipReason(k.reason),
      })),
      failed: s.failed.map((f) => ({kind: f.kind, contactId: f.contactId, email: email(f.email), error: f.error})),
    })),
    calls: {...report.calls},
  }
}
