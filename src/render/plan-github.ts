// `plan --format github`: workflow annotations (escaped, capped per GitHub's limits, see
// render/issues.ts) for validation issues and plan warnings, then the text plan for the log, in
// which the runner runs no command (renderGithubLog). Pure.

import type {Issue} from '../errors.js'
import type {Plan} from '../model/plan.js'
import {countContacts, groupWarnings} from './group-warnings.js'
import type {Annotation} from './issues.js'
import {issueAnnotation, renderAnnotations, renderGithubLog} from './issues.js'
import type {PlanFailure} from './plan-failure.js'
import {describeContact, flattenText, renderPlanText} from './plan-text.js'
import type {PlanTextOptions} from './plan-text.js'

/**
 * One warning annotation per sequence and group (at its first warning), so the few annotations
 * GitHub shows cover as many kinds of warning as possible; the count stays exact.
 */
function planAnnotations(plan: Plan, mask: boolean): Annotation[] {
  return plan.sequences.flatMap((s) =>
    groupWarnings(s.warnings).map((g): Annotation => {
      const [first] = g.warnings
      const about = g.warnings.filter((w) => w.email !== null || w.contactId !== null)
      const who =
        about.length === 1 && first
          ? `${describeContact(first.email, first.contactId, mask)}: `
          : about.length > 1
            ? `${countContacts(about.length)}: `
            : ''
      return {
        severity: 'warning',
        message: `Sequence "${flattenText(s.name)}": ${who}${g.sentence}`,
        source: first?.source ?? null,
      }
    }),
  )
}

export function renderPlanGithub(plan: Plan, issues: readonly Issue[], options: PlanTextOptions): string {
  const annotations = [...issues.map(issueAnnotation), ...planAnnotations(plan, options.maskEmails)]
  return renderGithubLog(renderAnnotations(annotations), renderPlanText(plan, options))
}

/** The annotations of a failed plan: every located error and warning (capped). */
export function renderPlanFailureGithub(failure: PlanFailure): string {
  return renderGithubLog(renderAnnotations(failure.items), '')
}
