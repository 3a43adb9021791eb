// `npm run bench` (= npm run build && tsx scripts/bench.ts): README's What a plan costs and BENCHMARKS.md scale and speed
// targets and issue 11's read costs, against the Apollo emulator (src/, through tsx, IN THIS
// PROCESS) with the CLI run from dist/ as a plain-node child through scripts/bench/measure.js.
//
// 1. SCALE, three generated cases (default 200 sequences x 500 members, 10% drift), each:
//    `plan --json --out plan.json`, `apply plan.json --auto-approve --allow-removals N --format json`,
//    then a second plan that must be empty, and Apollo's final state must be exactly the expected.
//    - today: 71,604 contacts, 200 adds of contacts outside every managed sequence;
//    - field: the adds mostly contacts in no managed sequence (4,600 look-ups for a sweep), ~76,000 contacts;
//    - over100k: 40,000 more contacts (~111,600): the scan cannot be complete, the sweep must win.
//    Calls per endpoint are compared with the cheapest strategy's minimum (scripts/bench/cost-model.ts,
//    computed from the generator's truth), with the per-contact script baseline, and in hours of
//    quota at 400 and 600 calls an hour.
// 2. RATE LIMIT: an apply needing ~120 add calls against 30 requests per (shortened) minute: no 429,
//    within 15% of the time the limit allows.
// 3. QUOTA: hourly windows shortened to 3.6 s and too small for the plan and for the apply: both
//    complete with --wait-for-quota, converge, and get no 429 (the minute window is paced too).
// 4. VALIDATE: `seqsync validate` of 2,000 small manifest files (offline), wall and peak RSS.
//
// Flags: --sequences N --contacts N --drift F --seed N --case today,field,over100k --quick
//        --skip-scale --skip-rate-limit --skip-quota --skip-validate --plan-only --keep --cpu-prof
// --quick: 40 x 200 with a display cap of 5,000 (so the reads still go around it). Exit 1 when a
// target is missed. Results are saved as JSON under bench-results/ (gitignored).

import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {availableParallelism, cpus, tmpdir, totalmem} from 'node:os'
import {join} from 'node:path'
import {parseArgs} from 'node:util'

import {WRITE_ENDPOINTS} from '../src/apollo/endpoints.js'
import {startEmulator} from '../src/emulator/server.js'
import type {EmulatorOptions, RunningEmulator} from '../src/emulator/types.js'
import {parseJsonOutput, REPO_ROOT, runCli} from '../test/helpers/run-cli.js'
import type {RunCliResult} from '../test/helpers/run-cli.js'
import {computeMinimumCalls, sumCalls} from './bench/cost-model.js'
import type {MinimumCalls} from './bench/cost-model.js'
import {BENCH_API_KEY, diffFinalState, generateCase} from './bench/generate.js'
import type {CaseOptions, GeneratedCase} from './bench/generate.js'
import {cliEnv, writeCase} from './bench/harness.js'
import {fmtMs, hoursAt, printTable, ratio} from './bench/report.js'

const TARGETS = {planWallMs: 10_000, peakRssMb: 400, callRatio: 1.05, rateLimitSlack: 1.15, validateWallMs: 10_000}
/** A hung CLI run fails the bench instead of hanging it (runCli's default is a test's 30 s). */
const RUN_TIMEOUT_MS = 10 * 60_000
const WRITES: ReadonlySet<string> = new Set(WRITE_ENDPOINTS)
const PLAN_KINDS = ['add', 'remove', 'finish', 'stop', 'create'] as const

/** The parts of `plan --json` the bench reads. */
interface PlanOutput {
  readonly summary: Readonly<Record<(typeof PLAN_KINDS)[number], number>>
  readonly cost?: {readonly read?: readonly {readonly strategy: string}[]}
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
interface BenchCase {
  readonly key: string
  readonly title: string
  readonly options: CaseOptions
}

const {values: flags} = parseArgs({
  options: {
    sequences: {type: 'string'},
    contacts: {type: 'string'},
    drift: {type: 'string'},
    seed: {type: 'string'},
    case: {type: 'string'},
    quick: {type: 'boolean', default: false},
    'skip-scale': {type: 'boolean', default: false},
    'skip-rate-limit': {type: 'boolean', default: false},
    'skip-quota': {type: 'boolean', default: false},
    'skip-validate': {type: 'boolean', default: false},
    'cpu-prof': {type: 'boolean', default: false},
    keep: {type: 'boolean', default: false},
    'plan-only': {type: 'boolean', default: false},
  },
})

const base: CaseOptions = {
  sequences: Number(flags.sequences ?? (flags.quick ? 40 : 200)),
  contactsPerSequence: Number(flags.contacts ?? (flags.quick ? 200 : 500)),
  drift: Number(flags.drift ?? 0.1),
  seed: Number(flags.seed ?? 20240601),
}
/** --quick shrinks the display cap with the case, so the reads still have to go around it. */
const displayCap = flags.quick ? 5_000 : undefined
const full = !flags.quick && base.sequences >= 200 && base.contactsPerSequence >= 500
const addsPerSequence = Math.round(base.drift * base.contactsPerSequence * 0.5)
const CASES: readonly BenchCase[] = [
  {key: 'today', title: "today's case: 1 add per sequence from outside the managed sequences", options: base},
  {
    key: 'field',
    title: 'field case: the adds mostly contacts in no managed sequence',
    options: {...base, outsideAddsPerSequence: Math.round(addsPerSequence * 0.93)},
  },
  {
    key: 'over100k',
    title: 'over 2 x the display cap of contacts: the scan cannot be complete',
    options: {...base, extraContacts: flags.quick ? 6_000 : 40_000},
  },
]

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

/** A generated case in a temp dir with its emulator, for `body`; cleaned up after. */
async function withCase<T>(
  c: GeneratedCase,
  setup: {batchSize: number; emulator?: Omit<EmulatorOptions, 'seed'>},
  body: (dir: string, emulator: RunningEmulator) => Promise<T>,
): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'seqsync-bench-'))
  writeCase(dir, c, {batchSize: setup.batchSize})
  const emulator = await startEmulator({...setup.emulator, seed: c.seed})
  try {
    return await body(dir, emulator)
  } finally {
    await emulator.close()
    if (!flags.keep) rmSync(dir, {recursive: true, force: true})
  }
}

async function runCase(bench: BenchCase): Promise<Record<string, unknown>> {
  const tag = `[${bench.key}${full ? '' : ', reduced'}]`
  console.log(`\n== ${bench.key.toUpperCase()}: ${bench.title}`)
  let t = performance.now()
  const c = generateCase(bench.options)
  const minimum = computeMinimumCalls(c, {batchSize: 100, ...(displayCap === undefined ? {} : {displayCap})})
  const d = minimum.detail
  console.log(
    `case: ${bench.options.sequences} x ${bench.options.contactsPerSequence}, ${d.contacts} contacts, ${d.distinct} distinct managed members, ` +
      `${d.lookups} declared emails outside them; expected ${JSON.stringify(c.expected.summary)}; generated in ${fmtMs(performance.now() - t)}`,
  )
  console.log(
    `cheapest read (cost model): ${d.strategy} — sweep ${d.sweep} + ${d.lookups} look-ups = ${d.sweep + d.lookups}, scan ${d.scan ?? 'impossible'}`,
  )
  t = performance.now()
  const emulatorOptions = displayCap === undefined ? {} : {displayCap}
  return withCase(c, {batchSize: 100, emulator: emulatorOptions}, async (dir, emulator) => {
    console.log(`emulator loaded in ${fmtMs(performance.now() - t)} at ${emulator.url}`)
    const env = cliEnv(emulator.url, BENCH_API_KEY)
    const run = (args: string[], measure: string, nodeOptions: string[] = []): Promise<RunCliResult> => {
      emulator.resetStats()
      return runCli(args, {cwd: dir, env, timeoutMs: RUN_TIMEOUT_MS, measureFile: join(dir, measure), nodeOptions})
    }
    const out: Record<string, unknown> = {options: bench.options, minimum}

    const profile = flags['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${resultsDir}`] : []
    const plan = await run(['plan', '--json', '--out', 'plan.json'], 'measure-plan.json', profile)
    const planCalls = emulator.stats().requests
    if (plan.code !== 0) throw new Error(`plan exited ${plan.code}: ${plan.stderr.slice(0, 3000)}`)
    const planJson = parseJsonOutput<PlanOutput>(plan, 'plan')
    const strategy = planJson.cost?.read?.[0]?.strategy ?? '?'
    out.plan = {measure: plan.measure, calls: planCalls, summary: planJson.summary, strategy}
    if (flags['plan-only']) {
      console.log(`plan: ${JSON.stringify(plan.measure)} ${strategy} calls ${JSON.stringify(planCalls)}`)
      return out
    }

    const s = planJson.summary
    const removals = s.remove + s.finish + s.stop
    const apply = await run(
      ['apply', 'plan.json', '--auto-approve', '--allow-removals', String(removals), '--format', 'json'],
      'measure-apply.json',
    )
    const applyCalls = emulator.stats().requests
    const applyJson = apply.stdout.trim().startsWith('{') ? parseJsonOutput<ApplyOutput>(apply, 'apply') : null
    if (apply.code !== 0) console.log(`apply exited ${apply.code}: ${apply.stderr.slice(0, 3000)}`)
    out.apply = {
      exitCode: apply.code,
      measure: apply.measure,
      calls: applyCalls,
      converged: applyJson?.converged ?? null,
    }

    const plan2 = await run(['plan', '--json'], 'measure-plan2.json')
    const plan2Json = plan2.code === 0 ? parseJsonOutput<PlanOutput>(plan2, 'second plan') : null
    out.plan2 = {exitCode: plan2.code, measure: plan2.measure, summary: plan2Json?.summary ?? null}
    const diffs = diffFinalState(emulator.snapshot(), c.expected)
    out.finalStateDiffs = diffs.slice(0, 20)

    report(bench, minimum, {plan, planCalls, strategy, apply, applyCalls})
    const m = plan.measure
    const planTotal = sumCalls(planCalls)
    const planMin = sumCalls(minimum.plan)
    const writesTotal = sumCalls(writeCallsOf(applyCalls))
    const writesMin = sumCalls(minimum.apply)
    check(
      `${tag} plan wall < ${TARGETS.planWallMs / 1000} s`,
      m !== null && m.wallMs < TARGETS.planWallMs,
      fmtMs(m?.wallMs),
    )
    check(
      `${tag} plan peak RSS < ${TARGETS.peakRssMb} MB`,
      m !== null && m.maxRssMb < TARGETS.peakRssMb,
      `${m?.maxRssMb} MB`,
    )
    check(
      `${tag} plan calls <= ${TARGETS.callRatio} x the cheapest strategy`,
      planTotal <= TARGETS.callRatio * planMin,
      `${planTotal} / ${planMin} (${strategy}; cheapest ${d.strategy})`,
    )
    check(
      `${tag} apply writes <= ${TARGETS.callRatio} x minimum`,
      writesTotal <= TARGETS.callRatio * writesMin,
      `${writesTotal} / ${writesMin}`,
    )
    check(
      `${tag} plan summary = generated drift`,
      (['add', 'remove', 'finish', 'stop'] as const).every((k) => s[k] === c.expected.summary[k]) && s.create === 0,
      JSON.stringify(s),
    )
    check(`${tag} apply converged (exit 0)`, apply.code === 0 && applyJson?.converged === true, `exit ${apply.code}`)
    const empty = plan2Json !== null && PLAN_KINDS.every((k) => plan2Json.summary[k] === 0)
    check(`${tag} second plan is empty`, empty, JSON.stringify(plan2Json?.summary ?? plan2.stderr.slice(0, 300)))
    check(
      `${tag} final Apollo state = expected`,
      diffs.length === 0,
      diffs.length === 0 ? 'exact' : diffs.slice(0, 3).join('; '),
    )
    return out
  })
}

function writeCallsOf(counts: Readonly<Record<string, number>>): Record<string, number> {
  return Object.fromEntries(Object.entries(counts).filter(([k]) => WRITES.has(k)))
}

function report(
  bench: BenchCase,
  minimum: MinimumCalls,
  runs: {
    plan: RunCliResult
    planCalls: Readonly<Record<string, number>>
    strategy: string
    apply: RunCliResult
    applyCalls: Readonly<Record<string, number>>
  },
): void {
  const {planCalls, applyCalls} = runs
  printTable(`${bench.key}: run figures`, [
    ['run', 'exit', 'wall', 'user CPU', 'peak RSS'],
    ...(
      [
        ['plan', runs.plan],
        ['apply', runs.apply],
      ] as const
    ).map(([name, r]) => [
      name,
      r.code,
      fmtMs(r.measure?.wallMs),
      fmtMs(r.measure?.userCpuMs),
      `${r.measure?.maxRssMb ?? '-'} MB`,
    ]),
  ])
  const endpoints = [...new Set([...Object.keys(planCalls), ...Object.keys(minimum.plan)])].sort()
  printTable(`${bench.key}: plan calls (${runs.strategy}) vs the cheapest strategy (${minimum.detail.strategy})`, [
    ['endpoint', 'calls', 'minimum', 'ratio'],
    ...endpoints.map((e) => [
      e,
      planCalls[e] ?? 0,
      minimum.plan[e] ?? 0,
      ratio(planCalls[e] ?? 0, minimum.plan[e] ?? 0),
    ]),
    ['TOTAL', sumCalls(planCalls), sumCalls(minimum.plan), ratio(sumCalls(planCalls), sumCalls(minimum.plan))],
  ])
  const writes = writeCallsOf(applyCalls)
  const applyMin = minimum.staleCheck + sumCalls(minimum.apply)
  printTable(`${bench.key}: apply calls vs stale-check minimum + writes`, [
    ['endpoint', 'calls', 'minimum'],
    ...Object.keys(applyCalls)
      .sort()
      .map((e) => [
        e,
        applyCalls[e] ?? 0,
        WRITES.has(e) ? (minimum.apply[e] ?? 0) : e === 'contacts/search' ? minimum.staleCheck : '-',
      ]),
    ['TOTAL', sumCalls(applyCalls), applyMin],
  ])
  const b = minimum.baseline
  const baseline = {'contacts/search': b.lookups, writes: b.writes}
  printTable(`${bench.key}: hours of quota (busiest endpoint) at 400 and 600 calls an hour`, [
    ['run', 'calls', 'h @400', 'h @600'],
    ['plan', sumCalls(planCalls), hoursAt(planCalls, 400), hoursAt(planCalls, 600)],
    ['apply', sumCalls(applyCalls), hoursAt(applyCalls, 400), hoursAt(applyCalls, 600)],
    ['apply writes', sumCalls(writes), hoursAt(writes, 400), hoursAt(writes, 600)],
    ['per-contact script', b.lookups + b.writes, hoursAt(baseline, 400), hoursAt(baseline, 600)],
  ])
}

/** The small case of the rate-limited runs: 20 x 100, 600 adds of contacts the sweep already knows. */
function addsOnlyCase(seed: number): CaseOptions {
  return {sequences: 20, contactsPerSequence: 100, drift: 0.3, seed, mix: {add: 1}, outsideAddsPerSequence: 0}
}

async function runRateLimit(): Promise<Record<string, unknown>> {
  const limit = 30
  const windowScale = 0.05
  const windowMs = 60_000 * windowScale
  const batchSize = 5
  const options = addsOnlyCase(base.seed + 1)
  console.log(
    `\n== RATE LIMIT: ${options.sequences} x ${options.contactsPerSequence}, adds only, batchSize ${batchSize}, ${limit} requests per ${windowMs / 1000} s window per endpoint`,
  )
  const c = generateCase(options)
  const minimum = computeMinimumCalls(c, {batchSize})
  return withCase(c, {batchSize}, async (dir, emulator) => {
    const env = cliEnv(emulator.url, BENCH_API_KEY, {SEQSYNC_RATE_WINDOW_SCALE: String(windowScale)})
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
    const adds = stats.requests['emailer_campaigns/add_contact_ids'] ?? 0
    check(
      'rate limit: add writes = minimum',
      adds === minimum.apply['emailer_campaigns/add_contact_ids'],
      `${adds} / ${minimum.apply['emailer_campaigns/add_contact_ids']}`,
    )
    return {
      options,
      limit,
      windowScale,
      minimum,
      calls: stats.requests,
      rateLimited: stats.rateLimited,
      boundMs,
      wallMs: wall,
    }
  })
}

async function runQuota(): Promise<Record<string, unknown>> {
  const windowScale = 0.001
  const limits = {minute: 10, hour: null, day: null, windowScale}
  const perEndpoint = {'contacts/search': {hour: 12}, 'emailer_campaigns/add_contact_ids': {hour: 10}}
  const batchSize = 25
  const options = addsOnlyCase(base.seed + 2)
  console.log(
    `\n== QUOTA: ${options.sequences} x ${options.contactsPerSequence}, adds only, batchSize ${batchSize}; windows x ${windowScale} ` +
      `(an hour = ${(3_600 * windowScale).toFixed(1)} s); hourly contacts/search 12, add_contact_ids 10; minute 10 per endpoint`,
  )
  const c = generateCase(options)
  const minimum = computeMinimumCalls(c, {batchSize})
  return withCase(c, {batchSize, emulator: {rateLimits: {...limits, perEndpoint}}}, async (dir, emulator) => {
    const env = cliEnv(emulator.url, BENCH_API_KEY, {SEQSYNC_RATE_WINDOW_SCALE: String(windowScale)})
    const run = (args: string[], measure: string): Promise<RunCliResult> =>
      runCli([...args, '--wait-for-quota'], {cwd: dir, env, timeoutMs: RUN_TIMEOUT_MS, measureFile: join(dir, measure)})
    const plan = await run(['plan', '--json', '--out', 'plan.json'], 'measure-plan.json')
    const planCalls = emulator.stats().requests
    const apply = await run(['apply', 'plan.json', '--auto-approve', '--format', 'json'], 'measure-apply.json')
    const applyJson = apply.stdout.trim().startsWith('{') ? parseJsonOutput<ApplyOutput>(apply, 'apply') : null
    const plan2 = await run(['plan', '--json'], 'measure-plan2.json')
    const plan2Json = plan2.code === 0 ? parseJsonOutput<PlanOutput>(plan2, 'second plan') : null
    const stats = emulator.stats()
    const waits = (r: RunCliResult): number => (r.stderr.match(/^waiting for Apollo's hourly quota/gm) ?? []).length
    printTable('runs with --wait-for-quota', [
      ['run', 'exit', 'wall', 'hourly waits'],
      ['plan', plan.code, fmtMs(plan.measure?.wallMs), waits(plan)],
      ['apply', apply.code, fmtMs(apply.measure?.wallMs), waits(apply)],
      ['plan (again)', plan2.code, fmtMs(plan2.measure?.wallMs), waits(plan2)],
    ])
    console.log(
      `calls ${JSON.stringify(stats.requests)}; 429s ${JSON.stringify(stats.rateLimited)}; plan calls ${JSON.stringify(planCalls)}`,
    )
    const diffs = diffFinalState(emulator.snapshot(), c.expected)
    check(
      'quota: plan waited for an hourly window and completed',
      plan.code === 0 && waits(plan) > 0,
      `exit ${plan.code}, ${waits(plan)} waits`,
    )
    check(
      'quota: apply waited for an hourly window and converged',
      apply.code === 0 && applyJson?.converged === true && waits(apply) > 0,
      `exit ${apply.code}, ${waits(apply)} waits`,
    )
    check(
      'quota: second plan is empty, final state exact',
      plan2Json !== null && PLAN_KINDS.every((k) => plan2Json.summary[k] === 0) && diffs.length === 0,
      diffs.slice(0, 2).join('; ') || 'exact',
    )
    check('quota: no 429 (minute, hour or day)', sumCalls(stats.rateLimited) === 0, JSON.stringify(stats.rateLimited))
    return {options, limits: {...limits, perEndpoint}, minimum, calls: stats.requests, rateLimited: stats.rateLimited}
  })
}

/** `validate` of 2,000 files of one sequence and two contacts each, in 20 directories (offline). */
async function runValidate(): Promise<Record<string, unknown>> {
  console.log('\n== VALIDATE: 2,000 manifest files, offline')
  const dir = mkdtempSync(join(tmpdir(), 'seqsync-bench-validate-'))
  try {
    for (let i = 0; i < 2000; i++) {
      const sub = join(dir, 'many', `d${i % 20}`)
      mkdirSync(sub, {recursive: true})
      writeFileSync(
        join(sub, `s${i}.yaml`),
        `apiVersion: seqsync/v1\nkind: SequenceMembership\nsequence:\n  name: S${i}\nmailbox: sdr@x.com\ncontacts:\n  - c${i}@x.com\n  - d${i}@x.com\n`,
      )
    }
    const res = await runCli(['validate', 'many'], {
      cwd: dir,
      env: cliEnv('http://127.0.0.1:9/api/v1', BENCH_API_KEY),
      timeoutMs: RUN_TIMEOUT_MS,
      measureFile: join(dir, 'measure-validate.json'),
    })
    const m = res.measure
    console.log(`validate: exit ${res.code}, ${fmtMs(m?.wallMs)} wall, ${m?.maxRssMb ?? '-'} MB peak RSS`)
    check('validate 2,000 files: exit 0', res.code === 0, `exit ${res.code}`)
    check(
      `validate 2,000 files wall < ${TARGETS.validateWallMs / 1000} s`,
      m !== null && m.wallMs < TARGETS.validateWallMs,
      fmtMs(m?.wallMs),
    )
    return {code: res.code, measure: m}
  } finally {
    if (!flags.keep) rmSync(dir, {recursive: true, force: true})
  }
}

let failed = false
try {
  if (!flags['skip-scale']) {
    const wanted = flags.case?.split(',') ?? CASES.map((c) => c.key)
    const scale: Record<string, unknown> = {}
    for (const bench of CASES.filter((c) => wanted.includes(c.key))) scale[bench.key] = await runCase(bench)
    results.scale = scale
  }
  if (!flags['skip-rate-limit']) results.rateLimit = await runRateLimit()
  if (!flags['skip-quota']) results.quota = await runQuota()
  if (!flags['skip-validate']) results.validate = await runValidate()
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
