// What `seqsync doctor` found (services/doctor.ts), one check per line (render/doctor-report.ts).

export type CheckStatus = 'ok' | 'warn' | 'fail' | 'skip'

export interface DoctorCheck {
  /** What was checked, e.g. `key`, `scope contacts/search`, `mailbox sdr@acme.com`. */
  readonly check: string
  readonly status: CheckStatus
  readonly message: string
  /** What to do about a warn or a fail. */
  readonly hint?: string
}

export interface DoctorReport {
  readonly checks: readonly DoctorCheck[]
  /** No check failed. */
  readonly ok: boolean
}
