// The installable package (issue 14.1, 14.2): `npm pack`, installed into an empty directory with no
// registry name involved, gives the full CLI: validate, the emulator from its shipped demo seed,
// and a plan against that emulator. The tarball is packed from the dist/ that `npm test` has just
// built with `npm run build`, which is exactly what the `prepare` script runs for a git install.
import {spawn, spawnSync} from 'node:child_process'
import {lstatSync, readFileSync, realpathSync} from 'node:fs'
import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {REPO_ROOT} from '../helpers/run-cli.js'

const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
  name: string
  version: string
  files: string[]
  scripts: Record<string, string>
  repository: {url: string}
  homepage: string
  bugs: {url: string}
  license: string
}
const MANIFEST = `apiVersion: seqsync/v1
kind: SequenceMembership
sequence:
  name: Q4 Enterprise Outreach
mailbox: sdr@acme.example
contacts:
  - jane.cooper@umbrella.example
`

let dir = ''
let app = ''
let tarball = ''
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'seqsync-pack-'))
  const packed = spawnSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
  })
  if (packed.status !== 0) throw new Error(`npm pack failed: ${packed.stderr}`)
  tarball = join(dir, (JSON.parse(packed.stdout) as {filename: string}[])[0]?.filename ?? '')
  app = join(dir, 'app')
  // An empty directory; dependencies from npm's cache when it has them.
  const installed = spawnSync(
    'npm',
    ['install', '--prefer-offline', '--no-audit', '--no-fund', '--omit=dev', '--prefix', app, tarball],
    {cwd: dir, encoding: 'utf8'},
  )
  if (installed.status !== 0) throw new Error(`npm install failed: ${installed.stderr}`)
  await writeFile(join(app, 'm.yaml'), MANIFEST)
}, 120_000)
afterAll(async () => {
  await rm(dir, {recursive: true, force: true})
})

/** Runs the installed `seqsync` bin (the node_modules/.bin link) in the app directory. */
function seqsync(args: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, [join(app, 'node_modules', '.bin', 'seqsync'), ...args], {
    cwd: app,
    encoding: 'utf8',
    env: {PATH: process.env['PATH'] ?? '', HOME: dir, NO_COLOR: '1', ...env},
    timeout: 30_000,
  })
}

describe('the packed package', () => {
  it('is ready to publish: metadata, files, and prepare builds what it ships', () => {
    expect(pkg.license).toBe('MIT')
    for (const url of [pkg.repository.url, pkg.homepage, pkg.bugs.url]) expect(url).toContain('/seqsync')
    expect(pkg.scripts['prepare']).toBe('npm run build')
    expect(pkg.scripts['pretest']).toBe('npm run build')
    const listed = spawnSync('tar', ['tzf', tarball], {encoding: 'utf8'}).stdout.split('\n')
    for (const file of [
      'package/bin/run.js',
      'package/dist/commands/plan.js',
      'package/schemas/manifest.schema.json',
      'package/examples/apollo-seed.json',
      'package/README.md',
      'package/LICENSE',
      'package/CHANGELOG.md',
    ]) {
      expect(listed, file).toContain(file)
    }
    expect(listed.filter((f) => /\.test\.js$|^package\/(src|test|scripts)\//.test(f))).toEqual([])
  })

  it('installs the seqsync bin, which validates offline', () => {
    const bin = join(app, 'node_modules', '.bin', 'seqsync')
    expect(lstatSync(bin).isSymbolicLink()).toBe(true)
    expect(realpathSync(bin)).toBe(realpathSync(join(app, 'node_modules', pkg.name, 'bin', 'run.js')))
    const version = seqsync(['version'])
    expect(version.stdout).toContain(`seqsync/${pkg.version}`)
    const validate = seqsync(['validate', 'm.yaml'])
    expect(validate.status, validate.stderr).toBe(0)
    expect(validate.stdout).toContain('OK: 1 file')
  })

  it('runs the emulator from its shipped seed, and plans against it with the lines it printed', async () => {
    const emulator = spawn(
      process.execPath,
      [join(app, 'node_modules', '.bin', 'seqsync'), 'emulator', '--port', '0'],
      {
        cwd: app,
        env: {PATH: process.env['PATH'] ?? '', HOME: dir},
      },
    )
    const exited = new Promise<number | null>((resolve) => emulator.on('exit', resolve))
    try {
      let out = ''
      const exports = await new Promise<Record<string, string>>((resolve, reject) => {
        void exited.then((code) => reject(new Error(`the emulator exited (${code})`)))
        emulator.stdout.on('data', (d: Buffer) => {
          out += d.toString()
          const lines = [...out.matchAll(/^export (\w+)=(\S+)\n/gm)]
          if (lines.length === 2) resolve(Object.fromEntries(lines.map((m) => [m[1] ?? '', m[2] ?? ''])))
        })
      })
      expect(Object.keys(exports)).toEqual(['SEQSYNC_API_URL', 'APOLLO_API_KEY'])
      const plan = seqsync(['plan', 'm.yaml'], exports)
      expect(plan.status, plan.stderr).toBe(0)
      expect(plan.stdout).toContain('Sequence "Q4 Enterprise Outreach"')
      expect(plan.stdout).toMatch(/^Plan: \d+ to add/m)
    } finally {
      emulator.kill('SIGTERM')
      await exited
    }
  })
})
