// The plan in the format a command was asked for (`--format text|json|markdown`). Pure: string out.

import type {Plan} from '../model/plan.js'
import {renderPlanJson} from './plan-json.js'
import type {PlanJsonOptions} from './plan-json.js'
import {renderPlanMarkdown} from './plan-markdown.js'
import {renderPlanText} from './plan-text.js'
import type {PlanTextOptions} from './plan-text.js'

export const PLAN_FORMATS = ['text', 'json', 'markdown'] as const
export type PlanFormat = (typeof PLAN_FORMATS)[number]

export function renderPlan(plan: Plan, format: PlanFormat, options: PlanTextOptions & PlanJsonOptions): string {
  switch (format) {
    case 'text':
      return renderPlanText(plan, options)
    case 'json':
      return JSON.stringify(renderPlanJson(plan, options), null, 2)
    case 'markdown':
      return renderPlanMarkdown(plan, options)
  }
}
