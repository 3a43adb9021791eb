// A plan that could not be made still explains itself in the PR comment: every error (and
// warning) with its file:line, the message and the hint. Pure: string out.

import {ConfigError, ManifestError, PlanError} from '../errors.js'
import type {SeqsyncError} from '../errors.js'
import type {Annotation} from './issues.js'
import {issueAnnotation} from './issues.js'
import {
  alert,
  Budget,
  DEFAULT_MARKDOWN_MAX_CHARS,
  moreNote,
  PLAN_MARKER,
  prose,
  sourceReference,
} from './plan-markdown.js'
import type {MarkdownStyle} from './plan-markdown.js'

/** What a failed plan reports: its message and hint, and the located items (errors and warnings). */
export interface PlanFailure {
  readonly message: string
  readonly hint: string | undefined
  readonly items: readonly Annotation[]
}

/** The failure of a plan, from the error that stopped it (manifest issues, plan problems, other details). */
export function describePlanFailure(error: SeqsyncError): PlanFailure {
  const items: Annotation[] =
    error instanceof ManifestError || error instanceof ConfigError
      ? error.issues.map(issueAnnotation)
      : error instanceof PlanError
        ? error.problems.map((p) => ({severity: 'error', message: p.message, source: p.source}))
        : error.details().map((d) => ({severity: 'error', message: d, source: null}))
  return {message: error.message, hint: error.hint, items}
}

export interface FailureMarkdownOptions {
  readonly maskEmails: boolean
  readonly maxChars?: number
  readonly linkBase?: string
}

/** The PR comment of a failed plan (same marker as a plan, so CI updates the same comment). */
export function renderPlanFailureMarkdown(failure: PlanFailure, options: FailureMarkdownOptions): string {
  const style: MarkdownStyle = {mask: options.maskEmails, linkBase: options.linkBase}
  const max = options.maxChars ?? DEFAULT_MARKDOWN_MAX_CHARS
  const hint = failure.hint === undefined ? '' : `\nHint: ${prose(failure.hint, style)}\n`
  const head =
    `${PLAN_MARKER}\n### seqsync plan failed\n\n` +
    alert('CAUTION', [
      `**The plan could not be made; nothing was written to Apollo.** ${prose(failure.message, style)}`,
    ])
  const b = new Budget(max - hint.length - 100)
  b.push(head)
  for (const severity of ['error', 'warning'] as const) {
    const items = failure.items.filter((i) => i.severity === severity)
    if (items.length === 0) continue
    if (!b.tryPush(`#### ${severity === 'error' ? 'Errors' : 'Warnings'} (${items.length})\n\n`)) break
    let shown = 0
    for (const item of items) {
      const where = item.source ? ` (${sourceReference(item.source, style, 'col')})` : ''
      if (!b.tryPush(`- ${prose(item.message, style)}${where}\n`)) break
      shown++
    }
    if (shown < items.length) b.push(moreNote(`${items.length - shown} more ${severity}s`))
    b.push('\n')
  }
  b.push(hint)
  return b.parts.join('')
}
