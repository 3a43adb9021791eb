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

// ---------------------------------------------------------------------------------------------
// Generated state: N sequences x M declared contacts, with an exactly known plan.

export interface GeneratedCase {
  readonly seed: EmulatorSeed
  readonly files: Record<string, string>
  /** The plan computed independently of seqsync, from the generator's own bookkeeping. */
  readonly expected: {
    readonly summary: PlanJsonSummary
    /** sequence name -> {add, remove, finish, stop, unmanaged} */
    readonly perSequence: Record<string, {add: number; remove: number; finish: number; stop: number; unmanaged: number}>
    /** After a converged apply: sequence id -> contact id -> status (stop leaves a member paused). */
    readonly final: Record<string, Record<string, string>>
  }
}

const PRUNE_MODES = ['remove', 'finish', 'stop', 'none'] as const

function hexId(prefix: string, a: number, b: number): string {
  return `${prefix}${a.toString(16).padStart(6, '0')}${b.toString(16).padStart(6, '0')}`.padStart(24, '0')
}

/**
 * Every sequence i gets `perSequence` declared contacts (own contacts, no overlap, so no skip is
 * forecast), prune mode PRUNE_MODES[i % 4] and:
 *  - declared j % 10 === 0: not a member yet -> add
 *  - other declared: active member -> nothing (j % 25 === 1: declared in `finished` -> finish;
 *    j % 25 === 2: declared in `stopped` -> stop; j % 25 === 3: paused, declared in contacts -> nothing)
 *  - 10 undeclared live members: 5 active, 3 paused, 2 finished -> per prune mode
 *    (remove: 10 removes, finish: 8 finishes, stop: 5 stops, none: 10 unmanaged).
 */
export function generateCase(
  sequences: number,
  perSequence: number,
  config = 'manifests:\n  - "sequences/**/*.yaml"\n',
): GeneratedCase {
  const mailbox = {id: 'ab00000000000000000000aa', email: 'gen-sdr@acme.example', active: true}
  const seed = {
    apiKeys: ['gen-key-not-secret'],
    emailAccounts: [mailbox],
    sequences: [] as {id: string; name: string; active: boolean}[],
    contacts: [] as SeedContact[],
  }
  const files: Record<string, string> = {'seqsync.config.yaml': config}
  const final: Record<string, Record<string, string>> = {}
  const summary = {add: 0, remove: 0, finish: 0, stop: 0, create: 0, skipsForecast: 0, skipsPossible: 0}
  const perSeq: GeneratedCase['expected']['perSequence'] = {}
  for (let i = 0; i < sequences; i++) {
    const seqId = hexId('5e', i, 0)
    const name = `Generated Sequence ${String(i).padStart(3, '0')}`
    const prune = PRUNE_MODES[i % PRUNE_MODES.length]!
    seed.sequences.push({id: seqId, name, active: true})
    const counts = {add: 0, remove: 0, finish: 0, stop: 0, unmanaged: 0}
    const after: Record<string, string> = {}
    final[seqId] = after
    const contacts: string[] = []
    const finished: string[] = []
    const stopped: string[] = []
    for (let j = 0; j < perSequence; j++) {
      const email = `s${i}-c${j}@gen.example`
      const id = hexId('c0', i, j + 1)
      const member = j % 10 !== 0
      const paused = j % 25 === 3
      seed.contacts.push({
        id,
        email,
        first_name: `C${j}`,
        last_name: `S${i}`,
        memberships: member ? [{sequence_id: seqId, status: paused ? 'paused' : 'active', mailbox_id: mailbox.id}] : [],
      })
      if (!member) {
        contacts.push(email)
        counts.add++
        after[id] = 'active'
      } else if (j % 25 === 1) {
        finished.push(email)
        counts.finish++
        after[id] = 'finished'
      } else if (j % 25 === 2) {
        stopped.push(email)
        counts.stop++
        after[id] = 'paused'
      } else {
        contacts.push(email)
        after[id] = paused ? 'paused' : 'active'
      }
    }
    const extraStatuses = [
      'active',
      'active',
      'active',
      'active',
      'active',
      'paused',
      'paused',
      'paused',
      'finished',
      'finished',
    ] as const
    extraStatuses.forEach((status, k) => {
      const id = hexId('e0', i, k + 1)
      after[id] = status
      seed.contacts.push({
        id,
        email: `s${i}-extra${k}@gen.example`,
        memberships: [{sequence_id: seqId, status, mailbox_id: mailbox.id}],
      })
      if (prune === 'remove') {
        counts.remove++
        delete after[id]
      } else if (prune === 'finish' && status !== 'finished') {
        counts.finish++
        after[id] = 'finished'
      } else if (prune === 'stop' && status === 'active') {
        counts.stop++
        after[id] = 'paused'
      } else if (prune === 'none') counts.unmanaged++
    })
    perSeq[name] = counts
    summary.add += counts.add
    summary.remove += counts.remove
    summary.finish += counts.finish
    summary.stop += counts.stop
    const list = (key: string, emails: string[]) =>
      emails.length === 0 ? '' : `${key}:\n${emails.map((e) => `  - ${e}\n`).join('')}`
    files[`sequences/gen-${String(i).padStart(3, '0')}.yaml`] =
      `apiVersion: seqsync/v1\nkind: SequenceMembership\nsequence:\n  name: ${name}\nmailbox: ${mailbox.email}\nprune: ${prune}\n` +
      list('contacts', contacts) +
      list('finished', finished) +
      list('stopped', stopped)
  }
  return {seed, files, expected: {summary, perSequence: perSeq, final}}
}
