// `plan --format json`: the stable, versioned document of PRODUCT.md §4, validated by
// schemas/plan.schema.json. Pure: returns a JSON-ready object.

import type {ApiCost, Plan} from '../model/plan.js'
import type {SourceRef} from '../model/state.js'
import {maskEmail, maskEmailsInText} from './mask-email.js'

export interface PlanJsonOptions {
  readonly maskEmails: boolean
  readonly cost?: ApiCost
}

type JsonSource = {file: string; line: number; col: number} | null

function source(s: SourceRef | null | undefined): JsonSource {
  return s ? {file: s.file, line: s.line, col: s.col} : null
}

export function renderPlanJson(plan: Plan, options: PlanJsonOptions): object {
  const email = (e: string | null | undefined): string | null =>
    e === null || e === undefined ? null : options.maskEmails ? maskEmail(e) : e
  const text = (t: string): string => (options.maskEmails ? maskEmailsInText(t) : t)
  return {
    formatVersion: 1,
    planHash: plan.planHash,
    summary: {...plan.summary},
    sequences: plan.sequences.map((s) => ({
      id: s.id,
      name: s.name,
      active: s.active,
      source: source(s.source),
      liveMembers: s.liveMembers,
      unmanaged: s.unmanaged.length,
      unmanagedMembers: s.unmanaged.map((m) => ({contactId: m.contactId, email: email(m.email), status: m.status})),
      changes: s.changes.map((c) => ({
        kind: c.kind,
        contactId: c.contactId,
        email: email(c.email),
        source: source(c.source),
        reason: c.reason,
        liveStatus: c.liveStatus,
        ...(c.mailboxId !== undefined ? {mailboxId: c.mailboxId} : {}),
        ...(c.enroll !== undefined ? {enroll: {...c.enroll}} : {}),
        ...(c.forecastSkip !== undefined ? {forecastSkip: c.forecastSkip} : {}),
        ...(c.details !== undefined && !options.maskEmails ? {details: {...c.details}} : {}),
      })),
      warnings: s.warnings.map((w) => ({
        code: w.code,
        message: text(w.message),
        contactId: w.contactId,
        email: email(w.email),
        source: source(w.source),
      })),
    })),
    errors: plan.errors.map((e) => ({code: e.code, message: text(e.message), source: source(e.source)})),
    ...(options.cost
      ? {
          cost: {
            planCalls: {...options.cost.planCalls},
            applyCalls: {...options.cost.applyCalls},
            quotaLeft: Object.fromEntries(Object.entries(options.cost.quotaLeft).map(([k, v]) => [k, {...v}])),
            warnings: [...options.cost.warnings],
          },
        }
      : {}),
  }
}
