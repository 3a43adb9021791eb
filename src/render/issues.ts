// Pure renderers for validation issues: text (FILE:LINE:COL: severity: message), JSON and GitHub annotations.
// File names and messages carry untrusted data (a file may be named `x\n::error::pwned`): every one is
// flattened to one line, and a GitHub log runs no command but the annotations written here.
import {createHash} from 'node:crypto'
import type {Issue} from '../errors.js'
import type {SourceRef} from '../model/state.js'
import {formatSourceRef} from '../model/state.js'
import {EXAMPLES_PER_GROUP} from './group-warnings.js'
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

/**
 * A line of a log that a CI runner reads: no `##[cmd]` (the runner's older command syntax, honoured
 * anywhere in a line). Flattened first, so no line break can start a new line.
 */
export function inertLogText(text: string): string {
  return flattenText(text).replace(/##\[/g, '## [')
}

/**
 * A whole log line, which may start with a file name: inert text, and `./` first when it would read
 * as `::command::` (only a file name can start a line with `::`).
 */
export function inertLine(text: string): string {
  const flat = inertLogText(text)
  return /^\s*::/.test(flat) ? `./${flat}` : flat
}

/** `FILE:LINE:COL: severity: message`, one inert line whatever the file is named and the message says. */
export function formatIssue(issue: Issue): string {
  return `${formatSourceRef({...issue, file: inertLine(issue.file)})}: ${issue.severity}: ${inertLogText(issue.message)}`
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
  const named = skipped.slice(0, SKIPPED_LISTED).map(inertLogText).join(', ')
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

/** An annotation's text: line breaks kept (escaped, GitHub shows them), every other control character flattened. */
function flattenAnnotationText(text: string): string {
  return text
    .split(/(\r\n|\r|\n)/)
    .map((part, i) => (i % 2 === 1 ? part : flattenText(part)))
    .join('')
}

/** One workflow annotation: its severity, its sentence, and where (a file line, or nothing). */
export interface Annotation {
  readonly severity: 'error' | 'warning'
  readonly message: string
  readonly source: SourceRef | null
}

/**
 * GitHub workflow-command lines: at most 10 `::error` and 10 `::warning` annotations (GitHub shows
 * no more per step), then a `::notice` counting the rest. Every value is escaped.
 */
export function renderAnnotations(annotations: readonly Annotation[]): string[] {
  const lines: string[] = []
  for (const severity of ['error', 'warning'] as const) {
    const ofSeverity = annotations.filter((a) => a.severity === severity)
    for (const a of ofSeverity.slice(0, GITHUB_ANNOTATIONS_PER_SEVERITY)) {
      const props = a.source
        ? ` file=${escapeGithubProperty(flattenText(a.source.file))},line=${a.source.line},col=${a.source.col}`
        : ''
      lines.push(`::${severity}${props}::${escapeGithubData(flattenAnnotationText(a.message))}`)
    }
    const rest = ofSeverity.length - GITHUB_ANNOTATIONS_PER_SEVERITY
    if (rest > 0)
      lines.push(`::notice::${escapeGithubData(`${rest} more ${severity}${rest === 1 ? '' : 's'}; see the log below`)}`)
  }
  return lines
}

/** An issue as an annotation at its file:line:col. */
export function issueAnnotation(issue: Issue): Annotation {
  return {severity: issue.severity, message: issue.message, source: issue}
}

/**
 * A GitHub log: the annotation lines, then `text` (which carries untrusted data) between
 * `::stop-commands::TOKEN` and `::TOKEN::`, so the runner runs no command in it. The token is a
 * hash of the text: a text cannot contain its own hash, and the output stays deterministic.
 */
export function renderGithubLog(annotations: readonly string[], text: string): string {
  const head = annotations.map((l) => `${l}\n`).join('')
  if (text === '') return head
  const token = createHash('sha256').update(text).digest('hex')
  return `${head}::stop-commands::${token}\n${text}${text.endsWith('\n') ? '' : '\n'}::${token}::\n`
}

/** The annotations of every issue (capped, see renderAnnotations), then the plain text lines and summary. */
export function renderIssuesGithub(summary: ValidationSummary): string {
  return renderGithubLog(renderAnnotations(summary.issues.map(issueAnnotation)), renderIssuesText(summary))
}

/**
 * Issues for a log another command prints before its own output (plan's validation warnings): per
 * severity and code, the first few in full and one line counting the rest, so tens of thousands of
 * warnings stay a few lines (`seqsync validate` lists every one). Ends with a newline, or is empty.
 */
export function renderIssuesGrouped(issues: readonly Issue[]): string {
  const groups = new Map<string, Issue[]>()
  for (const issue of issues) {
    const key = `${issue.severity} ${issue.code}`
    const group = groups.get(key)
    if (group) group.push(issue)
    else groups.set(key, [issue])
  }
  const lines: string[] = []
  for (const group of groups.values()) {
    lines.push(...group.slice(0, EXAMPLES_PER_GROUP).map(formatIssue))
    const rest = group.length - EXAMPLES_PER_GROUP
    const [first] = group
    if (rest > 0 && first) {
      lines.push(
        `${first.severity}: ${rest} more ${first.code} ${first.severity}${rest === 1 ? '' : 's'} like these (\`seqsync validate\` lists every one)`,
      )
    }
  }
  return lines.length > 0 ? `${lines.join('\n')}\n` : ''
}
