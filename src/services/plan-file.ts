// The saved plan file (`seqsync plan --out FILE`, `seqsync apply FILE`). JSON, versioned, written
// atomically with mode 0600. It never holds a secret: the type has no field for one and the API
// location is reduced to its host.

import {randomBytes} from 'node:crypto'
import {open, readFile, rename, rm} from 'node:fs/promises'
import {basename, dirname, join} from 'node:path'
import {PlanError} from '../errors.js'
import type {Plan} from '../model/plan.js'
import {hashPlanChanges} from '../planner/plan-hash.js'

export const PLAN_FILE_KIND = 'seqsync-plan'
export const PLAN_FILE_FORMAT_VERSION = 1

export interface PlanFile {
  readonly formatVersion: 1
  readonly kind: 'seqsync-plan'
  /** seqsync version that made the plan. */
  readonly toolVersion: string
  /** Host (and port) of the API URL the plan was read from, e.g. `api.apollo.io`. Never a key, path or query. */
  readonly apiHost: string
  /** ISO 8601 time the plan was made. */
  readonly createdAt: string
  /** `hashDesiredState` of the manifests the plan was made from. */
  readonly desiredHash: string
  /** Same as `plan.planHash`; checked against the changes on read. */
  readonly planHash: string
  readonly batchSize: number
  /** Every change with its contact ids and the live status it was based on (`liveStatus`). */
  readonly plan: Plan
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

/** Writes the plan file atomically (temp file in the same directory, then rename), mode 0600. */
export async function writePlanFile(path: string, data: PlanFile): Promise<void> {
  if (!/^(?:[a-z0-9.-]+|\[[0-9a-f:.]+\])(?::\d+)?$/i.test(data.apiHost)) {
    throw new PlanError('The plan file apiHost must be a bare host[:port] (use extractApiHost)')
  }
  const text = `${JSON.stringify(toPlanFileJson(data), null, 2)}\n`
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`)
  const handle = await open(temp, 'wx', 0o600)
  try {
    try {
      await handle.writeFile(text, 'utf8')
      await handle.sync()
    } finally {
      await handle.close()
    }
    await rename(temp, path)
  } catch (error) {
    await rm(temp, {force: true})
    throw error
  }
}

/**
 * Reads and checks a plan file: JSON, kind, format version, shape, and that the plan hash matches
 * its changes (a hand-edited plan is refused). Every problem is a PlanError.
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

/** Validates an already-parsed plan file (see readPlanFile). */
export function parsePlanFile(value: unknown, path = 'plan file'): PlanFile {
  const fail = (message: string): never => {
    throw new PlanError(`${path}: ${message}`, [], {hint: 'Make a new plan with `seqsync plan --out FILE`.'})
  }
  if (!isObject(value)) return fail('not a seqsync plan file (expected a JSON object)')
  if (value.kind !== PLAN_FILE_KIND) {
    return fail(`not a seqsync plan file (kind is ${JSON.stringify(value.kind)}, expected "${PLAN_FILE_KIND}")`)
  }
  if (value.formatVersion !== PLAN_FILE_FORMAT_VERSION) {
    return fail(
      `unsupported plan file formatVersion ${JSON.stringify(value.formatVersion)}; this seqsync reads formatVersion ${PLAN_FILE_FORMAT_VERSION}`,
    )
  }
  for (const key of ['toolVersion', 'apiHost', 'createdAt', 'desiredHash', 'planHash'] as const) {
    if (typeof value[key] !== 'string') fail(`"${key}" must be a string`)
  }
  if (typeof value.batchSize !== 'number' || !Number.isInteger(value.batchSize) || value.batchSize < 1) {
    fail('"batchSize" must be a positive integer')
  }
  const plan = value.plan
  if (!isObject(plan)) return fail('"plan" is missing')
  if (plan.formatVersion !== 1) fail(`unsupported plan formatVersion ${JSON.stringify(plan.formatVersion)}`)
  if (!Array.isArray(plan.errors)) fail('"plan.errors" must be an array')
  // `plan --out` never writes a plan with blocking errors; one that has them was edited and must not be applied.
  if (Array.isArray(plan.errors) && plan.errors.length > 0)
    fail('"plan.errors" is not empty: this plan cannot be applied')
  if (!Array.isArray(plan.sequences)) return fail('"plan.sequences" must be an array')
  plan.sequences.forEach((sequence: unknown, s: number) => {
    const where = `plan.sequences[${s}]`
    if (!isObject(sequence) || typeof sequence.id !== 'string' || typeof sequence.name !== 'string') {
      fail(`${where} must have a string id and name`)
      return
    }
    // The safety percent rule reads liveMembers, which the plan hash does not cover.
    if (
      typeof sequence.liveMembers !== 'number' ||
      !Number.isInteger(sequence.liveMembers) ||
      sequence.liveMembers < 0
    ) {
      fail(`${where}.liveMembers must be a non-negative integer`)
      return
    }
    if (!Array.isArray(sequence.changes)) {
      fail(`${where}.changes must be an array`)
      return
    }
    sequence.changes.forEach((change: unknown, c: number) =>
      checkChange(change, sequence.id as string, `${where}.changes[${c}]`, fail),
    )
  })
  const recomputed = hashPlanChanges((plan as unknown as Plan).sequences)
  if (recomputed !== value.planHash || recomputed !== plan.planHash) {
    fail(
      `the plan hash does not match its changes (file says ${String(value.planHash)}, changes hash to ${recomputed}); the file was modified after it was made`,
    )
  }
  return value as unknown as PlanFile
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

// ---------------------------------------------------------------------------------------------

const CHANGE_KINDS = new Set(['create', 'add', 'remove', 'finish', 'stop'])
const LIVE_STATUSES = new Set(['absent', 'active', 'paused', 'finished', 'failed'])

function checkChange(change: unknown, sequenceId: string, where: string, fail: (message: string) => never): void {
  if (!isObject(change)) fail(`${where} must be an object`)
  const c = change
  if (typeof c.kind !== 'string' || !CHANGE_KINDS.has(c.kind)) fail(`${where}.kind is not a change kind`)
  if (c.sequenceId !== sequenceId) fail(`${where}.sequenceId does not match its sequence`)
  if (c.contactId !== null && typeof c.contactId !== 'string') fail(`${where}.contactId must be a string or null`)
  if (c.email !== null && typeof c.email !== 'string') fail(`${where}.email must be a string or null`)
  if (typeof c.liveStatus !== 'string' || !LIVE_STATUSES.has(c.liveStatus))
    fail(`${where}.liveStatus is not a live status`)
  if (c.kind === 'add' && typeof c.mailboxId !== 'string') fail(`${where}.mailboxId must be a string`)
  if ((c.kind === 'remove' || c.kind === 'finish' || c.kind === 'stop') && typeof c.contactId !== 'string') {
    fail(`${where}.contactId is required for ${String(c.kind)}`)
  }
}

/** Only the declared fields, in a fixed order: nothing else can ride along into the file. */
function toPlanFileJson(data: PlanFile): PlanFile {
  return {
    formatVersion: data.formatVersion,
    kind: data.kind,
    toolVersion: data.toolVersion,
    apiHost: data.apiHost,
    createdAt: data.createdAt,
    desiredHash: data.desiredHash,
    planHash: data.planHash,
    batchSize: data.batchSize,
    plan: data.plan,
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function stripCredentials(text: string): string {
  return text.replace(/\/\/[^@/]*@/, '//***@').replace(/\?.*$/, '')
}
