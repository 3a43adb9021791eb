// `npm run demo` (scripts/demo.ts through tsx; the CLI it runs is the built dist/, as `npm test`
// builds first): the four steps against the bundled emulator, ending with an empty plan.
import {spawn} from 'node:child_process'
import {existsSync} from 'node:fs'
import {join} from 'node:path'

import {describe, expect, it} from 'vitest'

import {REPO_ROOT} from '../helpers/run-cli.js'

function runDemo(): Promise<{code: number; stdout: string; stderr: string}> {
  return new Promise((resolve, reject) => {
    const env = {PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: process.env['HOME'] ?? '/tmp', NO_COLOR: '1'}
    const child = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'scripts', 'demo.ts')], {
      cwd: REPO_ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c))
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c))
    const timer = setTimeout(() => child.kill('SIGKILL'), 50_000)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({code: code ?? 1, stdout, stderr})
    })
  })
}

describe('npm run demo', () => {
  it('validates, plans, applies and plans again to "No changes"', async () => {
    expect(existsSync(join(REPO_ROOT, 'dist', 'emulator', 'server.js')), 'run `npm run build` first').toBe(true)
    const {code, stdout, stderr} = await runDemo()
    expect(code, stdout + stderr).toBe(0)
    const steps = ['1/4  Validate', '2/4  Plan', '3/4  Apply', '4/4  Plan again'].map((s) => stdout.indexOf(s))
    expect(
      steps.every((i) => i >= 0),
      stdout,
    ).toBe(true)
    expect([...steps].sort((a, b) => a - b)).toEqual(steps)
    // The first plan shows the examples' changes, the apply converges, the last plan is empty.
    expect(stdout).toContain('Plan: 8 to add, 2 to remove, 2 to finish, 2 to stop, 0 skips forecast.')
    const last = stdout.slice(steps[3])
    expect(last).toContain('No changes')
    expect(last).toContain('Plan: 0 to add, 0 to remove, 0 to finish, 0 to stop, 0 skips forecast.')
    expect(stdout).toContain('Done:')
    expect(stderr).not.toContain('demo failed')
  })
})
