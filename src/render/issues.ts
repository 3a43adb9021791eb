// Pure renderers for validation issues: text (FILE:LINE:COL: severity: message), JSON and GitHub annotations.
import type {Issue} from '../errors.js'
import {formatSourceRef} from '../model/state.js'
import {flattenText} from './plan-text.js'

export interface ValidationSummary {
  readonly files: readonly string[]
  /** YAML files a directory walk or a wildcard found that are plainly not seqsync documents. */
  readonly skipped: readonly string[]
  /** Sorted issues. */
  readonly issues: readonly Issue[]
  /** Managed sequences and distinct contacts (meaningful when there are no errors). */
  readonly sequences: number
  readonly contacts: number
}

export const GITHUB_ANNOTATIONS_PER_SEVERITY = 10

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`
}

export function formatIssue(issue: Issue): string {
  return `${formatSourceRef(issue)}: ${issue.severity}: ${issue.message}`
}

export function renderSummaryLine(summary: ValidationSummary): string {
  const errors = summary.issues.filter((i) => i.severity === 'error').length
  const warnings = summary.issues.length - errors
  if (errors > 0)
    return `${plural(errors, 'error')}, ${plural(warnings, 'warning')} in ${plural(summary.files.length, 'file')}`
  const ok = `OK: ${plural(summary.files.length, 'file')}, ${plural(summary.sequences, 'sequence')}, ${plural(summary.contacts, 'contact')}`
  return warnings > 0 ? `${ok} (${plural(warnings, 'warning')})` : ok
}

/** How many skipped files are named before "and N more". */
export const SKIPPED_LISTED = 5

/** `skipped 3 YAML files that are not seqsync manifests: a.yml, b.yml, c.yml`, or null when none was. */
export function renderSkippedLine(skipped: readonly string[]): string | null {
  if (skipped.length === 0) return null
  const named = skipped.slice(0, SKIPPED_LISTED).map(flattenText).join(', ')
  const more = skipped.length > SKIPPED_LISTED ? ` and ${skipped.length - SKIPPED_LISTED} more` : ''
  const what =
    skipped.length === 1 ? 'YAML file that is not a seqsync manifest' : 'YAML files that are not seqsync manifests'
  return `skipped ${skipped.length} ${what}: ${named}${more}`
}

/** One line per issue, the skipped files, then the summary line. Ends with a newline. */
export function renderIssuesText(summary: ValidationSummary): string {
  const skipped = renderSkippedLine(summary.skipped)
  return (
    [...summary.issues.map(formatIssue), ...(skipped === null ? [] : [skipped]), renderSummaryLine(summary)].join(
      '\n',
    ) + '\n'
  )
}

/** The stable `validate --format json` document (formatVersion 1). */
export function renderIssuesJson(summary: ValidationSummary): string {
  const errors = summary.issues.filter((i) => i.severity === 'error').length
  const document = {
    formatVersion: 1,
    valid: errors === 0,
    files: summary.files,
    skipped: summary.skipped,
    summary: {
      errors,
      warnings: summary.issues.length - errors,
      files: summary.files.length,
      sequences: summary.sequences,
      contacts: summary.contacts,
    },
    issues: summary.issues.map((i) => ({
      severity: i.severity,
      file: i.file,
      line: i.line,
      col: i.col,
      code: i.code,
      message: i.message,
      related: i.related ?? [],
    })),
  }
  return JSON.stringify(document, null, 2) + '\n'
}

/** GitHub workflow-command escaping for the message (data) part. */
export function escapeGithubData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A')
}

/** GitHub workflow-command escaping for a property value (also `:` and `,`). */
export function escapeGithubProperty(text: string): string {
  return escapeGithubData(text).replace(/:/g, '%3A').replace(/,/g, '%2C')
}

/**
 * At most 10 `::error` and 10 `::warning` annotations (GitHub shows no more per step), a `::notice`
 * for the rest, then the plain text lines and summary.
 */
export function renderIssuesGithub(summary: ValidationSummary): string {
  const lines: string[] = []
  for (const severity of ['error', 'warning'] as const) {
    const ofSeverity = summary.issues.filter((i) => i.severity === severity)
    for (const issue of ofSeverity.slice(0, GITHUB_ANNOTATIONS_PER_SEVERITY)) {
      const props = `file=${escapeGithubProperty(issue.file)},line=${issue.line},col=${issue.col}`
      lines.push(`::${severity} ${props}::${escapeGithubData(issue.message)}`)
    }
    const rest = ofSeverity.length - GITHUB_ANNOTATIONS_PER_SEVERITY
    if (rest > 0)
      lines.push(`::notice::${escapeGithubData(`${rest} more ${severity}${rest === 1 ? '' : 's'}; see the log below`)}`)
  }
  return lines.join('\n') + (lines.length > 0 ? '\n' : '') + renderIssuesText(summary)
}
