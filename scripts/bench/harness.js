// Shared by scripts/bench.js and the tests: write a generated case to a directory and run the
// seqsync CLI (built, bin/run.js) as a child process, optionally through measure.js.
import {spawn} from 'node:child_process'
import {mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url))
export const RUN_JS = join(REPO_ROOT, 'bin', 'run.js')
export const MEASURE_JS = join(REPO_ROOT, 'scripts', 'bench', 'measure.js')

/** Writes the manifests and a seqsync.config.yaml (generous safety limits unless given). */
export function writeCase(dir, caseData, config = {}) {
  for (const m of caseData.manifests) {
    const file = join(dir, m.path)
    mkdirSync(dirname(file), {recursive: true})
    writeFileSync(file, m.text)
  }
  const globs = [...new Set(caseData.manifests.map((m) => `${dirname(m.path)}/**/*.yaml`))]
  const safety = config.safety ?? {maxRemovals: 1_000_000, maxRemovalPercent: 100, minSequenceSize: 10}
  const lines = ['manifests:', ...globs.map((g) => `  - ${JSON.stringify(g)}`)]
  lines.push(`batchSize: ${config.batchSize ?? 100}`, `concurrency: ${config.concurrency ?? 4}`, 'safety:')
  lines.push(
    `  maxRemovals: ${safety.maxRemovals}`,
    `  maxRemovalPercent: ${safety.maxRemovalPercent}`,
    `  minSequenceSize: ${safety.minSequenceSize}`,
  )
  writeFileSync(join(dir, 'seqsync.config.yaml'), lines.join('\n') + '\n')
}

/** The environment for a CLI child talking to an emulator: no inherited Apollo settings. */
export function cliEnv(apiUrl, apiKey, extra = {}) {
  const env = {...process.env}
  for (const k of Object.keys(env)) if (k.startsWith('SEQSYNC_') || k === 'APOLLO_API_KEY') delete env[k]
  return {...env, NO_COLOR: '1', FORCE_COLOR: '0', CI: '1', APOLLO_API_KEY: apiKey, SEQSYNC_API_URL: apiUrl, ...extra}
}

/**
 * Spawns `node bin/run.js ...args` (or measure.js when `measureFile` is set). Resolves with
 * {code, signal, stdout, stderr, measure}. `onSpawn(child)` lets a caller kill it.
 */
export function runCli(args, options) {
  const nodeArgs = options.measureFile ? [MEASURE_JS, options.measureFile, '--', ...args] : [RUN_JS, ...args]
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...(options.nodeOptions ?? []), ...nodeArgs], {
      cwd: options.cwd,
      env: options.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    const out = []
    const err = []
    child.stdout.on('data', (d) => out.push(d))
    child.stderr.on('data', (d) => err.push(d))
    let timer
    if (options.timeoutMs) timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs)
    child.on('error', reject)
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer)
      let measure = null
      if (options.measureFile) {
        try {
          measure = JSON.parse(readFileSync(options.measureFile, 'utf8'))
        } catch {
          measure = null
        }
      }
      resolve({
        code,
        signal,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        measure,
      })
    })
    options.onSpawn?.(child)
  })
}

/** Parses the first JSON document of a CLI's stdout (throws with the output on failure). */
export function parseJsonOutput(result, what) {
  try {
    return JSON.parse(result.stdout)
  } catch {
    throw new Error(
      `${what}: stdout is not JSON (exit ${result.code}).\nstdout: ${result.stdout.slice(0, 2000)}\nstderr: ${result.stderr.slice(0, 2000)}`,
    )
  }
}
