// SIGKILL `apply plan.json` at a seeded random point (after k write requests reached Apollo), then
// apply the SAME plan file again (the CI re-run): what the killed run did is done, not stale; the
// rest is applied; Apollo must end exactly as expected (no lost, duplicated or extra change).
import type {ChildProcess} from 'node:child_process'
import {describe, expect, it} from 'vitest'

import {diffFinalState} from '../../scripts/bench/generate.js'
import {createPrng} from '../../src/emulator/random.js'
import {mapLimit, setUpCase} from '../helpers/gen-case.js'
import {parseJsonOutput, runCli} from '../helpers/run-cli.js'

const SEEDS = [11, 23, 37, 41, 59]
const WRITES = ['emailer_campaigns/add_contact_ids', 'emailer_campaigns/remove_or_stop_contact_ids']

async function runSeed(seed: number) {
  const fx = await setUpCase(
    {sequences: 3, contactsPerSequence: 20, drift: 0.5, seed, groupSize: 3, unmanagedSequences: 2},
    // batchSize 1 and 40-80 ms per write: the apply spends ~1-2 s writing, so the kill lands mid-run.
    {config: {batchSize: 1, concurrency: 2}, emulator: {faults: {seed, latencyMs: [40, 80]}}},
  )
  try {
    const plan = await runCli(['plan', '--out', 'plan.json', '--json'], {cwd: fx.dir, env: fx.env, timeoutMs: 60_000})
    if (plan.code !== 0) throw new Error(`plan (seed ${seed}) exited ${plan.code}: ${plan.stderr}`)
    const {planHash} = parseJsonOutput<{planHash: string}>(plan, `plan (seed ${seed})`)
    const apply = ['apply', 'plan.json', '--expect-plan-hash', planHash, '--format', 'json']
    const totalWrites = fx.caseData.expected.changes.length
    const random = createPrng(seed)
    const killAfter = 1 + Math.floor(random() * (totalWrites - 2)) // strictly inside the write phase
    let child: ChildProcess | undefined
    let killedAtWrites = -1
    const watcher = setInterval(() => {
      const s = fx.emulator.stats().requests
      const writes = WRITES.reduce((n, e) => n + (s[e] ?? 0), 0)
      if (child && killedAtWrites < 0 && writes >= killAfter) {
        killedAtWrites = writes
        child.kill('SIGKILL')
      }
    }, 2)
    const first = await runCli(apply, {
      cwd: fx.dir,
      env: fx.env,
      timeoutMs: 60_000,
      onSpawn: (c) => {
        child = c
      },
    })
    clearInterval(watcher)
    // Let writes that were in flight when the client died land (the emulator finishes them).
    await new Promise((r) => setTimeout(r, 150))
    const partial = diffFinalState(fx.emulator.snapshot(), fx.caseData.expected, 1000).length
    const second = await runCli(apply, {
      cwd: fx.dir,
      env: fx.env,
      timeoutMs: 60_000,
    })
    const report =
      second.code === 0 || second.code === 3
        ? parseJsonOutput<{converged?: boolean; summary: {alreadyDone: number}}>(
            second,
            `apply after kill (seed ${seed})`,
          )
        : null
    return {
      seed,
      killAfter,
      killedAtWrites,
      firstSignal: first.signal,
      partial,
      secondExit: second.code,
      converged: report?.converged,
      alreadyDone: report?.summary.alreadyDone ?? 0,
      secondStderr: second.stderr.slice(0, 2000),
      diffs: diffFinalState(fx.emulator.snapshot(), fx.caseData.expected),
    }
  } finally {
    await fx.cleanup()
  }
}

describe('apply killed mid-run', () => {
  it(`converges on the next apply with the exact expected state (${SEEDS.length} seeds)`, async () => {
    const outcomes = await mapLimit(SEEDS, 3, runSeed)
    for (const o of outcomes) {
      const label = `seed ${o.seed} (kill after ${o.killAfter} writes): ${o.secondStderr}`
      // The kill really happened mid-apply: the process died of SIGKILL with work left to do.
      expect(o.firstSignal, label).toBe('SIGKILL')
      expect(o.killedAtWrites, label).toBeGreaterThanOrEqual(o.killAfter)
      expect(o.partial, label).toBeGreaterThan(0)
      expect(o.secondExit, label).toBe(0)
      expect(o.converged, label).toBe(true)
      expect(o.alreadyDone, label).toBeGreaterThan(0)
      expect(o.diffs, label).toEqual([])
    }
  }, 120_000)
})
