// `npm run bench` (= npm run build && tsx scripts/bench.ts): PRODUCT.md §7's scale and speed targets.
//
// 1. SCALE: a generated case (default 200 sequences x 500 members, ~70,000 contacts, 10% drift) is
//    written to a temp dir; the Apollo emulator (src/, through tsx) runs IN THIS PROCESS (no latency,
//    no rate limit) and the CLI runs from dist/ as a plain-node child through scripts/bench/measure.js
//    (wall, CPU, peak RSS):
//    `plan --json --out plan.json`, `apply plan.json --auto-approve --allow-removals N --format json`,
//    then a second plan that must be empty. API calls come from the emulator's stats() and are
//    compared with the theoretical minimum of the cost model (scripts/bench/cost-model.ts).
// 2. RATE LIMIT: a smaller case whose apply needs ~120 add calls, against a minute limit of 30 per
//    (shortened) window: apply must get no 429 and stay within 15% of the time the limit allows.
//
// Flags: --sequences N --contacts N --drift F --seed N --quick --skip-scale --skip-rate-limit
//        --plan-only (scale run: stop after the first plan) --keep (keep the temp dirs)
//        --cpu-prof (writes .cpuprofile files of the plan run into bench-results/)
// Exit 1 when a target is missed. Results are saved as JSON under bench-results/ (gitignored).

import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {availableParallelism, cpus, tmpdir, totalmem} from 'node:os'
import {join} from 'node:path'
import {parseArgs} from 'node:util'

import {WRITE_ENDPOINTS} from '../src/apollo/endpoints.js'
import {startEmulator} from '../src/emulator/server.js'
import type {RunningEmulator} from '../src/emulator/types.js'
import {parseJsonOutput, REPO_ROOT, runCli} from '../test/helpers/run-cli.js'
import type {RunCliResult} from '../test/helpers/run-cli.js'
import {computeMinimumCalls, sumCalls} from './bench/cost-model.js'
import {BENCH_API_KEY, diffFinalState, generateCase} from './bench/generate.js'
import type {CaseOptions} from './bench/generate.js'
import {cliEnv, writeCase} from './bench/harness.js'

const TARGETS = {planWallMs: 10_000, peakRssMb: 400, callRatio: 1.05, rateLimitSlack: 1.15}
/** A hung CLI run fails the bench instead of hanging it (runCli's default is a test's 30 s). */
const RUN_TIMEOUT_MS = 10 * 60_000
const WRITES: ReadonlySet<string> = new Set(WRITE_ENDPOINTS)
const PLAN_KINDS = ['add', 'remove', 'finish', 'stop', 'create'] as const

/** The parts of `plan --json` the bench reads. */
interface PlanOutput {
  readonly summary: Readonly<Record<(typeof PLAN_KINDS)[number], number>>
  readonly cost?: {readonly planCalls?: unknown}
}
/** The parts of `apply --format json` the bench reads. */
interface ApplyOutput {
  readonly converged: boolean
  readonly summary: Readonly<Record<string, number>>
}
interface Check {
  readonly name: string
  readonly pass: boolean
  readonly detail: string
}

const {values: flags} = parseArgs({
  options: {
    sequences: {type: 'string'},
    contacts: {type: 'string'},
    drift: {type: 'string'},
    seed: {type: 'string'},
    quick: {type: 'boolean', default: false},
    'skip-scale': {type: 'boolean', default: false},
    'skip-rate-limit': {type: 'boolean', default: false},
    'cpu-prof': {type: 'boolean', default: false},
    keep: {type: 'boolean', default: false},
    'plan-only': {type: 'boolean', default: false},
  },
})

const scaleOptions: CaseOptions = {
  sequences: Number(flags.sequences ?? (flags.quick ? 40 : 200)),
  contactsPerSequence: Number(flags.contacts ?? (flags.quick ? 200 : 500)),
  drift: Number(flags.drift ?? 0.1),
  seed: Number(flags.seed ?? 20240601),
}

const resultsDir = join(REPO_ROOT, 'bench-results')
mkdirSync(resultsDir, {recursive: true})
const stamp = new Date().toISOString().replace(/[:.]/g, '-')
const checks: Check[] = []
const results: Record<string, unknown> = {
  startedAt: new Date().toISOString(),
  machine: {
    cpus: availableParallelism(),
    cpuModel: cpus()[0]?.model ?? 'unknown',
    totalMemMb: Math.round(totalmem() / 2 ** 20),
    node: process.version,
  },
  targets: TARGETS,
  checks,
}

function check(name: string, pass: boolean, detail: string): void {
  checks.push({name, pass, detail})
}

function fmtMs(ms: number | null | undefined): string {
  return ms === null || ms === undefined ? '-' : `${(ms / 1000).toFixed(2)} s`
}

function printTable(title: string, rows: readonly (readonly (string | number)[])[]): void {
  const widths = (rows[0] ?? []).map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)))
  console.log(`\n${title}`)
  rows.forEach((r, n) => {
    console.log(
      '  ' +
        r.map((c, i) => (i === 0 ? String(c).padEnd(widths[i] ?? 0) : String(c).padStart(widths[i] ?? 0))).join('  '),
    )
    if (n === 0) console.log('  ' + widths.map((w) => '-'.repeat(w)).join('  '))
  })
}

function writeEndpointsOf(counts: Readonly<Record<string, number>>): Record<string, number> {
  return Object.fromEntries(Object.entries(counts).filter(([k]) => WRITES.has(k)))
}

/** Polls the emulator's stats while a child runs: time of the first and last request to `endpoints`. */
function watchEndpoints(
  emulator: RunningEmulator,
  endpoints: readonly string[],
): () => {firstMs: number | null; lastMs: number | null} {
  const t0 = performance.now()
  let first: number | null = null
  let last: number | null = null
  let lastCount = 0
  const timer = setInterval(() => {
    const s = emulator.stats().requests
    const n = endpoints.reduce((a, e) => a + (s[e] ?? 0), 0)
    if (n > 0 && first === null) first = performance.now() - t0
    if (n !== lastCount) {
      last = performance.now() - t0
      lastCount = n
    }
  }, 10)
  return () => {
    clearInterval(timer)
    return {firstMs: first, lastMs: last}
  }
}

async function runScale(): Promise<Record<string, unknown>> {
  console.log(
    `\n== SCALE: ${scaleOptions.sequences} sequences x ${scaleOptions.contactsPerSequence} members, ${scaleOptions.drift * 100}% drift, seed ${scaleOptions.seed}`,
  )
  let t = performance.now()
  const c = generateCase(scaleOptions)
  const minimum = computeMinimumCalls(c, {batchSize: 100})
  const dir = mkdtempSync(join(tmpdir(), 'seqsync-bench-'))
  writeCase(dir, c, {batchSize: 100})
  console.log(
    `case: ${c.expected.totalContacts} contacts, ${minimum.detail.distinct} distinct managed members, ${c.seed.sequences.length} sequences, ` +
      `expected ${JSON.stringify(c.expected.summary)}; generated in ${fmtMs(performance.now() - t)} (${dir})`,
  )
  t = performance.now()
  const emulator = await startEmulator({seed: c.seed})
  console.log(`emulator loaded in ${fmtMs(performance.now() - t)} at ${emulator.url}`)
  const env = cliEnv(emulator.url, BENCH_API_KEY)
  const out: Record<string, unknown> = {options: scaleOptions, minimum, dir}
  try {
    // --- plan ---
    emulator.resetStats()
    const planNodeOptions = flags['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${resultsDir}`] : []
    const plan = await runCli(['plan', '--json', '--out', 'plan.json'], {
      cwd: dir,
      env,
      timeoutMs: RUN_TIMEOUT_MS,
      measureFile: join(dir, 'measure-plan.json'),
      nodeOptions: planNodeOptions,
    })
    const planStats = emulator.stats()
    if (plan.code !== 0) throw new Error(`plan exited ${plan.code}: ${plan.stderr.slice(0, 3000)}`)
    const planJson = parseJsonOutput<PlanOutput>(plan, 'plan')
    out.plan = {
      measure: plan.measure,
      calls: planStats.requests,
      summary: planJson.summary,
      reportedCost: planJson.cost ?? null,
    }
    if (flags['plan-only']) {
      console.log(
        `plan: ${JSON.stringify(plan.measure)} calls ${JSON.stringify(planStats.requests)} minimum ${JSON.stringify(minimum.plan)}`,
      )
      return out
    }

    // --- apply ---
    const s = planJson.summary
    const removals = s.remove + s.finish + s.stop
    emulator.resetStats()
    const apply = await runCli(
      ['apply', 'plan.json', '--auto-approve', '--allow-removals', String(removals), '--format', 'json'],
      {
        cwd: dir,
        env,
        timeoutMs: RUN_TIMEOUT_MS,
        measureFile: join(dir, 'measure-apply.json'),
      },
    )
    const applyStats = emulator.stats()
    const applyJson = apply.stdout.trim().startsWith('{') ? parseJsonOutput<ApplyOutput>(apply, 'apply') : null
    out.apply = {
      exitCode: apply.code,
      measure: apply.measure,
      calls: applyStats.requests,
      converged: applyJson?.converged ?? null,
      summary: applyJson?.summary ?? null,
    }
    if (apply.code !== 0) console.log(`apply exited ${apply.code}: ${apply.stderr.slice(0, 3000)}`)

    // --- second plan ---
    emulator.resetStats()
    const plan2 = await runCli(['plan', '--json'], {
      cwd: dir,
      env,
      timeoutMs: RUN_TIMEOUT_MS,
      measureFile: join(dir, 'measure-plan2.json'),
    })
    const plan2Json = plan2.code === 0 ? parseJsonOutput<PlanOutput>(plan2, 'second plan') : null
    out.plan2 = {
      exitCode: plan2.code,
      measure: plan2.measure,
      summary: plan2Json?.summary ?? null,
      calls: emulator.stats().requests,
    }
    const diffs = diffFinalState(emulator.snapshot(), c.expected)
    out.finalStateDiffs = diffs.slice(0, 20)

    // --- report ---
    const m = plan.measure
    const planTotal = sumCalls(planStats.requests)
    const planMin = sumCalls(minimum.plan)
    const writes = writeEndpointsOf(applyStats.requests)
    const writesTotal = sumCalls(writes)
    const writesMin = sumCalls(minimum.apply)
    const runs: [string, RunCliResult][] = [
      ['plan', plan],
      ['apply', apply],
      ['plan (again)', plan2],
    ]
    printTable('Run figures', [
      ['run', 'exit', 'wall', 'user CPU', 'sys CPU', 'peak RSS'],
      ...runs.map(([name, r]) => [
        name,
        r.code,
        fmtMs(r.measure?.wallMs),
        fmtMs(r.measure?.userCpuMs),
        fmtMs(r.measure?.systemCpuMs),
        `${r.measure?.maxRssMb ?? '-'} MB`,
      ]),
    ])
    const endpoints = [...new Set([...Object.keys(planStats.requests), ...Object.keys(minimum.plan)])].sort()
    const ratio = (a: number, b: number): string => (b === 0 ? (a === 0 ? '1.00' : 'inf') : (a / b).toFixed(3))
    printTable('plan API calls (emulator stats) vs theoretical minimum', [
      ['endpoint', 'calls', 'minimum', 'ratio'],
      ...endpoints.map((e) => [
        e,
        planStats.requests[e] ?? 0,
        minimum.plan[e] ?? 0,
        ratio(planStats.requests[e] ?? 0, minimum.plan[e] ?? 0),
      ]),
      ['TOTAL', planTotal, planMin, ratio(planTotal, planMin)],
    ])
    const applyEndpoints = [...new Set([...Object.keys(applyStats.requests), ...Object.keys(minimum.apply)])].sort()
    printTable('apply API calls (emulator stats); minimum given for writes', [
      ['endpoint', 'calls', 'minimum', 'ratio'],
      ...applyEndpoints.map((e) => {
        const isWrite = WRITES.has(e)
        return [
          e,
          applyStats.requests[e] ?? 0,
          isWrite ? (minimum.apply[e] ?? 0) : '(read)',
          isWrite ? ratio(applyStats.requests[e] ?? 0, minimum.apply[e] ?? 0) : '',
        ]
      }),
      ['WRITES', writesTotal, writesMin, ratio(writesTotal, writesMin)],
    ])
    console.log(`\nsweep detail: ${JSON.stringify(minimum.detail)}`)
    if (planJson.cost)
      console.log(`plan's own cost report: ${JSON.stringify(planJson.cost.planCalls ?? planJson.cost)}`)

    const full = !flags.quick && scaleOptions.sequences >= 200 && scaleOptions.contactsPerSequence >= 500
    const tag = full ? '' : ' [reduced case]'
    check(
      `plan wall < ${TARGETS.planWallMs / 1000} s${tag}`,
      m !== null && m.wallMs < TARGETS.planWallMs,
      fmtMs(m?.wallMs),
    )
    check(
      `plan peak RSS < ${TARGETS.peakRssMb} MB${tag}`,
      m !== null && m.maxRssMb < TARGETS.peakRssMb,
      `${m?.maxRssMb} MB`,
    )
    check(
      `plan calls <= ${TARGETS.callRatio} x minimum`,
      planTotal <= TARGETS.callRatio * planMin,
      `${planTotal} / ${planMin}`,
    )
    check(
      `apply writes <= ${TARGETS.callRatio} x minimum`,
      writesTotal <= TARGETS.callRatio * writesMin,
      `${writesTotal} / ${writesMin}`,
    )
    check(
      'plan summary = generated drift',
      (['add', 'remove', 'finish', 'stop'] as const).every((k) => s[k] === c.expected.summary[k]) && s.create === 0,
      JSON.stringify(s),
    )
    check('apply converged (exit 0)', apply.code === 0 && applyJson?.converged === true, `exit ${apply.code}`)
    const empty = plan2Json !== null && PLAN_KINDS.every((k) => plan2Json.summary[k] === 0)
    check('second plan is empty', empty, JSON.stringify(plan2Json?.summary ?? plan2.stderr.slice(0, 300)))
    check(
      'final Apollo state = expected (every membership of every contact)',
      diffs.length === 0,
      diffs.length === 0 ? 'exact' : diffs.slice(0, 3).join('; '),
    )
    return out
  } finally {
    await emulator.close()
    if (!flags.keep) rmSync(dir, {recursive: true, force: true})
  }
}

async function runRateLimit(): Promise<Record<string, unknown>> {
  const limit = 30
  const windowScale = 0.05
  const windowMs = 60_000 * windowScale
  const batchSize = 5
  const options: CaseOptions = {
    sequences: 20,
    contactsPerSequence: 100,
    drift: 0.3,
    seed: scaleOptions.seed + 1,
    mix: {add: 1},
    outsideAddsPerSequence: 0,
  }
  console.log(
    `\n== RATE LIMIT: ${options.sequences} x ${options.contactsPerSequence}, adds only, batchSize ${batchSize}, ${limit} requests per ${windowMs / 1000} s window per endpoint`,
  )
  const c = generateCase(options)
  const minimum = computeMinimumCalls(c, {batchSize})
  const dir = mkdtempSync(join(tmpdir(), 'seqsync-bench-rl-'))
  writeCase(dir, c, {batchSize})
  const emulator = await startEmulator({seed: c.seed})
  const env = cliEnv(emulator.url, BENCH_API_KEY, {SEQSYNC_RATE_WINDOW_SCALE: String(windowScale)})
  const out: Record<string, unknown> = {options, limit, windowScale, minimum}
  try {
    const plan = await runCli(['plan', '--json', '--out', 'plan.json'], {cwd: dir, env, timeoutMs: RUN_TIMEOUT_MS})
    if (plan.code !== 0) throw new Error(`plan exited ${plan.code}: ${plan.stderr.slice(0, 3000)}`)
    // Fresh windows for the apply only (setRateLimits clears the window state).
    emulator.setRateLimits({minute: limit, hour: null, day: null, windowScale})
    emulator.resetStats()
    const stop = watchEndpoints(emulator, ['emailer_campaigns/add_contact_ids'])
    const apply = await runCli(['apply', 'plan.json', '--auto-approve', '--format', 'json'], {
      cwd: dir,
      env,
      timeoutMs: RUN_TIMEOUT_MS,
      measureFile: join(dir, 'measure-apply.json'),
    })
    const writePhase = stop()
    const stats = emulator.stats()
    const applyJson = apply.stdout.trim().startsWith('{') ? parseJsonOutput<ApplyOutput>(apply, 'apply') : null
    if (apply.code !== 0) console.log(`apply exited ${apply.code}: ${apply.stderr.slice(0, 3000)}`)
    const perEndpoint = Object.entries(stats.requests).map(([e, n]) => ({
      endpoint: e,
      calls: n,
      boundMs: (Math.ceil(n / limit) - 1) * windowMs,
    }))
    const boundMs = Math.max(0, ...perEndpoint.map((p) => p.boundMs))
    const rateLimited = sumCalls(stats.rateLimited)
    const wall = apply.measure?.wallMs ?? null
    const writeSpan =
      writePhase.firstMs !== null && writePhase.lastMs !== null ? writePhase.lastMs - writePhase.firstMs : null
    printTable('rate-limited apply', [
      ['endpoint', 'calls', '429s', 'time the limit requires'],
      ...perEndpoint.map((p) => [p.endpoint, p.calls, stats.rateLimited[p.endpoint] ?? 0, fmtMs(p.boundMs)]),
    ])
    console.log(
      `apply wall ${fmtMs(wall)} (process, incl. start-up and re-reads); add calls from first to last ${fmtMs(writeSpan)}; ` +
        `bound ${fmtMs(boundMs)}; ratio ${wall && boundMs ? (wall / boundMs).toFixed(3) : '-'}; minimum add calls ${minimum.apply['emailer_campaigns/add_contact_ids']}`,
    )
    out.apply = {
      exitCode: apply.code,
      measure: apply.measure,
      calls: stats.requests,
      rateLimited: stats.rateLimited,
      boundMs,
      writeSpanMs: writeSpan,
      converged: applyJson?.converged ?? null,
    }
    const diffs = diffFinalState(emulator.snapshot(), c.expected)
    check(
      'rate limit: apply converged',
      apply.code === 0 && diffs.length === 0,
      diffs.slice(0, 2).join('; ') || `exit ${apply.code}`,
    )
    check('rate limit: no 429', rateLimited === 0, `${rateLimited} x 429`)
    check(
      `rate limit: apply wall <= ${TARGETS.rateLimitSlack} x bound`,
      wall !== null && wall <= TARGETS.rateLimitSlack * boundMs,
      `${fmtMs(wall)} vs ${fmtMs(boundMs)}`,
    )
    check(
      'rate limit: add writes = minimum',
      (stats.requests['emailer_campaigns/add_contact_ids'] ?? 0) === minimum.apply['emailer_campaigns/add_contact_ids'],
      `${stats.requests['emailer_campaigns/add_contact_ids'] ?? 0} / ${minimum.apply['emailer_campaigns/add_contact_ids']}`,
    )
    return out
  } finally {
    await emulator.close()
    if (!flags.keep) rmSync(dir, {recursive: true, force: true})
  }
}

let failed = false
try {
  if (!flags['skip-scale']) results.scale = await runScale()
  if (!flags['skip-rate-limit']) results.rateLimit = await runRateLimit()
} catch (error) {
  failed = true
  results.error = error instanceof Error ? (error.stack ?? error.message) : String(error)
  console.error(`\nBENCH ERROR: ${error instanceof Error ? error.message : String(error)}`)
}

printTable('Targets', [
  ['check', 'result', 'measured'],
  ...checks.map((c) => [c.name, c.pass ? 'PASS' : 'FAIL', c.detail]),
])
const file = join(resultsDir, `bench-${stamp}.json`)
writeFileSync(file, JSON.stringify(results, null, 2) + '\n')
console.log(`\nresults: ${file}`)
if (failed || checks.some((c) => !c.pass)) process.exitCode = 1
