// The plan in the format a command was asked for (`--format text|json|markdown|github`), and a
// failed plan in the formats that explain failures (markdown, github). Pure: string out.

import type {Issue} from '../errors.js'
import type {Plan} from '../model/plan.js'
import type {PlanFailure} from './plan-failure.js'
import {renderPlanFailureMarkdown} from './plan-failure.js'
import {renderPlanFailureGithub, renderPlanGithub} from './plan-github.js'
import {renderPlanJson} from './plan-json.js'
import type {PlanJsonOptions} from './plan-json.js'
import {renderPlanMarkdown} from './plan-markdown.js'
import type {PlanMarkdownOptions} from './plan-markdown.js'
import {renderPlanText} from './plan-text.js'
import type {PlanTextOptions} from './plan-text.js'

export const PLAN_FORMATS = ['text', 'json', 'markdown', 'github'] as const
export type PlanFormat = (typeof PLAN_FORMATS)[number]

export type PlanRenderOptions = PlanTextOptions &
  PlanJsonOptions &
  PlanMarkdownOptions & {
    /** Validation warnings of the manifests (annotated by the github format). */
    readonly issues: readonly Issue[]
  }

export function renderPlan(plan: Plan, format: PlanFormat, options: PlanRenderOptions): string {
  switch (format) {
    case 'text':
      return renderPlanText(plan, options)
    case 'json':
      return JSON.stringify(renderPlanJson(plan, options), null, 2)
    case 'markdown':
      return renderPlanMarkdown(plan, options)
    case 'github':
      return renderPlanGithub(plan, options.issues, options)
  }
}

/** What a failed plan prints on stdout in `format`, or null where the error lines say it all (text, json). */
export function renderPlanFailure(
  failure: PlanFailure,
  format: PlanFormat,
  options: Pick<PlanMarkdownOptions, 'maskEmails' | 'linkBase'>,
): string | null {
  switch (format) {
    case 'markdown':
      return renderPlanFailureMarkdown(failure, options)
    case 'github':
      return renderPlanFailureGithub(failure)
    case 'text':
    case 'json':
      return null
  }
}
