// CLI conventions (issue 14.7) through the real CLI: `seqsync version`, shell completion, "did you
// mean" for a mistyped command, --quiet, FORCE_COLOR / NO_COLOR / --[no-]color, and the global
// flags on every command (import --json and emulator --no-color were refused before).
import {spawn} from 'node:child_process'
import {mkdtemp, readFile, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {startE2eEnv} from '../helpers/e2e-env.js'
import type {E2eEnv} from '../helpers/e2e-env.js'
import {REPO_ROOT, runCli} from '../helpers/run-cli.js'

const RUN_JS = join(REPO_ROOT, 'bin', 'run.js')
const pkg = JSON.parse(await readFile(join(REPO_ROOT, 'package.json'), 'utf8')) as {version: string}
// eslint-disable-next-line no-control-regex -- an ANSI colour sequence is what the test looks for
const ANSI = /\u001b\[\d+m/

let home: string
const cleanup: (() => Promise<void>)[] = []
beforeAll(async () => {
  // Completion caches and oclif's data live under HOME: keep them out of the real one.
  home = await mkdtemp(join(tmpdir(), 'seqsync-home-'))
})
afterAll(async () => {
  for (const c of cleanup.splice(0)) await c()
  await rm(home, {recursive: true, force: true})
})

describe('seqsync version', () => {
  it('prints the version, platform and Node.js version; --json as an object', async () => {
    const text = await runCli(['version'])
    expect(text.code).toBe(0)
    expect(text.stdout).toBe(`seqsync/${pkg.version} ${process.platform}-${process.arch} node-${process.version}\n`)
    const json = await runCli(['version', '--json'])
    expect(JSON.parse(json.stdout)).toEqual({
      version: pkg.version,
      node: process.version,
      platform: process.platform,
      arch: process.arch,
    })
  })
})

describe('shell completion', () => {
  it('prints the bash setup and a completion script that knows the commands', async () => {
    const env = {HOME: home}
    const setup = await runCli(['autocomplete', 'script', 'bash'], {env})
    expect(setup.code, setup.stderr).toBe(0)
    expect(setup.stdout).toContain('SEQSYNC_AC_BASH_SETUP_PATH=')
    const help = await runCli(['autocomplete', 'zsh'], {env})
    expect(help.code, help.stderr).toBe(0)
    expect(help.stdout).toContain('seqsync autocomplete')
    // The completion cache knows every command and its flags, the global ones included.
    const bash = await readFile(
      join(home, '.cache', 'seqsync', 'autocomplete', 'functions', 'bash', 'seqsync.bash'),
      'utf8',
    )
    for (const command of ['plan', 'apply', 'validate', 'import', 'emulator', 'version']) {
      expect(bash).toMatch(new RegExp(`^${command} .*--quiet`, 'm'))
    }
  })
})

describe('a mistyped command', () => {
  it('is named as unknown (exit 127) and, on a terminal, "Did you mean plan?" is asked', async () => {
    const piped = await runCli(['plna'])
    expect(piped.code).toBe(127)
    expect(piped.stderr).toContain('plna is not a seqsync command')
    expect(piped.stderr).toContain('seqsync help')

    // `script` gives the CLI a terminal; answer the question with "n".
    const child = spawn(
      'script',
      ['-qec', `${JSON.stringify(process.execPath)} ${JSON.stringify(RUN_JS)} plna`, '/dev/null'],
      {
        env: {PATH: process.env['PATH'] ?? '', HOME: home, NO_COLOR: '1', TERM: 'dumb'},
      },
    )
    let out = ''
    const asked = new Promise<void>((resolve) => {
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString()
        if (out.includes('Did you mean')) resolve()
      })
    })
    await asked
    child.stdin.write('n\r')
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)))
    expect(out).toMatch(/Did you mean .*plan.*\?/)
    expect(code).toBe(127)
  })
})

describe('against the emulator', () => {
  let env: E2eEnv
  beforeAll(async () => {
    env = await startE2eEnv()
  })
  afterAll(async () => {
    await env?.close()
  })

  it('--quiet keeps stdout and errors, and drops warnings, notices and progress', async () => {
    // Its own emulator: this test applies.
    const env = await startE2eEnv()
    cleanup.push(() => env.close())
    const loud = await env.cli(['plan', '--out', 'plan.json'])
    const quiet = await env.cli(['plan', '--out', 'plan.json', '--quiet'])
    expect(loud.code, loud.stderr).toBe(0)
    expect(quiet.code, quiet.stderr).toBe(0)
    expect(loud.stderr).toContain('Saved the plan to plan.json')
    expect(quiet.stderr).toBe('')
    expect(quiet.stdout).toBe(loud.stdout)

    const applied = await env.cli(['apply', 'plan.json', '-q'])
    expect(applied.code, applied.stderr).toBe(0)
    expect(applied.stderr).toBe('')
    expect(applied.stdout).toContain('Sequence "Q4 Enterprise Outreach"')

    const failed = await env.cli(['plan', 'missing.yaml', '--quiet'])
    expect(failed.code).toBe(1)
    expect(failed.stderr).toMatch(/^Error: /m)
  })

  it('colour: FORCE_COLOR forces it, NO_COLOR and --no-color turn it off, --color wins', async () => {
    const colour = async (flags: string[], vars: Record<string, string>) =>
      ANSI.test((await env.cli(['plan', ...flags], {env: vars})).stdout)
    expect(await colour([], {NO_COLOR: '1'})).toBe(false) // and stdout is not a terminal
    expect(await colour([], {NO_COLOR: '', FORCE_COLOR: '1'})).toBe(true)
    expect(await colour([], {NO_COLOR: '1', FORCE_COLOR: '1'})).toBe(true)
    expect(await colour(['--no-color'], {FORCE_COLOR: '1'})).toBe(false)
    expect(await colour([], {NO_COLOR: '', FORCE_COLOR: '0'})).toBe(false)
    expect(await colour(['--color'], {NO_COLOR: '1', FORCE_COLOR: '0'})).toBe(true)
  })

  it('every command takes the global flags: import --json, emulator --no-color --json', async () => {
    for (const command of ['validate', 'plan', 'apply', 'import', 'emulator', 'version']) {
      const help = await runCli([command, '--help'])
      expect(help.code, command).toBe(0)
      for (const flag of ['--config', '--api-url', '--[no-]color', '--verbose', '--quiet', '--json']) {
        expect(help.stdout, `${command} ${flag}`).toContain(flag)
      }
    }
    const imported = await env.cli(['import', '--sequence', 'Q4 Enterprise Outreach', '--out-dir', 'adopted', '--json'])
    expect(imported.code, imported.stderr).toBe(0)
    expect(JSON.parse(imported.stdout)).toEqual({
      formatVersion: 1,
      files: [
        {
          path: join('adopted', 'q4-enterprise-outreach.yaml'),
          sequence: {id: '66f0c1e2a4b5c6d7e8f90101', name: 'Q4 Enterprise Outreach'},
          members: 5,
        },
      ],
    })

    // APOLLO_API_KEY already set to the seed's key (an earlier run's export): still printed.
    const emulator = spawn(process.execPath, [RUN_JS, 'emulator', '--port', '0', '--no-color', '--json'], {
      env: {PATH: process.env['PATH'] ?? '', HOME: home, APOLLO_API_KEY: env.seed.apiKeys[0]},
    })
    let out = ''
    const exited = new Promise<number | null>((resolve) => emulator.on('exit', resolve))
    const started = await new Promise<{url: string; apiKey: string}>((resolve, reject) => {
      void exited.then((code) => reject(new Error(`emulator exited ${code}`)))
      emulator.stdout.on('data', (d: Buffer) => {
        out += d.toString()
        try {
          resolve(JSON.parse(out) as {url: string; apiKey: string})
        } catch {
          // not complete yet
        }
      })
    })
    emulator.kill('SIGTERM')
    expect(await exited).toBe(0)
    expect(started.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/v1$/)
    expect(started.apiKey).toBe(env.seed.apiKeys[0])
  })
})
