// Apply through the real CLI against an emulator that fails its write endpoints: 500 before the
// write, 500 after it (change made, response lost), dropped connections, spurious 429s, latency.
// The first apply may end not converged (exit 3); ONE re-run must converge, and Apollo must end
// EXACTLY as expected: every membership of every contact, unmanaged sequences included.
import {describe, expect, it} from 'vitest'

import {diffFinalState} from '../../scripts/bench/generate.js'
import {mapLimit, setUpCase} from '../helpers/gen-case.js'
import {parseJsonOutput, runCli} from '../helpers/run-cli.js'

const SEEDS = Array.from({length: 12}, (_, i) => 101 + i * 17)

interface SeedOutcome {
  readonly seed: number
  readonly firstExit: number | null
  readonly secondExit: number | null
  readonly converged: unknown
  readonly faults: Readonly<Record<string, number>>
  readonly diffs: readonly string[]
  readonly stderr: string
}

async function runSeed(seed: number): Promise<SeedOutcome> {
  const fx = await setUpCase(
    {sequences: 3, contactsPerSequence: 20, drift: 0.5, seed, groupSize: 3, unmanagedSequences: 2},
    {
      // batchSize 3: several write calls per group (chances for faults and for the 5xx batch split),
      // few enough that retry back-off keeps the suite fast.
      config: {batchSize: 3, concurrency: 3},
      emulator: {
        faults: {
          seed,
          error500Before: 0.12,
          error500After: 0.12,
          dropConnection: 0.1,
          spurious429: 0.04,
          latencyMs: [0, 4],
        },
      },
    },
  )
  try {
    const first = await runCli(['apply', '--auto-approve', '--format', 'json'], {
      cwd: fx.dir,
      env: fx.env,
      timeoutMs: 90_000,
    })
    // Faults off for nothing: the second run faces the same fault rates.
    const second = await runCli(['apply', '--auto-approve', '--format', 'json'], {
      cwd: fx.dir,
      env: fx.env,
      timeoutMs: 90_000,
    })
    const report = second.code === 0 || second.code === 3 ? parseJsonOutput(second, `apply #2 (seed ${seed})`) : null
    return {
      seed,
      firstExit: first.code,
      secondExit: second.code,
      converged: report?.converged,
      faults: fx.emulator.stats().faults,
      diffs: diffFinalState(fx.emulator.snapshot(), fx.caseData.expected),
      stderr: `${first.stderr.slice(0, 1500)}\n---\n${second.stderr.slice(0, 1500)}`,
    }
  } finally {
    await fx.cleanup()
  }
}

describe('apply under injected write faults', () => {
  it(`converges with one re-run and leaves exactly the expected state (${SEEDS.length} seeds)`, async () => {
    // 6 at a time: the runs mostly wait on retry back-off, not CPU.
    const outcomes = await mapLimit(SEEDS, 6, runSeed)
    for (const o of outcomes) {
      const label = `seed ${o.seed}: ${o.stderr}`
      expect([0, 3], label).toContain(o.firstExit)
      expect(o.secondExit, label).toBe(0)
      expect(o.converged, label).toBe(true)
      expect(o.diffs, label).toEqual([])
    }
    // The suite really injected every kind of fault (otherwise it proves nothing).
    const total: Record<string, number> = {}
    for (const o of outcomes) for (const [k, n] of Object.entries(o.faults)) total[k] = (total[k] ?? 0) + n
    for (const kind of ['error500Before', 'error500After', 'spurious429'])
      expect(total[kind] ?? 0, kind).toBeGreaterThan(0)
    expect((total['dropBefore'] ?? 0) + (total['dropAfter'] ?? 0)).toBeGreaterThan(0)
  }, 170_000)
})
