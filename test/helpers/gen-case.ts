// Test-side entry to the benchmark generator (scripts/bench/generate.ts): generate a case, write it
// to a temp dir, start the emulator on it, and build the CLI environment.
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {BENCH_API_KEY, generateCase} from '../../scripts/bench/generate.js'
import type {CaseOptions, GeneratedCase} from '../../scripts/bench/generate.js'
import {cliEnv, writeCase} from '../../scripts/bench/harness.js'
import type {CaseConfig} from '../../scripts/bench/harness.js'
import {startEmulator} from '../../src/emulator/server.js'
import type {EmulatorOptions, RunningEmulator} from '../../src/emulator/types.js'

/** 4 sequences x 60 members, every prune mode, 40% drift: every kind of write, several batches of 5 each. */
export function smallGeneratedCase(): GeneratedCase {
  return generateCase({
    sequences: 4,
    contactsPerSequence: 60,
    drift: 0.4,
    seed: 5,
    groupSize: 2,
    pruneModes: ['remove', 'finish', 'stop', 'none'],
  })
}

export interface CaseFixture {
  readonly dir: string
  readonly caseData: GeneratedCase
  readonly emulator: RunningEmulator
  readonly env: NodeJS.ProcessEnv
  readonly cleanup: () => Promise<void>
}

export async function setUpCase(
  options: CaseOptions,
  setup: {
    readonly config?: CaseConfig
    readonly emulator?: Omit<EmulatorOptions, 'seed'>
    readonly apiKey?: string
    readonly env?: Record<string, string>
  } = {},
): Promise<CaseFixture> {
  const apiKey = setup.apiKey ?? BENCH_API_KEY
  const caseData = generateCase({...options, apiKeys: options.apiKeys ?? [apiKey]})
  const dir = await mkdtemp(join(tmpdir(), 'seqsync-case-'))
  writeCase(dir, caseData, setup.config ?? {})
  const emulator = await startEmulator({...setup.emulator, seed: caseData.seed})
  const env = cliEnv(emulator.url, apiKey, setup.env ?? {})
  return {
    dir,
    caseData,
    emulator,
    env,
    cleanup: async () => {
      await emulator.close()
      await rm(dir, {recursive: true, force: true})
    },
  }
}

/** Runs `fn` over `items` with at most `limit` in flight (bounded parallelism for process-heavy tests). */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length)
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++
      results[i] = await fn(items[i]!)
    }
  }
  await Promise.all(Array.from({length: Math.min(limit, items.length)}, worker))
  return results
}
