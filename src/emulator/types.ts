// Contract of the Apollo emulator (src/emulator/). Tests, the demo, the benchmarks and
// `seqsync emulator` all start it through `startEmulator` (src/emulator/server.ts).

/** Seed file format (JSON). Ids are 24-hex strings like Apollo's, but any string works. */
export interface EmulatorSeed {
  /** Keys accepted in `x-api-key`. Anything else gets Apollo's 401 text/plain. */
  readonly apiKeys: readonly string[]
  /** Keys that exist but lack the scope of some endpoints: key -> endpoints it may NOT call (403 API_INACCESSIBLE). */
  readonly restrictedKeys?: Readonly<Record<string, readonly string[]>>
  readonly users?: readonly {
    readonly id: string
    readonly email: string
    readonly first_name?: string
    readonly last_name?: string
  }[]
  readonly emailAccounts: readonly {
    readonly id: string
    readonly email: string
    readonly active: boolean
    readonly user_id?: string
    /** When Apollo revoked the mailbox (`revoked_at`); absent or null = not revoked. */
    readonly revoked_at?: string | null
  }[]
  readonly sequences: readonly {
    readonly id: string
    readonly name: string
    readonly active: boolean
    readonly archived?: boolean
  }[]
  readonly contacts: readonly SeedContact[]
}

export interface SeedContact {
  readonly id: string
  readonly email: string | null
  readonly first_name?: string | null
  readonly last_name?: string | null
  readonly organization_name?: string | null
  readonly title?: string | null
  /** `verified` (default) | `unverified` | … */
  readonly email_status?: string | null
  /** Additional emails (`contact_emails`). */
  readonly other_emails?: readonly string[]
  /** Apollo flags a job change: adds are skipped with `contacts_with_job_change` unless switched off. */
  readonly job_change?: boolean
  readonly memberships?: readonly {
    readonly sequence_id: string
    readonly status: 'active' | 'paused' | 'finished' | 'failed'
    readonly mailbox_id?: string
    readonly failure_reason?: string | null
    readonly inactive_reason?: string | null
    /** Who enrolled the contact (`added_by_user_id`); default: the user the API keys act as (the first of `users`). */
    readonly added_by_user_id?: string | null
  }[]
  /**
   * Sequences the contact was removed from with mode `remove` (snapshot only; additive). Apollo cannot
   * restart a contact in the same sequence, so a later add there is skipped as already existing.
   */
  readonly removed_sequence_ids?: readonly string[]
}

export interface RateLimitConfig {
  /** Requests per window, per endpoint; null = unlimited window. */
  readonly minute: number | null
  readonly hour: number | null
  readonly day: number | null
  /** Window length scale (1 = 60 s / 1 h / 24 h; 0.05 makes the minute 3 s). */
  readonly windowScale?: number
  /** Per-endpoint overrides, keyed by endpoint label (e.g. `contacts/search`). */
  readonly perEndpoint?: Readonly<
    Record<string, {readonly minute?: number | null; readonly hour?: number | null; readonly day?: number | null}>
  >
}

export interface FaultConfig {
  /** PRNG seed: the same seed and the same request sequence give the same faults. */
  readonly seed: number
  /** Probability (0..1) of a 500 before the write happens. */
  readonly error500Before?: number
  /** Probability of a 500 after the write happened (the response is lost, the change is made). */
  readonly error500After?: number
  /** Probability the connection is destroyed without a response (before or after the write, 50/50). */
  readonly dropConnection?: number
  /** Probability of a spurious minute-window 429 (with retry-after) that does nothing. */
  readonly spurious429?: number
  /** Added latency per request, uniformly in [min, max] ms. */
  readonly latencyMs?: readonly [number, number]
  /** Only these endpoint labels get faults (default: all write endpoints). */
  readonly endpoints?: readonly string[]
}

export interface EmulatorOptions {
  readonly seed: EmulatorSeed
  /** Default 0 (a free port). */
  readonly port?: number
  /** Default 127.0.0.1. */
  readonly host?: string
  /** Rate limits; null/undefined = no limits. */
  readonly rateLimits?: RateLimitConfig | null
  readonly faults?: FaultConfig | null
  /** Save the state (seed format) to this file after every write and on close. */
  readonly statePath?: string
  /** Display cap of searches in records (default 50,000 = 500 pages x 100). */
  readonly displayCap?: number
  /**
   * What a search page past the display cap gets (docs/emulator.md): `error` (default) a 422 naming
   * the limit, `empty` an empty page whose pagination still gives the true totals.
   */
  readonly pastDisplayCap?: 'error' | 'empty'
  /**
   * Request parameters the emulator silently ignores, as Apollo ignores unknown ones (tests: Apollo
   * stops honouring `sort_ascending`, `sort_by_field` or `emailer_campaign_ids`).
   */
  readonly ignoredParams?: readonly string[]
}

export interface EmulatorStats {
  /** Requests per endpoint label (every request that passed auth, including 429s and faults). */
  readonly requests: Readonly<Record<string, number>>
  /** 429 responses per endpoint label. */
  readonly rateLimited: Readonly<Record<string, number>>
  /** Faults injected, by kind. */
  readonly faults: Readonly<Record<string, number>>
}

export interface RunningEmulator {
  /** Base URL including `/api/v1`, e.g. `http://127.0.0.1:41234/api/v1`. */
  readonly url: string
  readonly port: number
  /** Current state, in seed format (a deep copy). */
  snapshot(): EmulatorSeed
  /** Mutate state directly (tests: simulate someone else changing Apollo). */
  setMembership(
    contactId: string,
    sequenceId: string,
    status: 'active' | 'paused' | 'finished' | 'failed' | 'absent',
    options?: {readonly mailboxId?: string | null; readonly addedByUserId?: string | null},
  ): void
  /** Tests: someone renames, (de)activates or archives a sequence in Apollo's UI. */
  updateSequence(
    id: string,
    patch: {readonly name?: string; readonly active?: boolean; readonly archived?: boolean},
  ): void
  /** Tests: a mailbox is deactivated (or reactivated), or its access revoked (an ISO time) or restored (null). */
  updateMailbox(id: string, patch: {readonly active?: boolean; readonly revokedAt?: string | null}): void
  /** Tests: a mailbox is disconnected from Apollo altogether (gone from `email_accounts`). */
  removeMailbox(id: string): void
  /** Tests: a contact appears in Apollo, created after every contact there. */
  addContact(contact: SeedContact): void
  /** Tests: a contact is deleted in Apollo (with its memberships). */
  deleteContact(id: string): void
  /**
   * Tests: run `action` once, just before the emulator answers the `n`-th request (1-based, counted
   * from this call) to the endpoint label `endpoint`: Apollo changing between two requests of a read.
   */
  onRequest(endpoint: string, n: number, action: () => void): void
  stats(): EmulatorStats
  resetStats(): void
  /** Change fault injection at run time (null = off). */
  setFaults(faults: FaultConfig | null): void
  setRateLimits(limits: RateLimitConfig | null): void
  close(): Promise<void>
}
