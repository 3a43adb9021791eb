// The trust boundary of a saved plan: a plan file is untrusted input (anyone can edit it), so its
// `plan` is checked field by field and rebuilt as typed values. Everything past this point trusts
// the types (an add has its mailbox, a removal its contact id). The plan hash is checked by the caller.

import type {
  Change,
  ChangeReason,
  Plan,
  PlanWarning,
  PossibleSkip,
  SequencePlan,
  UnmanagedMember,
} from '../model/plan.js'
import {CHANGE_ORDER, WARNING_CODES} from '../model/plan.js'
import {isRecord} from '../model/guards.js'
import type {ContactDetails, EnrollSwitches, LiveStatus, SourceRef} from '../model/state.js'
import {MEMBER_STATUSES, PRUNE_MODES, PRUNE_SCOPES} from '../model/state.js'
import {summarise} from '../planner/compute-plan.js'

export type Fail = (message: string) => never

const CHANGE_REASONS: readonly ChangeReason[] = [
  'declared-in-contacts',
  'declared-in-finished',
  'declared-in-stopped',
  'declared-in-removed',
  'pruned',
  'missing-contact',
]
const LIVE_STATUSES: readonly LiveStatus[] = ['absent', ...MEMBER_STATUSES]
const DETAIL_KEYS = [
  'firstName',
  'lastName',
  'organization',
  'title',
] as const satisfies readonly (keyof ContactDetails)[]

/** Reads the fields of one untrusted JSON object; every failure names the field's path. */
export class Fields {
  private constructor(
    private readonly value: Record<string, unknown>,
    readonly where: string,
    private readonly fail: Fail,
  ) {}

  static of(value: unknown, where: string, fail: Fail): Fields {
    if (!isRecord(value)) return fail(`${where} must be an object`)
    return new Fields(value, where, fail)
  }

  has(key: string): boolean {
    return this.value[key] !== undefined
  }

  keys(): string[] {
    return Object.keys(this.value)
  }

  raw(key: string): unknown {
    return this.value[key]
  }

  string(key: string): string {
    const v = this.value[key]
    return typeof v === 'string' ? v : this.fail(`${this.where}.${key} must be a string`)
  }

  nullableString(key: string): string | null {
    const v = this.value[key]
    return v === null || typeof v === 'string' ? v : this.fail(`${this.where}.${key} must be a string or null`)
  }

  boolean(key: string): boolean {
    const v = this.value[key]
    return typeof v === 'boolean' ? v : this.fail(`${this.where}.${key} must be true or false`)
  }

  count(key: string): number {
    const v = this.value[key]
    return typeof v === 'number' && Number.isInteger(v) && v >= 0
      ? v
      : this.fail(`${this.where}.${key} must be a non-negative integer`)
  }

  oneOf<T extends string>(key: string, allowed: readonly T[], what: string): T {
    const v = this.value[key]
    return allowed.find((a) => a === v) ?? this.fail(`${this.where}.${key} is not ${what}`)
  }

  object(key: string): Fields {
    return Fields.of(this.value[key], `${this.where}.${key}`, this.fail)
  }

  array(key: string): readonly unknown[] {
    const v = this.value[key]
    return Array.isArray(v) ? v : this.fail(`${this.where}.${key} must be an array`)
  }

  source(key: string): SourceRef | null {
    if (this.value[key] === null) return null
    const s = this.object(key)
    return {file: s.string('file'), line: s.count('line'), col: s.count('col')}
  }
}

/** Checks a plan file's `plan` and rebuilds it as a typed Plan (see the header). */
export function parsePlan(value: unknown, fail: Fail): Plan {
  if (!isRecord(value)) return fail('"plan" is missing')
  if (value['formatVersion'] !== 1) fail(`unsupported plan formatVersion ${JSON.stringify(value['formatVersion'])}`)
  const errors = value['errors']
  if (!Array.isArray(errors)) return fail('"plan.errors" must be an array')
  // `plan --out` never writes a plan with blocking errors; one that has them was edited and must not be applied.
  if (errors.length > 0) fail('"plan.errors" is not empty: this plan cannot be applied')
  const sequences = value['sequences']
  if (!Array.isArray(sequences)) return fail('"plan.sequences" must be an array')
  const plan = Fields.of(value, 'plan', fail)
  const parsed = sequences.map((s: unknown, i) => parseSequence(s, `plan.sequences[${i}]`, fail))
  // The summary is derived from the changes, never taken from the file: the closing line, the brakes
  // and the confirmation all read it, so it must say what apply will do.
  const summary = summarise(parsed)
  const stated = plan.object('summary')
  for (const key of Object.keys(summary) as (keyof typeof summary)[]) {
    if (stated.count(key) !== summary[key]) {
      fail(`plan.summary.${key} is ${stated.count(key)} but the plan's changes count ${summary[key]}`)
    }
  }
  return {formatVersion: 1, planHash: plan.string('planHash'), summary, sequences: parsed, errors: []}
}

function parseSequence(value: unknown, where: string, fail: Fail): SequencePlan {
  if (!isRecord(value) || typeof value['id'] !== 'string' || typeof value['name'] !== 'string') {
    return fail(`${where} must have a string id and name`)
  }
  const s = Fields.of(value, where, fail)
  const id = s.string('id')
  return {
    id,
    name: s.string('name'),
    active: s.boolean('active'),
    source: s.source('source') ?? fail(`${where}.source must be an object`),
    prune: s.oneOf('prune', PRUNE_MODES, 'a prune mode'),
    pruneScope: s.oneOf('pruneScope', PRUNE_SCOPES, 'a prune scope'),
    // The safety percent rule reads it: plan-file.ts checks it against the basis, which apply re-reads.
    liveMembers: s.count('liveMembers'),
    unmanaged: s.array('unmanaged').map((m, i) => parseUnmanaged(Fields.of(m, `${where}.unmanaged[${i}]`, fail))),
    changes: s.array('changes').map((c, i) => parseChange(Fields.of(c, `${where}.changes[${i}]`, fail), id, fail)),
    warnings: s.array('warnings').map((w, i) => parseWarning(Fields.of(w, `${where}.warnings[${i}]`, fail))),
  }
}

function parseUnmanaged(m: Fields): UnmanagedMember {
  return {
    contactId: m.string('contactId'),
    email: m.nullableString('email'),
    status: m.oneOf('status', MEMBER_STATUSES, 'a member status'),
    reason: m.oneOf('reason', ['prune-none', 'added-by-another-user'] as const, 'an unmanaged reason'),
    addedByUserId: m.nullableString('addedByUserId'),
  }
}

function parseChange(c: Fields, sequenceId: string, fail: Fail): Change {
  const kind = c.oneOf('kind', CHANGE_ORDER, 'a change kind')
  if (c.raw('sequenceId') !== sequenceId) fail(`${c.where}.sequenceId does not match its sequence`)
  const contactId = c.nullableString('contactId')
  const email = c.nullableString('email')
  const base = {
    sequenceId,
    sequenceName: c.string('sequenceName'),
    source: c.source('source'),
    reason: c.oneOf('reason', CHANGE_REASONS, 'a change reason'),
    liveStatus: c.oneOf('liveStatus', LIVE_STATUSES, 'a live status'),
  }
  switch (kind) {
    case 'create': {
      if (contactId !== null) fail(`${c.where}.contactId must be null for create`)
      if (email === null) return fail(`${c.where}.email is required for create`)
      const details = c.has('details') ? parseDetails(c.object('details')) : undefined
      return {kind, ...base, contactId: null, email, ...(details ? {details} : {})}
    }
    case 'add': {
      const mailboxId = c.string('mailboxId')
      const enroll = parseEnroll(c.object('enroll'))
      const forecast = {
        ...(c.has('forecastSkip') ? {forecastSkip: c.string('forecastSkip')} : {}),
        ...(c.has('possibleSkip') ? {possibleSkip: parsePossibleSkip(c.object('possibleSkip'))} : {}),
      }
      if (contactId !== null) return {kind, ...base, contactId, email, mailboxId, enroll, ...forecast}
      if (email === null) return fail(`${c.where}.email is required for an add without a contact id`)
      return {kind, ...base, contactId, email, mailboxId, enroll, ...forecast}
    }
    case 'remove':
    case 'finish':
    case 'stop':
      if (contactId === null) return fail(`${c.where}.contactId is required for ${kind}`)
      return {kind, ...base, contactId, email}
  }
}

function parsePossibleSkip(p: Fields): PossibleSkip {
  const reason = p.string('reason')
  const why = p.oneOf(
    'why',
    ['same-company', 'new-contact', 'planned-add', 'email-status'] as const,
    'a possible-skip why',
  )
  return why === 'email-status' ? {reason, why, emailStatus: p.nullableString('emailStatus')} : {reason, why}
}

export function parseEnroll(e: Fields): EnrollSwitches {
  return {
    noEmail: e.boolean('noEmail'),
    unverifiedEmail: e.boolean('unverifiedEmail'),
    jobChange: e.boolean('jobChange'),
    activeInOtherSequences: e.boolean('activeInOtherSequences'),
    finishedInOtherSequences: e.boolean('finishedInOtherSequences'),
    sameCompany: e.boolean('sameCompany'),
  }
}

export function parseDetails(d: Fields): ContactDetails {
  const details: {-readonly [K in keyof ContactDetails]: string} = {}
  for (const key of DETAIL_KEYS) if (d.has(key)) details[key] = d.string(key)
  return details
}

function parseWarning(w: Fields): PlanWarning {
  const about = {contactId: w.nullableString('contactId'), email: w.nullableString('email'), source: w.source('source')}
  const code = w.oneOf('code', WARNING_CODES, 'a warning code')
  switch (code) {
    case 'skip-forecast':
      return {code, skipReason: w.string('skipReason'), ...about}
    case 'skip-possible':
      return {code, possibleSkip: parsePossibleSkip(w.object('possibleSkip')), ...about}
    case 'not-enrolled':
      return {code, list: w.oneOf('list', ['finished', 'stopped'] as const, 'finished or stopped'), ...about}
    case 'unmanaged':
    case 'unmanaged-not-owned':
      return {code, count: w.count('count'), ...about}
    case 'sequence-inactive':
    case 'already-finished':
    case 'member-failed':
    case 'missing-contact-skipped':
      return {code, ...about}
  }
}
