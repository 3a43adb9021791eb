// Runs the built CLI (node bin/run.js, which loads dist/) in a child process with a clean
// environment: for the tests and for the benchmark (scripts/bench.ts), which measures the child
// through scripts/bench/measure.js. The child is always plain node, never tsx.
import {spawn} from 'node:child_process'
import type {ChildProcess} from 'node:child_process'
import {readFileSync} from 'node:fs'
import {fileURLToPath} from 'node:url'

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url))
const RUN_JS = fileURLToPath(new URL('../../bin/run.js', import.meta.url))
const MEASURE_JS = fileURLToPath(new URL('../../scripts/bench/measure.js', import.meta.url))

export interface RunCliOptions {
  /** Default: the repository root. */
  readonly cwd?: string
  /** Added to PATH, HOME, NO_COLOR=1 and OCLIF_SKIP_NEW_VERSION_CHECK (nothing else is inherited). */
  readonly env?: NodeJS.ProcessEnv
  /** Written to stdin, which is then closed (default: empty). */
  readonly input?: string
  /** SIGKILL after this long (default 30 s). */
  readonly timeoutMs?: number
  /** Run through scripts/bench/measure.js, which writes the child's resource usage to this file. */
  readonly measureFile?: string
  /** Node flags of the child (e.g. --cpu-prof). */
  readonly nodeOptions?: readonly string[]
  /** Called with the child once spawned (e.g. to kill it mid-run). */
  readonly onSpawn?: (child: ChildProcess) => void
}

/** What scripts/bench/measure.js records. */
export interface Measure {
  readonly exitCode: number
  readonly wallMs: number
  readonly userCpuMs: number
  readonly systemCpuMs: number
  readonly maxRssMb: number
}

export interface RunCliResult {
  /** The exit code; 128 when killed by a signal. */
  readonly code: number
  readonly signal: NodeJS.Signals | null
  readonly stdout: string
  readonly stderr: string
  /** Set when `measureFile` was given and the child wrote it. */
  readonly measure: Measure | null
}

/** Spawns `node bin/run.js ...args` (no APOLLO_API_KEY unless given in `env`). */
export function runCli(args: readonly string[], opts: RunCliOptions = {}): Promise<RunCliResult> {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    HOME: process.env['HOME'] ?? '/tmp',
    NO_COLOR: '1',
    OCLIF_SKIP_NEW_VERSION_CHECK: 'true',
    ...opts.env,
  }
  const script = opts.measureFile === undefined ? [RUN_JS] : [MEASURE_JS, opts.measureFile, '--']
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...(opts.nodeOptions ?? []), ...script, ...args], {
      cwd: opts.cwd ?? REPO_ROOT,
      env,
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 30_000)
    child.on('error', (error) => {
      clearTimeout(timer)
      reject(error)
    })
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      resolve({
        code: code ?? (signal ? 128 : 1),
        signal,
        stdout,
        stderr,
        measure: opts.measureFile === undefined ? null : readMeasure(opts.measureFile),
      })
    })
    child.stdin.end(opts.input ?? '')
    opts.onSpawn?.(child)
  })
}

function readMeasure(file: string): Measure | null {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Measure
  } catch {
    return null
  }
}

/** The parts of `plan --json` / `apply --format json` the bench and the tests read; the rest stays unknown. */
export interface CliJson {
  readonly summary?: Readonly<Record<string, number>>
  readonly converged?: boolean
  readonly [key: string]: unknown
}

/** Parses a run's stdout as JSON, failing with its stdout and stderr when it is not (`what` names the run). */
export function parseJsonOutput<T = CliJson>(result: RunCliResult, what?: string): T {
  try {
    return JSON.parse(result.stdout) as T
  } catch {
    throw new Error(
      `${what === undefined ? '' : `${what}: `}stdout is not JSON (exit ${result.code}).\nstdout: ${result.stdout.slice(0, 2000)}\nstderr: ${result.stderr.slice(0, 2000)}`,
    )
  }
}
