import {existsSync} from 'node:fs'
import {readFile} from 'node:fs/promises'
import {join, resolve} from 'node:path'

import {Flags} from '@oclif/core'

import {BaseCommand} from '../cli/base-command.js'
import {startEmulator} from '../emulator/server.js'
import {UsageError} from '../errors.js'
import type {EmulatorSeed, FaultConfig, RateLimitConfig} from '../emulator/types.js'

/** The demo seed, shipped in the package (package.json `files`), relative to its root. */
const DEMO_SEED = join('examples', 'apollo-seed.json')

function parseNumberList(text: string, count: number, flag: string): (number | null)[] {
  const parts = text.split(',').map((p) => p.trim())
  if (parts.length !== count) throw new UsageError(`--${flag} takes ${count} comma-separated values, got "${text}"`)
  return parts.map((p) => {
    if (p === '' || p === '-' || p.toLowerCase() === 'none') return null
    const n = Number(p)
    if (!Number.isFinite(n) || n < 0) throw new UsageError(`--${flag}: "${p}" is not a non-negative number`)
    return n
  })
}

/** The seed (or saved state) file, checked enough to start from. */
async function readSeed(file: string): Promise<EmulatorSeed> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    throw new UsageError(`Cannot read ${file}: ${(error as {code?: string}).code ?? String(error)}`, {cause: error})
  }
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (error) {
    throw new UsageError(`${file} is not valid JSON: ${(error as Error).message}`)
  }
  const seed = value as Partial<EmulatorSeed> | null
  for (const key of ['apiKeys', 'emailAccounts', 'sequences', 'contacts'] as const) {
    if (!seed || !Array.isArray(seed[key])) {
      throw new UsageError(`${file}: not an emulator seed ("${key}" must be an array)`)
    }
  }
  if (typeof seed?.apiKeys?.[0] !== 'string') throw new UsageError(`${file}: the seed has no apiKeys to use`)
  return seed as EmulatorSeed
}

/** A value as one shell word (single-quoted unless it is plainly safe). */
function shellWord(value: string): string {
  return /^[\w.:/@%+=,-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`
}

export default class EmulatorCommand extends BaseCommand<typeof EmulatorCommand> {
  static override summary = 'Run the local Apollo emulator (an HTTP server that behaves like Apollo).'
  static override description = `Serves Apollo's REST endpoints used by seqsync under /api/v1 on 127.0.0.1, from a seed file (default: the demo seed shipped with seqsync).
State lives in memory; with --state it is loaded from (if the file exists) and saved to that file after
every write and on exit. Stop it with Ctrl-C. Keys: the seed's fake "apiKeys" (never a real Apollo key).

Prints the two lines that point seqsync at it on stdout (export SEQSYNC_API_URL=… and export APOLLO_API_KEY=<the seed's first key>), or with --json {url, apiKey, seed, state}; everything else goes to stderr.`

  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --port 4010 --seed examples/apollo-seed.json --state .seqsync-emulator/state.json',
    '<%= config.bin %> <%= command.id %> --rate-limit 200,600,6000 --window-scale 0.05',
    '<%= config.bin %> <%= command.id %> --fault-seed 7 --fault-500-after 0.1 --fault-drop 0.05 --latency 20,200',
  ]

  static override flags = {
    port: Flags.integer({description: 'Port to listen on (0 = any free port).', default: 4010, min: 0, max: 65535}),
    seed: Flags.string({description: 'Seed JSON file (default: the demo seed shipped with seqsync).'}),
    state: Flags.string({
      description: 'State file: loaded instead of the seed when it exists, saved after every write and on exit.',
    }),
    'rate-limit': Flags.string({
      description: 'Requests per endpoint per minute,hour,day (e.g. 200,600,6000; empty = unlimited).',
    }),
    'window-scale': Flags.string({description: 'Scale of the rate-limit windows (0.05 makes a minute 3 s).'}),
    'display-cap': Flags.integer({description: 'Search display cap in records (Apollo: 50000).', min: 1}),
    'fault-seed': Flags.integer({description: 'Seed of the fault PRNG (enables fault injection on write endpoints).'}),
    'fault-500-before': Flags.string({
      description: 'Probability of a 500 before the write.',
      dependsOn: ['fault-seed'],
    }),
    'fault-500-after': Flags.string({
      description: 'Probability of a 500 after the write (change made, response lost).',
      dependsOn: ['fault-seed'],
    }),
    'fault-drop': Flags.string({description: 'Probability of a dropped connection.', dependsOn: ['fault-seed']}),
    'fault-429': Flags.string({description: 'Probability of a spurious minute-window 429.', dependsOn: ['fault-seed']}),
    latency: Flags.string({
      description: 'Added latency MIN,MAX in ms on faulted endpoints.',
      dependsOn: ['fault-seed'],
    }),
  }

  async run(): Promise<void> {
    const {flags} = this
    const seedFile = resolve(flags.seed ?? join(this.config.root, DEMO_SEED))
    const stateFile = flags.state === undefined ? undefined : resolve(flags.state)
    const source = stateFile !== undefined && existsSync(stateFile) ? stateFile : seedFile
    const seed = await readSeed(source)
    const scale =
      flags['window-scale'] === undefined ? undefined : parseNumberList(flags['window-scale'], 1, 'window-scale')[0]
    let rateLimits: RateLimitConfig | null = null
    if (flags['rate-limit'] !== undefined) {
      const [minute, hour, day] = parseNumberList(flags['rate-limit'], 3, 'rate-limit')
      rateLimits = {
        minute: minute ?? null,
        hour: hour ?? null,
        day: day ?? null,
        ...(scale ? {windowScale: scale} : {}),
      }
    }
    let faults: FaultConfig | null = null
    if (flags['fault-seed'] !== undefined) {
      const p = (name: 'fault-500-before' | 'fault-500-after' | 'fault-drop' | 'fault-429'): number => {
        const v = flags[name] === undefined ? 0 : (parseNumberList(flags[name], 1, name)[0] ?? 0)
        if (v > 1) throw new UsageError(`--${name} is a probability between 0 and 1`)
        return v
      }
      const latency = flags.latency === undefined ? null : parseNumberList(flags.latency, 2, 'latency')
      faults = {
        seed: flags['fault-seed'],
        error500Before: p('fault-500-before'),
        error500After: p('fault-500-after'),
        dropConnection: p('fault-drop'),
        spurious429: p('fault-429'),
        ...(latency ? {latencyMs: [latency[0] ?? 0, latency[1] ?? 0] as const} : {}),
      }
    }

    const emulator = await startEmulator({
      seed,
      port: flags.port,
      rateLimits,
      faults,
      ...(stateFile === undefined ? {} : {statePath: stateFile}),
      ...(flags['display-cap'] === undefined ? {} : {displayCap: flags['display-cap']}),
    })
    // Listen for Ctrl-C before telling anyone the emulator is up: a script may stop it at once.
    const stopped = new Promise<NodeJS.Signals>((resolveSignal) => {
      process.once('SIGINT', () => resolveSignal('SIGINT'))
      process.once('SIGTERM', () => resolveSignal('SIGTERM'))
    })
    const apiKey = seed.apiKeys[0] ?? ''
    // Written as is, not through print()'s redaction: this is the seed's fake key, printed on
    // purpose, and APOLLO_API_KEY is often already set to it (from an earlier run).
    process.stdout.write(
      flags.json
        ? `${JSON.stringify({url: emulator.url, apiKey, seed: source, state: stateFile ?? null}, null, 2)}\n`
        : `export SEQSYNC_API_URL=${shellWord(emulator.url)}\nexport APOLLO_API_KEY=${shellWord(apiKey)}\n`,
    )
    this.notice(`Apollo emulator listening on ${emulator.url}, from ${source} (its keys are fake test keys).`)
    if (stateFile !== undefined) this.notice(`State is saved to ${stateFile}`)
    this.notice('Press Ctrl-C to stop.')

    const signal = await stopped
    await emulator.close()
    this.notice(
      `Received ${signal}: emulator stopped${stateFile === undefined ? '' : `, state saved to ${stateFile}`}.`,
    )
  }
}
