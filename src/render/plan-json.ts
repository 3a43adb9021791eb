// `plan --format json`: the stable, versioned document of README: Commands, the plan outputs, validated by
// schemas/plan.schema.json. Pure: returns a JSON-ready object.

import type {ApiCost, Change, Plan, PlanTarget, ReadCost, SafetyAssessment} from '../model/plan.js'
import type {SourceRef} from '../model/state.js'
import {maskEmail, maskEmailsInText} from './mask-email.js'
import {describeQuotaShortfall} from './read-cost.js'
import {describePlanProblem, describeSafetyViolation, describeWarning} from './reasons.js'

export interface PlanJsonOptions {
  readonly maskEmails: boolean
  readonly cost?: ApiCost
  /** The API host and account the plan was read from (`target`). */
  readonly target?: PlanTarget
  readonly safety?: SafetyAssessment
}

type JsonSource = {file: string; line: number; col: number} | null

function source(s: SourceRef | null | undefined): JsonSource {
  return s ? {file: s.file, line: s.line, col: s.col} : null
}

/** What only some kinds carry: an add's mailbox, switches and forecast; a create's fields (not when masking). */
function kindFields(c: Change, maskEmails: boolean): object {
  switch (c.kind) {
    case 'add':
      return {
        mailboxId: c.mailboxId,
        enroll: {...c.enroll},
        ...(c.forecastSkip !== undefined ? {forecastSkip: c.forecastSkip} : {}),
        ...(c.possibleSkip !== undefined ? {possibleSkip: {...c.possibleSkip}} : {}),
      }
    case 'create':
      return c.details !== undefined && !maskEmails ? {details: {...c.details}} : {}
    case 'remove':
    case 'finish':
    case 'stop':
      return {}
  }
}

/** `target` of the plan and apply documents: `{apiHost, keyOwner: {userId, teamId, email, name} | null}`. */
export function renderTargetJson(target: PlanTarget, maskEmails: boolean): object {
  const owner = target.keyOwner
  return {
    apiHost: target.apiHost,
    keyOwner:
      owner === null
        ? null
        : {
            userId: owner.userId,
            teamId: owner.teamId,
            email: owner.email !== null && maskEmails ? maskEmail(owner.email) : owner.email,
            name: owner.name,
          },
  }
}

function renderReadCostJson(read: ReadCost): Record<string, unknown> {
  return {
    strategy: read.strategy,
    phase: read.phase,
    members: read.members,
    contacts: read.contacts,
    estimatedCalls: {...read.estimatedCalls},
    quota: Object.fromEntries(Object.entries(read.quota).map(([k, v]) => [k, {...v}])),
    shortfalls: read.shortfalls.map((s) => ({...s})),
    warnings: read.shortfalls.map(describeQuotaShortfall),
  }
}

export function renderPlanJson(plan: Plan, options: PlanJsonOptions): object {
  const email = (e: string | null | undefined): string | null =>
    e === null || e === undefined ? null : options.maskEmails ? maskEmail(e) : e
  const text = (t: string): string => (options.maskEmails ? maskEmailsInText(t) : t)
  return {
    formatVersion: 1,
    planHash: plan.planHash,
    ...(options.target ? {target: renderTargetJson(options.target, options.maskEmails)} : {}),
    summary: {...plan.summary},
    sequences: plan.sequences.map((s) => ({
      id: s.id,
      name: s.name,
      active: s.active,
      source: source(s.source),
      prune: s.prune,
      pruneScope: s.pruneScope,
      liveMembers: s.liveMembers,
      unmanaged: s.unmanaged.length,
      unmanagedMembers: s.unmanaged.map((m) => ({
        contactId: m.contactId,
        email: email(m.email),
        status: m.status,
        reason: m.reason,
        addedByUserId: m.addedByUserId,
      })),
      changes: s.changes.map((c) => ({
        kind: c.kind,
        contactId: c.contactId,
        email: email(c.email),
        source: source(c.source),
        reason: c.reason,
        liveStatus: c.liveStatus,
        ...kindFields(c, options.maskEmails),
      })),
      warnings: s.warnings.map((w) => ({
        code: w.code,
        message: text(describeWarning(w)),
        contactId: w.contactId,
        email: email(w.email),
        source: source(w.source),
      })),
    })),
    errors: plan.errors.map((e) => ({code: e.code, message: text(describePlanProblem(e)), source: source(e.source)})),
    ...(options.safety
      ? {
          safety: {
            adds: options.safety.adds,
            removals: options.safety.removals,
            violations: options.safety.violations.map((v) => ({code: v.code, message: describeSafetyViolation(v)})),
            required: {...options.safety.required},
          },
        }
      : {}),
    ...(options.cost
      ? {
          cost: {
            planCalls: {...options.cost.planCalls},
            applyCalls: {...options.cost.applyCalls},
            quotaLeft: Object.fromEntries(Object.entries(options.cost.quotaLeft).map(([k, v]) => [k, {...v}])),
            warnings: [...options.cost.warnings],
            ...(options.cost.read === undefined ? {} : {read: options.cost.read.map(renderReadCostJson)}),
          },
        }
      : {}),
  }
}
