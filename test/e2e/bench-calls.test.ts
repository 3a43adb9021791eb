// The benchmark harness at small scale, in `npm test`: API CALL COUNTS only (never time).
// plan must stay within the cost model of README: What a plan costs; BENCHMARKS.md, apply must make exactly the minimum
// writes, the second plan must be empty and Apollo must end exactly as expected.
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {computeMinimumCalls, sumCalls} from '../../scripts/bench/cost-model.js'
import {diffFinalState} from '../../scripts/bench/generate.js'
import {WRITE_ENDPOINTS} from '../../src/apollo/endpoints.js'
import {setUpCase} from '../helpers/gen-case.js'
import type {CaseFixture} from '../helpers/gen-case.js'
import {parseJsonOutput, runCli} from '../helpers/run-cli.js'

const BATCH_SIZE = 3

describe('bench harness at small scale: call counts', () => {
  let fx: CaseFixture
  beforeAll(async () => {
    // 20 sequences x 50 members in two team groups, 20% drift so every kind of change occurs,
    // batchSize 3 so groups need several write calls.
    fx = await setUpCase(
      {sequences: 20, contactsPerSequence: 50, drift: 0.2, seed: 7},
      {config: {batchSize: BATCH_SIZE}},
    )
  })
  afterAll(async () => {
    await fx?.cleanup()
  })

  it('plans within the cost model, applies with the minimum writes, and converges', async () => {
    const minimum = computeMinimumCalls(fx.caseData, {batchSize: BATCH_SIZE})
    const summary = fx.caseData.expected.summary
    expect(summary.add).toBeGreaterThan(0)
    expect(summary.remove).toBeGreaterThan(0)
    expect(summary.finish).toBeGreaterThan(0)
    expect(summary.stop).toBeGreaterThan(0)

    // --- plan ---
    fx.emulator.resetStats()
    const plan = await runCli(['plan', '--json', '--out', 'plan.json'], {cwd: fx.dir, env: fx.env, timeoutMs: 60_000})
    expect(plan.stderr).not.toMatch(/Error/)
    expect(plan.code).toBe(0)
    const planJson = parseJsonOutput(plan, 'plan')
    expect(planJson.summary).toMatchObject({...summary, create: 0, skipsForecast: 0})
    const planCalls = fx.emulator.stats().requests
    // A plan never writes.
    for (const e of WRITE_ENDPOINTS) expect(planCalls[e] ?? 0).toBe(0)
    // Per endpoint of the model: at most the minimum, plus 1 where the algorithm must probe first
    // (e.g. page 1 of a scan that it then uses or abandons). In total: <= 1.05 x the minimum, or
    // the minimum + 2 in a case this small (1.05 x 17 calls is less than one call).
    for (const [endpoint, min] of Object.entries(minimum.plan)) {
      expect(planCalls[endpoint] ?? 0, endpoint).toBeLessThanOrEqual(min + 1)
    }
    const planTotal = sumCalls(planCalls)
    const planMin = sumCalls(minimum.plan)
    expect(planTotal).toBeLessThanOrEqual(Math.max(Math.floor(1.05 * planMin), planMin + 2))

    // --- apply ---
    const removals = summary.remove + summary.finish + summary.stop
    fx.emulator.resetStats()
    const apply = await runCli(
      ['apply', 'plan.json', '--auto-approve', '--allow-removals', String(removals), '--format', 'json'],
      {
        cwd: fx.dir,
        env: fx.env,
        timeoutMs: 60_000,
      },
    )
    expect(apply.code, apply.stderr).toBe(0)
    const report = parseJsonOutput(apply, 'apply')
    expect(report.converged).toBe(true)
    expect(report.summary).toMatchObject({failed: 0, skipped: 0})
    const applyCalls = fx.emulator.stats().requests
    const writes = Object.fromEntries(
      WRITE_ENDPOINTS.filter((e) => (applyCalls[e] ?? 0) > 0).map((e) => [e, applyCalls[e]]),
    )
    expect(writes).toEqual(minimum.apply)

    // --- second plan: nothing left ---
    fx.emulator.resetStats()
    const plan2 = await runCli(['plan', '--json', '--detailed-exitcode'], {cwd: fx.dir, env: fx.env, timeoutMs: 60_000})
    expect(plan2.code, plan2.stderr).toBe(0)
    expect(parseJsonOutput(plan2, 'second plan').summary).toMatchObject({
      add: 0,
      remove: 0,
      finish: 0,
      stop: 0,
      create: 0,
    })
    for (const e of WRITE_ENDPOINTS) expect(fx.emulator.stats().requests[e] ?? 0).toBe(0)

    expect(diffFinalState(fx.emulator.snapshot(), fx.caseData.expected)).toEqual([])
  })
})
