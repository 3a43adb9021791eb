// The one error hierarchy. Expected failures are SeqsyncError subclasses: printed without a stack,
// exit code 1 (unless `exitCode` says otherwise). Anything else is a bug.
// Never put the API key, request headers or request bodies on an error: oclif's JSON error output
// serialises every enumerable own property.

import {formatDuration, formatUtcTime} from './model/duration.js'
import type {SourceRef} from './model/state.js'
import {formatSourceRef} from './model/state.js'

export type ErrorCode =
  | 'CONFIG_INVALID'
  | 'MANIFEST_INVALID'
  | 'USAGE'
  | 'API_REQUEST_FAILED'
  | 'API_UNAUTHORIZED'
  | 'API_FORBIDDEN'
  | 'API_QUOTA_EXHAUSTED'
  | 'LIVE_STATE_INCOMPLETE'
  | 'PLAN_INVALID'
  | 'PLAN_UNSAFE'
  | 'PLAN_STALE'
  | 'PLAN_MISMATCH'
  | 'APPLY_NOT_CONFIRMED'
  | 'INTERNAL'

export abstract class SeqsyncError extends Error {
  abstract readonly code: ErrorCode
  readonly hint: string | undefined
  /** Process exit code for this error. */
  readonly exitCode: number = 1

  constructor(message: string, options: {hint?: string | undefined; cause?: unknown} = {}) {
    super(message, options.cause === undefined ? undefined : {cause: options.cause})
    this.name = new.target.name
    this.hint = options.hint
  }

  /** One line per item the error is about (plan problems, stale items, …), shown before the message. */
  details(): readonly string[] {
    return []
  }
}

/** One located problem in a manifest or config file. */
export interface Issue {
  readonly severity: 'error' | 'warning'
  readonly file: string
  readonly line: number
  readonly col: number
  readonly message: string
  /** Stable machine code, e.g. `yaml-syntax`, `schema`, `duplicate-contact`. */
  readonly code: string
  /** Other declarations involved (both sides of a duplicate, …). */
  readonly related?: readonly SourceRef[]
}

export class ManifestError extends SeqsyncError {
  readonly code = 'MANIFEST_INVALID'
  readonly issues: readonly Issue[]
  constructor(issues: readonly Issue[], options: {hint?: string} = {}) {
    const errors = issues.filter((i) => i.severity === 'error').length
    super(`${errors} error${errors === 1 ? '' : 's'} in manifests`, options)
    this.issues = issues
  }
}

export class ConfigError extends SeqsyncError {
  readonly code = 'CONFIG_INVALID'
  readonly issues: readonly Issue[]
  constructor(message: string, issues: readonly Issue[] = [], options: {hint?: string} = {}) {
    super(message, options)
    this.issues = issues
  }
}

export class UsageError extends SeqsyncError {
  readonly code = 'USAGE'
}

/** An HTTP-level failure talking to Apollo. Carries only safe fields. */
export class ApolloApiError extends SeqsyncError {
  readonly code: 'API_REQUEST_FAILED' | 'API_UNAUTHORIZED' | 'API_FORBIDDEN'
  readonly method: string
  readonly path: string
  /** HTTP status, or 0 for a network error / timeout. */
  readonly status: number
  /** Apollo's `error`/`message` (or text body), truncated to 300 characters. */
  readonly apolloMessage: string

  constructor(
    init: {method: string; path: string; status: number; apolloMessage: string},
    options: {hint?: string; cause?: unknown} = {},
  ) {
    const what = init.status === 0 ? 'network error' : `HTTP ${init.status}`
    super(
      `Apollo ${init.method} ${init.path} failed: ${what}${init.apolloMessage ? `: ${init.apolloMessage}` : ''}`,
      options,
    )
    this.code = init.status === 401 ? 'API_UNAUTHORIZED' : init.status === 403 ? 'API_FORBIDDEN' : 'API_REQUEST_FAILED'
    this.method = init.method
    this.path = init.path
    this.status = init.status
    this.apolloMessage = init.apolloMessage
  }
}

/** Apollo's hourly or daily window is exhausted: stop, tell the user when to resume. */
export class QuotaExhaustedError extends SeqsyncError {
  readonly code = 'API_QUOTA_EXHAUSTED'
  readonly endpoint: string
  readonly window: 'hour' | 'day'
  /** When the window is expected to reset (epoch ms), or null when unknown. */
  readonly resumeAt: number | null
  /**
   * `context.maxWaitMs`: the run was allowed to wait that long for a window (`--wait-for-quota`), and
   * this one resets later; null/absent: it was not allowed to wait. `context.waitedMs`: how long the
   * run has already waited for quota (--max-wait bounds all its waits together). `context.now`: the
   * time to count from.
   */
  constructor(
    endpoint: string,
    window: 'hour' | 'day',
    resumeAt: number | null,
    context: {readonly maxWaitMs?: number | null; readonly waitedMs?: number; readonly now?: number} = {},
  ) {
    const now = context.now ?? Date.now()
    const when =
      resumeAt === null ? 'later' : `at ${formatUtcTime(resumeAt, now)} (in ${formatDuration(resumeAt - now)})`
    const maxWaitMs = context.maxWaitMs ?? null
    super(`Apollo's ${window === 'hour' ? 'hourly' : 'daily'} quota for ${endpoint} is exhausted; resume ${when}`, {
      hint:
        maxWaitMs === null
          ? 'Re-run the same command after the window resets (seqsync converges from wherever it stopped), or pass --wait-for-quota to wait for it (up to --max-wait, default 6h).'
          : (context.waitedMs ?? 0) > 0
            ? `This run has already waited ${formatDuration(context.waitedMs ?? 0)} for Apollo's quota, and waiting for this window too would pass --max-wait (${formatDuration(maxWaitMs)}), the longest all of a run's waits may take together: raise --max-wait, or re-run the same command after the window resets.`
            : `That is longer than --max-wait (${formatDuration(maxWaitMs)}): raise --max-wait, or re-run the same command after the window resets.`,
    })
    this.endpoint = endpoint
    this.window = window
    this.resumeAt = resumeAt
  }
}

/** A live read that could not be complete (display cap, ignored filter): never plan removals from it. */
export class IncompleteReadError extends SeqsyncError {
  readonly code = 'LIVE_STATE_INCOMPLETE'
}

/**
 * Apollo refused a search page past its display cap (a 422 naming the limit). The reader learns the
 * cap from it and reads around it; it reaches the user only where a query cannot be split further.
 */
export class DisplayCapError extends IncompleteReadError {
  /** The cap Apollo's message names, in records; null when it names no number. */
  readonly cap: number | null
  constructor(init: {method: string; path: string; cap: number | null; apolloMessage: string}) {
    const limit =
      init.cap === null ? 'its display cap' : `its display cap of ${init.cap.toLocaleString('en-US')} records`
    super(`Apollo ${init.method} ${init.path} refused a page past ${limit}: HTTP 422: ${init.apolloMessage}`, {
      hint: 'Apollo lists at most that many records per query. seqsync reads around the cap (sorted from both ends, split by sequence); a query it cannot split further is refused rather than planned from a partial read.',
    })
    this.cap = init.cap
  }
}

/** The plan has blocking errors (unknown sequence, ambiguous contact, …) or a plan file is unusable. */
export class PlanError extends SeqsyncError {
  readonly code = 'PLAN_INVALID'
  readonly problems: readonly {message: string; source: SourceRef | null}[]
  constructor(
    message: string,
    problems: readonly {message: string; source: SourceRef | null}[] = [],
    options: {hint?: string} = {},
  ) {
    super(message, options)
    this.problems = problems
  }

  override details(): readonly string[] {
    return this.problems.map((p) =>
      p.source ? `${formatSourceRef(p.source)}: error: ${p.message}` : `error: ${p.message}`,
    )
  }
}

export class UnsafePlanError extends SeqsyncError {
  readonly code = 'PLAN_UNSAFE'
  readonly violations: readonly string[]
  readonly planned: number
  constructor(violations: readonly string[], planned: number, options: {hint?: string} = {}) {
    super(`Refusing to apply: ${violations.join('; ')}`, options)
    this.violations = violations
    this.planned = planned
  }

  override details(): readonly string[] {
    return this.violations.map((v) => `unsafe: ${v}`)
  }
}

export class StalePlanError extends SeqsyncError {
  readonly code = 'PLAN_STALE'
  readonly stale: readonly string[]
  constructor(stale: readonly string[]) {
    super(
      `The saved plan is stale: ${stale.length} item${stale.length === 1 ? '' : 's'} changed in Apollo since it was made`,
      {
        hint: 'Run `seqsync plan --out FILE` again and review the new plan.',
      },
    )
    this.stale = stale
  }

  override details(): readonly string[] {
    return this.stale.map((s) => `stale: ${s}`)
  }
}

export class PlanMismatchError extends SeqsyncError {
  readonly code = 'PLAN_MISMATCH'
}

export class NotConfirmedError extends SeqsyncError {
  readonly code = 'APPLY_NOT_CONFIRMED'
}

/** An invariant was violated: a bug in seqsync. */
export class BugError extends SeqsyncError {
  readonly code = 'INTERNAL'
}
