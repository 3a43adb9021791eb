// `apply --format json`: README's Safety model report, validated by schemas/apply-report.schema.json. Pure.

import type {AppliedItem, ApplyReport} from '../model/apply-report.js'
import type {PlanTarget} from '../model/plan.js'
import {maskEmail, maskEmailsInText} from './mask-email.js'
import {renderTargetJson} from './plan-json.js'
import {describePlanProblem, describeSkipReason, describeSkipRemedy} from './reasons.js'

export interface ApplyReportJsonOptions {
  readonly maskEmails?: boolean
  /** Where the plan was applied (`target`, as in the plan document). */
  readonly target?: PlanTarget
}

export function renderApplyReportJson(report: ApplyReport, options: ApplyReportJsonOptions = {}): object {
  const email = (e: string | null): string | null => (e !== null && options.maskEmails ? maskEmail(e) : e)
  const item = (i: AppliedItem) => ({kind: i.kind, contactId: i.contactId, email: email(i.email)})
  const text = (t: string): string => (options.maskEmails ? maskEmailsInText(t) : t)
  return {
    formatVersion: 1,
    planHash: report.planHash,
    ...(options.target ? {target: renderTargetJson(options.target, options.maskEmails === true)} : {}),
    converged: report.converged,
    verified: report.verified,
    interrupted: report.interrupted,
    summary: {...report.summary},
    sequences: report.sequences.map((s) => ({
      id: s.id,
      name: s.name,
      converged: s.converged,
      remaining: s.remaining,
      applied: s.applied.map(item),
      alreadyDone: s.alreadyDone.map(item),
      skipped: s.skipped.map((k) => {
        const remedy = describeSkipRemedy(k.kind, k.reason)
        return {
          kind: k.kind,
          contactId: k.contactId,
          email: email(k.email),
          reason: k.reason,
          message: describeSkipReason(k.reason),
          ...(remedy === null ? {} : {remedy}),
        }
      }),
      failed: s.failed.map((f) => ({kind: f.kind, contactId: f.contactId, email: email(f.email), error: f.error})),
      differences: s.differences.map(item),
    })),
    problems: report.problems.map((p) => ({code: p.code, message: text(describePlanProblem(p))})),
    manifestsChanged: report.manifestsChanged,
    calls: {...report.calls},
  }
}
