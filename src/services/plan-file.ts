// The saved plan file (`seqsync plan --out FILE`, `seqsync apply FILE`). JSON, versioned, written
// atomically with mode 0600. It never holds a secret: the type has no field for one and the API
// location is reduced to its host, which apply only compares (it talks to the API URL of its own
// flags and environment). Any edit to its content is refused: `fileHash` covers every other field.
// Compact JSON: at 100,000 memberships the file is tens of megabytes, and nobody edits it.

import {readFile} from 'node:fs/promises'
import {PlanError} from '../errors.js'
import {isRecord} from '../model/guards.js'
import type {SequenceBasis} from '../model/plan-basis.js'
import type {Plan} from '../model/plan.js'
import {hashPlanChanges, sha256} from '../planner/plan-hash.js'
import {parsePlan} from './parse-plan.js'
import {basisToJson, parseBasis, recordPlanBasis} from './plan-basis.js'
import type {PlanResult} from './plan.js'
import {writeFileAtomic} from './write-output.js'

export const PLAN_FILE_KIND = 'seqsync-plan' as const
export const PLAN_FILE_FORMAT_VERSION = 2 as const

export interface PlanFile {
  readonly formatVersion: 2
  readonly kind: 'seqsync-plan'
  /** seqsync version that made the plan. */
  readonly toolVersion: string
  /** Host (and port) of the API URL the plan was read from, e.g. `api.apollo.io`. Never a key, path or query. */
  readonly apiHost: string
  /** ISO 8601 time the plan was made. */
  readonly createdAt: string
  /** `hashDesiredState` of the manifests the plan was made from (after `--sequence`). */
  readonly desiredHash: string
  /** The `--sequence` filter the plan was made with, as the manifests declare them; empty = every managed sequence. */
  readonly sequenceFilter: readonly string[]
  /** Same as `plan.planHash` (the reviewed identity of the changes); checked against the changes on read. */
  readonly planHash: string
  /** The Apollo user the plan's key acted as (users/api_profile): `pruneScope: owned` was decided for it. */
  readonly keyOwnerUserId: string | null
  /** Contacts per write call: the plan's estimate of apply's calls rests on it, so apply of this file uses it. */
  readonly batchSize: number
  /** Every change with its contact ids and the live status it was based on (`liveStatus`). */
  readonly plan: Plan
  /** Per sequence with changes: what the plan was computed from (re-read by apply before writing). */
  readonly basis: readonly SequenceBasis[]
}

/** The host part of an API URL (`https://api.apollo.io/api/v1` -> `api.apollo.io`); drops credentials, path and query. */
export function extractApiHost(apiUrl: string): string {
  let url: URL
  try {
    url = new URL(apiUrl)
  } catch {
    throw new PlanError(`Not a valid API URL: ${JSON.stringify(stripCredentials(apiUrl))}`)
  }
  return url.host.toLowerCase()
}

/** Where and how a plan was made, beyond the plan itself. */
export interface PlanOrigin {
  /** e.g. `seqsync/0.1.0`. */
  readonly toolVersion: string
  /** The API URL the plan was read from (only its host goes into the file). */
  readonly apiUrl: string
  readonly batchSize: number
}

/** The plan file for a computed plan (`plan --out`). */
export function toPlanFile(
  result: Pick<PlanResult, 'plan' | 'desired' | 'desiredHash' | 'live' | 'sequenceFilter'>,
  origin: PlanOrigin,
  now: Date = new Date(),
): PlanFile {
  return {
    formatVersion: PLAN_FILE_FORMAT_VERSION,
    kind: PLAN_FILE_KIND,
    toolVersion: origin.toolVersion,
    apiHost: extractApiHost(origin.apiUrl),
    createdAt: now.toISOString(),
    desiredHash: result.desiredHash,
    sequenceFilter: [...result.sequenceFilter],
    planHash: result.plan.planHash,
    keyOwnerUserId: result.live.keyOwner?.userId ?? null,
    batchSize: origin.batchSize,
    plan: result.plan,
    basis: recordPlanBasis(result.plan, result.desired, result.live),
  }
}

/**
 * `sha256:<hex>` of a plan file's fields other than `fileHash`, as compact JSON in the order they
 * have in the file: whitespace does not count, any other edit does.
 */
export function hashFileContent(body: Readonly<Record<string, unknown>>): string {
  const {fileHash: _ignored, ...rest} = body
  return sha256(JSON.stringify(rest))
}

/**
 * The text of a plan file: only the declared fields, in a fixed order (nothing else can ride along
 * into the file), as compact JSON, then `fileHash` over them. One serialisation, hashed as written.
 */
export function serializePlanFile(data: PlanFile): string {
  const body = JSON.stringify({
    formatVersion: data.formatVersion,
    kind: data.kind,
    toolVersion: data.toolVersion,
    apiHost: data.apiHost,
    createdAt: data.createdAt,
    desiredHash: data.desiredHash,
    sequenceFilter: data.sequenceFilter,
    planHash: data.planHash,
    keyOwnerUserId: data.keyOwnerUserId,
    batchSize: data.batchSize,
    plan: data.plan,
    basis: basisToJson(data.basis),
  })
  return `${body.slice(0, -1)},"fileHash":${JSON.stringify(sha256(body))}}\n`
}

/** Writes the plan file atomically (temp file in the same directory, then rename), mode 0600. */
export async function writePlanFile(path: string, data: PlanFile): Promise<void> {
  if (!/^(?:[a-z0-9.-]+|\[[0-9a-f:.]+\])(?::\d+)?$/i.test(data.apiHost)) {
    throw new PlanError('The plan file apiHost must be a bare host[:port] (use extractApiHost)')
  }
  await writeFileAtomic(path, serializePlanFile(data), 0o600)
}

/**
 * Reads and checks a plan file: JSON, kind, format version, that no byte of its content was edited
 * (`fileHash`), its shape, that the plan hash matches its changes and the basis the plan. Every
 * problem is a PlanError.
 */
export async function readPlanFile(path: string): Promise<PlanFile> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    const code = (error as {code?: unknown}).code
    throw new PlanError(
      code === 'ENOENT' ? `Plan file not found: ${path}` : `Cannot read plan file ${path}: ${String(code ?? error)}`,
    )
  }
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (error) {
    throw new PlanError(`Plan file ${path} is not valid JSON: ${(error as Error).message}`, [], {
      hint: 'Plan files are written by `seqsync plan --out FILE`; do not edit them.',
    })
  }
  return parsePlanFile(value, path)
}

/** Validates an already-parsed plan file (see readPlanFile) and returns it with a typed plan. */
export function parsePlanFile(value: unknown, path = 'plan file'): PlanFile {
  const fail = (message: string): never => {
    throw new PlanError(`${path}: ${message}`, [], {hint: 'Make a new plan with `seqsync plan --out FILE`.'})
  }
  if (!isRecord(value)) return fail('not a seqsync plan file (expected a JSON object)')
  if (value['kind'] !== PLAN_FILE_KIND) {
    return fail(`not a seqsync plan file (kind is ${JSON.stringify(value['kind'])}, expected "${PLAN_FILE_KIND}")`)
  }
  const version = value['formatVersion']
  if (typeof version === 'number' && version < PLAN_FILE_FORMAT_VERSION) {
    return fail(
      `made by an older seqsync (plan file formatVersion ${version}; this seqsync reads ${PLAN_FILE_FORMAT_VERSION}): run plan again`,
    )
  }
  if (version !== PLAN_FILE_FORMAT_VERSION) {
    return fail(
      `unsupported plan file formatVersion ${JSON.stringify(version)}; this seqsync reads formatVersion ${PLAN_FILE_FORMAT_VERSION}`,
    )
  }
  if (typeof value['fileHash'] !== 'string' || value['fileHash'] !== hashFileContent(value)) {
    return fail('its content was edited after it was made (fileHash mismatch): plan files must not be edited')
  }
  const text = (key: string): string => {
    const v = value[key]
    return typeof v === 'string' ? v : fail(`"${key}" must be a string`)
  }
  const header = {
    toolVersion: text('toolVersion'),
    apiHost: text('apiHost'),
    createdAt: text('createdAt'),
    desiredHash: text('desiredHash'),
  }
  const filter = value['sequenceFilter']
  if (!Array.isArray(filter) || !filter.every((f) => typeof f === 'string')) {
    return fail('"sequenceFilter" must be an array of strings')
  }
  const planHash = text('planHash')
  const keyOwnerUserId = value['keyOwnerUserId']
  if (keyOwnerUserId !== null && typeof keyOwnerUserId !== 'string') {
    return fail('"keyOwnerUserId" must be a string or null')
  }
  const batchSize = value['batchSize']
  if (typeof batchSize !== 'number' || !Number.isInteger(batchSize) || batchSize < 1 || batchSize > 1000) {
    return fail('"batchSize" must be an integer from 1 to 1000')
  }
  const plan = parsePlan(value['plan'], fail)
  const recomputed = hashPlanChanges(plan.sequences)
  if (recomputed !== planHash || recomputed !== plan.planHash) {
    fail(
      `the plan hash does not match its changes (file says ${planHash}, changes hash to ${recomputed}); the file was modified after it was made`,
    )
  }
  const basis = parseBasis(value['basis'], plan, fail)
  return {
    formatVersion: PLAN_FILE_FORMAT_VERSION,
    kind: PLAN_FILE_KIND,
    ...header,
    sequenceFilter: filter,
    planHash,
    keyOwnerUserId,
    batchSize,
    plan,
    basis,
  }
}

/** Refuses a plan made against another Apollo host than the one this run talks to. */
export function assertSameApiHost(file: PlanFile, apiUrl: string): void {
  const host = extractApiHost(apiUrl)
  if (file.apiHost.toLowerCase() !== host) {
    throw new PlanError(`The plan was made against ${file.apiHost}, but this run talks to ${host}`, [], {
      hint: 'Apply a plan with the same --api-url / SEQSYNC_API_URL it was made with, or make a new plan.',
    })
  }
}

function stripCredentials(text: string): string {
  return text.replace(/\/\/[^@/]*@/, '//***@').replace(/\?.*$/, '')
}
