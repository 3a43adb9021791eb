// Hashes that identify what a plan would do (`planHash`, `--expect-plan-hash`) and which manifests
// it came from (`desiredHash` in the plan file). Canonical JSON (sorted keys, sorted items) so the
// order of inputs never changes a hash. node:crypto is the one import allowed in the pure core.

import {createHash} from 'node:crypto'
import type {Change, SequencePlan} from '../model/plan.js'
import type {DesiredState} from '../model/state.js'
import {normalizeEmail, selectorKey} from '../model/state.js'

type Json = null | boolean | number | string | readonly Json[] | {readonly [key: string]: Json | undefined}

/** JSON with object keys sorted (undefined members dropped), so equal values give equal text. */
export function canonicalJson(value: Json): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value)
  if (Array.isArray(value)) return `[${value.map((v: Json) => canonicalJson(v)).join(',')}]`
  const obj = value as {readonly [key: string]: Json | undefined}
  const keys = Object.keys(obj)
    .filter((k) => obj[k] !== undefined)
    .sort()
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k] as Json)}`).join(',')}}`
}

/** `sha256:<hex>` of a text, the form of every hash seqsync writes. */
export function sha256(text: string): string {
  return `sha256:${createHash('sha256').update(text).digest('hex')}`
}

function sortedCanonical(items: readonly Json[]): string {
  return `[${items
    .map((i) => canonicalJson(i))
    .sort()
    .join(',')}]`
}

/** The action a change stands for, without presentation (names, sources, reasons, forecasts). */
function canonicalAction(c: Change): Json {
  const email = c.email === null ? null : normalizeEmail(c.email)
  switch (c.kind) {
    case 'create':
      // A contact-level action: it does not depend on which sequence first needed it.
      return {
        kind: 'create',
        email,
        details: c.details
          ? {
              firstName: c.details.firstName,
              lastName: c.details.lastName,
              organization: c.details.organization,
              title: c.details.title,
            }
          : null,
      }
    case 'add':
      return {
        kind: 'add',
        sequenceId: c.sequenceId,
        contactId: c.contactId,
        email: c.contactId === null ? email : null,
        mailboxId: c.mailboxId,
        enroll: {...c.enroll},
      }
    case 'remove':
    case 'finish':
    case 'stop':
      return {kind: c.kind, sequenceId: c.sequenceId, contactId: c.contactId}
  }
}

/** `sha256:<hex>` over the canonical actions of every sequence plan. */
export function hashPlanChanges(sequences: readonly SequencePlan[]): string {
  return sha256(sortedCanonical(sequences.flatMap((s) => s.changes.map(canonicalAction))))
}

/** `sha256:<hex>` over what the manifests declare (not where: moving a line does not change it). */
export function hashDesiredState(desired: DesiredState): string {
  const sequences: Json[] = desired.sequences.map((s) => ({
    selector: selectorKey(s.selector),
    mailbox: normalizeEmail(s.mailbox),
    prune: s.prune,
    pruneScope: s.pruneScope,
    missingContacts: s.missingContacts,
    enroll: {...s.enroll},
    entries: s.entries
      .map((e) => {
        const ref: Json =
          e.ref.kind === 'id'
            ? {id: e.ref.id}
            : {
                email: e.ref.email,
                details: e.ref.details
                  ? {
                      firstName: e.ref.details.firstName,
                      lastName: e.ref.details.lastName,
                      organization: e.ref.details.organization,
                      title: e.ref.details.title,
                    }
                  : null,
              }
        return canonicalJson({list: e.list, ref})
      })
      .sort(),
  }))
  return sha256(sortedCanonical(sequences))
}
