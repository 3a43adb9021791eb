// Shared setup of the end-to-end tests (test/e2e/{plan,apply,import,demo}.test.ts): an Apollo
// emulator started IN the test process, a temp directory holding manifests, and the built CLI run
// as a child process against the emulator over loopback (CLI -> undici -> emulator).
import {cp, mkdir, mkdtemp, readFile, rm, writeFile} from 'node:fs/promises'
import {readFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {dirname, join} from 'node:path'

import {Ajv2020} from 'ajv/dist/2020.js'

import {WRITE_ENDPOINTS} from '../../src/apollo/endpoints.js'
import {startEmulator} from '../../src/emulator/server.js'
import type {
  EmulatorOptions,
  EmulatorSeed,
  EmulatorStats,
  RunningEmulator,
  SeedContact,
} from '../../src/emulator/types.js'
import {parseJsonOutput, REPO_ROOT, runCli} from './run-cli.js'
import type {RunCliOptions, RunCliResult} from './run-cli.js'

export const EXAMPLES_DIR = join(REPO_ROOT, 'examples')

export function readExampleSeed(): EmulatorSeed {
  return JSON.parse(readFileSync(join(EXAMPLES_DIR, 'apollo-seed.json'), 'utf8')) as EmulatorSeed
}

export interface PlanJsonSummary {
  add: number
  remove: number
  finish: number
  stop: number
  create: number
  skipsForecast: number
  skipsPossible: number
}

/** The parts of `plan --json` (schemas/plan.schema.json) the tests read. */
export interface PlanJson {
  readonly formatVersion: 1
  readonly planHash: string
  readonly summary: PlanJsonSummary
  readonly sequences: PlanJsonSequence[]
}
export interface PlanJsonSequence {
  readonly id: string
  readonly name: string
  readonly unmanaged: number
  readonly changes: PlanJsonChange[]
  readonly warnings: {code: string; message: string; contactId: string | null}[]
}
export interface PlanJsonChange {
  readonly kind: string
  readonly contactId: string | null
  readonly email: string | null
  readonly source: {file: string; line: number; col?: number} | null
  /** add only: a definite skip forecast (its reason) and a possible one. */
  readonly forecastSkip?: string
  readonly possibleSkip?: {reason: string; why: string}
}

/** The parts of `apply --json` (schemas/apply-report.schema.json) the tests read. */
export interface ApplyReportJson {
  readonly converged: boolean
  readonly summary: {applied: number; skipped: number; failed: number}
  readonly sequences: {
    id: string
    name: string
    applied: {kind: string; contactId: string | null; email: string | null}[]
    skipped: {kind: string; contactId: string | null; email: string | null; reason: string}[]
    failed: {kind: string; contactId: string | null; email: string | null; error: string}[]
  }[]
}

export interface E2eEnv {
  readonly dir: string
  readonly emulator: RunningEmulator
  readonly seed: EmulatorSeed
  /** APOLLO_API_KEY + SEQSYNC_API_URL for the CLI. */
  readonly env: Record<string, string>
  /** Runs `seqsync ARGS` in `dir` against the emulator. */
  cli(args: string[], opts?: RunCliOptions): Promise<RunCliResult>
  /** Parses stdout as JSON, failing with the CLI's stderr when it is not. */
  json<T = PlanJson>(result: RunCliResult): T
  close(): Promise<void>
}

export interface E2eEnvOptions {
  /** Default: examples/apollo-seed.json. */
  readonly seed?: EmulatorSeed
  /** Copy examples/ (manifests + config) into the temp dir (default true when no `files`). */
  readonly copyExamples?: boolean
  /** Files to write into the temp dir (relative path -> text), after copying examples. */
  readonly files?: Readonly<Record<string, string>>
  readonly emulator?: Omit<EmulatorOptions, 'seed'>
  readonly env?: Readonly<Record<string, string>>
}

export async function startE2eEnv(options: E2eEnvOptions = {}): Promise<E2eEnv> {
  const seed = options.seed ?? readExampleSeed()
  const dir = await mkdtemp(join(tmpdir(), 'seqsync-e2e-'))
  if (options.copyExamples ?? options.files === undefined) {
    await cp(join(EXAMPLES_DIR, 'sequences'), join(dir, 'sequences'), {recursive: true})
    await cp(join(EXAMPLES_DIR, 'seqsync.config.yaml'), join(dir, 'seqsync.config.yaml'))
  }
  await writeFiles(dir, options.files ?? {})
  const emulator = await startEmulator({...options.emulator, seed})
  const key = seed.apiKeys[0]
  if (key === undefined) throw new Error('the seed has no API key')
  const env = {APOLLO_API_KEY: key, SEQSYNC_API_URL: emulator.url, ...options.env}
  return {
    dir,
    emulator,
    seed,
    env,
    cli: (args, opts = {}) => runCli(args, {cwd: dir, timeoutMs: 40_000, ...opts, env: {...env, ...opts.env}}),
    json: <T>(result: RunCliResult) => parseJsonOutput<T>(result),
    close: async () => {
      await emulator.close()
      await rm(dir, {recursive: true, force: true})
    },
  }
}

/** Characters that must never reach a terminal or a YAML comment from Apollo data (line feeds aside). */
// eslint-disable-next-line no-control-regex
export const TERMINAL_UNSAFE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/

export async function writeFiles(dir: string, files: Readonly<Record<string, string>>): Promise<void> {
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), {recursive: true})
    await writeFile(join(dir, path), text, 'utf8')
  }
}

export async function readText(dir: string, path: string): Promise<string> {
  return readFile(join(dir, path), 'utf8')
}

/** A contact's status in a sequence in an emulator snapshot ('absent' when not a member). */
export function statusIn(snapshot: EmulatorSeed, contactId: string, sequenceId: string): string {
  const contact = snapshot.contacts.find((c) => c.id === contactId)
  if (!contact) throw new Error(`no contact ${contactId} in the snapshot`)
  return contact.memberships?.find((m) => m.sequence_id === sequenceId)?.status ?? 'absent'
}

/** Membership status of every contact in a sequence: contactId -> status. */
export function membersOf(snapshot: EmulatorSeed, sequenceId: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const c of snapshot.contacts) {
    const m = c.memberships?.find((x) => x.sequence_id === sequenceId)
    if (m) out[c.id] = m.status
  }
  return out
}

export function contactByEmail(snapshot: EmulatorSeed, email: string): SeedContact | undefined {
  return snapshot.contacts.find((c) => c.email?.toLowerCase() === email.toLowerCase())
}

/** Requests that reached the write endpoints. */
export function writeCalls(stats: EmulatorStats): number {
  return WRITE_ENDPOINTS.reduce((n, e) => n + (stats.requests[e] ?? 0), 0)
}

const validators = new Map<string, (value: unknown) => string[]>()

/** Validates a value against schemas/NAME; returns ajv's errors (empty = valid). */
export function validateAgainstSchema(name: 'plan.schema.json' | 'apply-report.schema.json', value: unknown): string[] {
  let validate = validators.get(name)
  if (!validate) {
    const schema = JSON.parse(readFileSync(join(REPO_ROOT, 'schemas', name), 'utf8')) as Record<string, unknown>
    const ajv = new Ajv2020({allErrors: true, strict: false})
    const compiled = ajv.compile(schema)
    validate = (v) => (compiled(v) ? [] : (compiled.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''}`))
    validators.set(name, validate)
  }
  return validate(value)
}
