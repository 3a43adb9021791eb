// `npm run demo` (= npm run build && tsx scripts/demo.ts): start the bundled Apollo emulator (from
// src/, in this process) seeded from examples/, then validate, plan, apply and plan again with the
// real CLI (the built bin/run.js, as a user runs it), and shut everything down. Exit 0 only when
// the second plan is empty, so the demo doubles as a smoke test (test/e2e/demo.test.ts runs it).

import {spawn} from 'node:child_process'
import {readFile} from 'node:fs/promises'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {startEmulator} from '../src/emulator/server.js'
import type {EmulatorSeed} from '../src/emulator/types.js'

const root = fileURLToPath(new URL('..', import.meta.url))
const examples = join(root, 'examples')
const seed = JSON.parse(await readFile(join(examples, 'apollo-seed.json'), 'utf8')) as EmulatorSeed

// Apollo-like quotas (200/min, 600/h, 6,000/day per endpoint), so the plan's API cost shows what is left.
const emulator = await startEmulator({seed, rateLimits: {minute: 200, hour: 600, day: 6000}})
const env = {
  ...process.env,
  // The emulator's key from examples/apollo-seed.json: a fake, not a secret.
  APOLLO_API_KEY: seed.apiKeys[0],
  SEQSYNC_API_URL: emulator.url,
}

const bold = process.stdout.isTTY && !process.env['NO_COLOR'] ? (s: string) => `\x1b[1m${s}\x1b[0m` : (s: string) => s

function banner(text: string): void {
  process.stdout.write(`\n${bold(`== ${text}`)}\n`)
}

function seqsync(args: readonly string[]): Promise<number> {
  process.stdout.write(`$ seqsync ${args.join(' ')}\n`)
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(root, 'bin', 'run.js'), ...args], {
      cwd: examples,
      env,
      stdio: 'inherit',
    })
    child.on('error', reject)
    child.on('exit', (code) => resolve(code ?? 1))
  })
}

let failure: string | null = null
try {
  banner(`Apollo emulator listening on ${emulator.url} (seeded from examples/apollo-seed.json)`)
  banner('1/4  Validate the manifests in examples/ (offline)')
  if ((await seqsync(['validate'])) !== 0) throw new Error('validate failed')

  banner('2/4  Plan: what would change in Apollo')
  if ((await seqsync(['plan'])) !== 0) throw new Error('plan failed')

  banner('3/4  Apply: make Apollo match (the demo approves automatically)')
  const applied = await seqsync(['apply', '--auto-approve'])
  if (applied !== 0) throw new Error(`apply exited ${applied}`)

  banner('4/4  Plan again: nothing left to do')
  const again = await seqsync(['plan', '--detailed-exitcode'])
  if (again !== 0) throw new Error(`the second plan still has changes (exit ${again})`)

  banner('Done: Apollo (the emulator) now matches examples/. Read README.md to run this against your team.')
} catch (error) {
  failure = error instanceof Error ? error.message : String(error)
} finally {
  await emulator.close()
}
if (failure !== null) {
  process.stderr.write(`\ndemo failed: ${failure}\n`)
  process.exitCode = 1
}
