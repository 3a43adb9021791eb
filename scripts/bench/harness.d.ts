import type {ChildProcess} from 'node:child_process'
import type {GeneratedCase} from './generate.js'

export declare const REPO_ROOT: string
export declare const RUN_JS: string
export declare const MEASURE_JS: string

export interface CaseConfig {
  readonly batchSize?: number
  readonly concurrency?: number
  readonly safety?: {readonly maxRemovals: number; readonly maxRemovalPercent: number; readonly minSequenceSize: number}
}
export declare function writeCase(dir: string, caseData: GeneratedCase, config?: CaseConfig): void
export declare function cliEnv(apiUrl: string, apiKey: string, extra?: Record<string, string>): NodeJS.ProcessEnv

export interface Measure {
  readonly exitCode: number
  readonly wallMs: number
  readonly userCpuMs: number
  readonly systemCpuMs: number
  readonly maxRssMb: number
}
export interface CliResult {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly stdout: string
  readonly stderr: string
  readonly measure: Measure | null
}
export declare function runCli(
  args: readonly string[],
  options: {
    readonly cwd: string
    readonly env: NodeJS.ProcessEnv
    readonly timeoutMs?: number
    readonly measureFile?: string
    readonly nodeOptions?: readonly string[]
    readonly onSpawn?: (child: ChildProcess) => void
  },
): Promise<CliResult>
/** The parts of `plan --json` / `apply --format json` the tests read; the rest stays unknown. */
export interface CliJson {
  readonly summary?: Readonly<Record<string, number>>
  readonly converged?: boolean
  readonly [key: string]: unknown
}
export declare function parseJsonOutput(result: CliResult, what: string): CliJson
