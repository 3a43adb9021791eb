// `seqsync apply` end to end: the built CLI in a child process -> undici -> the emulator over
// loopback. Every refusal is checked twice: the exit code, and that Apollo was not written to
// (snapshot unchanged and not one request to a write endpoint).
import {spawn} from 'node:child_process'
import {existsSync} from 'node:fs'
import {join} from 'node:path'

import {describe, expect, it} from 'vitest'

import type {EmulatorSeed} from '../../src/emulator/types.js'
import {expectedMembers} from '../../scripts/bench/generate.js'
import type {GeneratedCase} from '../../scripts/bench/generate.js'
import {caseFiles} from '../../scripts/bench/harness.js'
import {smallGeneratedCase} from '../helpers/gen-case.js'
import {membersOf, statusIn, validateAgainstSchema} from '../helpers/e2e-env.js'
import type {ApplyReportJson, E2eEnv} from '../helpers/e2e-env.js'
import {ENT, expectExamplesConverged, expectNoWrites, id, savePlan, withEnv} from '../helpers/apply-env.js'
import {REPO_ROOT} from '../helpers/run-cli.js'

/** A seed with one active sequence named Big One of `members` active members (m1@acme.example …). */
function smallSeed(members: number): EmulatorSeed {
  const mailbox = {id: 'ab00000000000000000000aa', email: 'sdr@acme.example', active: true}
  const contacts = Array.from({length: members}, (_, k) => ({
    id: `c0000000000000000000${String(k + 1).padStart(4, '0')}`,
    email: `m${k + 1}@acme.example`,
    memberships: [{sequence_id: '5e0000000000000000000001', status: 'active' as const, mailbox_id: mailbox.id}],
  }))
  return {
    apiKeys: ['k-small'],
    emailAccounts: [mailbox],
    sequences: [{id: '5e0000000000000000000001', name: 'Big One', active: true}],
    contacts,
  }
}

function smallManifest(keep: number): string {
  const emails = Array.from({length: keep}, (_, k) => `  - m${k + 1}@acme.example\n`).join('')
  return `apiVersion: seqsync/v1\nkind: SequenceMembership\nsequence:\n  name: Big One\nmailbox: sdr@acme.example\nprune: remove\ncontacts:\n${emails}`
}

/** util-linux `script` gives the CLI a pseudo-terminal, so apply asks for confirmation. */
const SCRIPT = ['/usr/bin/script', '/bin/script'].find((p) => existsSync(p))

/** Runs `seqsync apply ARGS` on a terminal and types `answer` at the prompt. */
function applyOnTerminal(env: E2eEnv, args: string[], answer: string): Promise<{code: number; output: string}> {
  const quote = (a: string) => `'${a.replace(/'/g, `'\\''`)}'`
  const command = [process.execPath, join(REPO_ROOT, 'bin', 'run.js'), 'apply', ...args].map(quote).join(' ')
  return new Promise((resolve, reject) => {
    const child = spawn(SCRIPT!, ['-qec', command, '/dev/null'], {
      cwd: env.dir,
      env: {
        PATH: process.env['PATH'] ?? '/usr/bin:/bin',
        HOME: process.env['HOME'] ?? '/tmp',
        NO_COLOR: '1',
        TERM: 'dumb',
        ...env.env,
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    let output = ''
    let answered = false
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000)
    const onData = (chunk: string) => {
      output += chunk
      if (!answered && output.includes('Enter a value')) {
        answered = true
        child.stdin.write(`${answer}\n`)
      }
    }
    child.stdout.setEncoding('utf8').on('data', onData)
    child.stderr.setEncoding('utf8').on('data', onData)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({code: code ?? 1, output})
    })
  })
}

describe('seqsync apply: convergence', () => {
  it('applies the examples, converges, and the next plan is empty', async () => {
    await withEnv({}, async (env) => {
      const res = await env.cli(['apply', '--auto-approve'])
      expect(res.code, res.stderr).toBe(0)
      const again = await env.cli(['plan', '--detailed-exitcode'])
      expect(again.code, again.stdout).toBe(0)
      expect(again.stdout).toContain('Plan: 0 to add, 0 to remove, 0 to finish, 0 to stop, 0 skips forecast.')
      // Applying again is a no-op with a valid (empty) report.
      await expectNoWrites(env, async () => {
        const noop = await env.cli(['apply', '--auto-approve', '--json'])
        expect(noop.code, noop.stderr).toBe(0)
        const report = env.json<ApplyReportJson>(noop)
        expect(validateAgainstSchema('apply-report.schema.json', report)).toEqual([])
        expect(report).toMatchObject({converged: true, summary: {applied: 0, skipped: 0, failed: 0}})
      })

      expectExamplesConverged(env.emulator.snapshot())
    })
  })

  it('--format json: the report matches the schema; a skip by Apollo exits 3 with its reason', async () => {
    const manifest =
      'apiVersion: seqsync/v1\nkind: SequenceMembership\nsequence:\n  name: Q4 Enterprise Outreach\nmailbox: sdr@acme.example\nprune: none\n' +
      'contacts:\n  - priya.raman@cyberdyne.example\n  - luis.ortega@pied-piper.example\n'
    await withEnv(
      {files: {'m/a.yaml': manifest, 'seqsync.config.yaml': 'manifests:\n  - "m/*.yaml"\n'}},
      async (env) => {
        const res = await env.cli(['apply', '--auto-approve', '--format', 'json'])
        expect(res.code, res.stderr).toBe(3)
        const report = env.json<ApplyReportJson>(res)
        expect(validateAgainstSchema('apply-report.schema.json', report)).toEqual([])
        expect(report.converged).toBe(false)
        expect(report.summary).toMatchObject({applied: 1, skipped: 1, failed: 0})
        const seq = report.sequences.find((s) => s.id === ENT)
        expect(seq?.applied.map((a) => a.contactId)).toEqual([id('07')])
        expect(seq?.skipped).toEqual([
          expect.objectContaining({contactId: id('15'), reason: 'contacts_active_in_other_campaigns'}),
        ])
        const snap = env.emulator.snapshot()
        expect(statusIn(snap, id('07'), ENT)).toBe('active')
        expect(statusIn(snap, id('15'), ENT)).toBe('absent')
      },
    )
  })
  it('--json honours maskEmails from the config, as plan does (no raw emails in public CI logs)', async () => {
    const files = {'seqsync.config.yaml': 'manifests:\n  - "sequences/**/*.yaml"\nmaskEmails: true\n'}
    await withEnv({copyExamples: true, files}, async (env) => {
      const res = await env.cli(['apply', '--auto-approve', '--json'])
      expect(res.code, res.stderr).toBe(0)
      const report = env.json<ApplyReportJson>(res)
      const emails = report.sequences.flatMap((s) => [...s.applied, ...s.skipped, ...s.failed].map((i) => i.email))
      expect(emails).toContain('p***@cyberdyne.example')
      expect(res.stdout).not.toContain('priya.raman@cyberdyne.example')
      expect(res.stdout).not.toMatch(/"[a-z]{2,}[.a-z]*@[a-z.-]+\.example"/)
    })
  })
})

describe('seqsync apply: refusals write nothing', () => {
  it.skipIf(SCRIPT === undefined)(
    'on a terminal: anything but "yes" cancels with nothing written; "yes" applies',
    async () => {
      await withEnv({}, async (env) => {
        await expectNoWrites(env, async () => {
          const no = await applyOnTerminal(env, [], 'y')
          expect(no.code, no.output).toBe(1)
          expect(no.output).toContain('Plan: 8 to add, 2 to remove, 2 to finish, 2 to stop, 0 skips forecast.')
          expect(no.output).toContain('Apply cancelled: nothing was written.')
        })
        const yes = await applyOnTerminal(env, [], 'yes')
        expect(yes.code, yes.output).toBe(0)
        expectExamplesConverged(env.emulator.snapshot())
      })
    },
  )

  it.skipIf(SCRIPT === undefined)(
    'on a terminal: Ctrl-C at the prompt cancels (exit 1, not a bug report)',
    async () => {
      await withEnv({}, async (env) => {
        await expectNoWrites(env, async () => {
          const res = await applyOnTerminal(env, [], '\x03')
          expect(res.code, res.output).toBe(1)
          expect(res.output).toContain('Apply cancelled: nothing was written.')
          expect(res.output).not.toMatch(/unexpected error/i)
        })
      })
    },
  )

  it('a plan file gone stale (someone changed Apollo) is refused, listing the stale item', async () => {
    await withEnv({}, async (env) => {
      await savePlan(env)
      // Someone enrols priya (planned as an add against "absent") by hand, and she finishes at once.
      env.emulator.setMembership(id('07'), ENT, 'finished')
      await expectNoWrites(env, async () => {
        const res = await env.cli(['apply', 'plan.json'])
        expect(res.code).toBe(1)
        expect(res.stderr).toMatch(/stale/i)
        expect(res.stderr).toMatch(/priya\.raman@cyberdyne\.example[^\n]*planned against absent, now finished/)
      })
    })
  })

  it('removals over safety.maxRemovals need --allow-removals with the exact number', async () => {
    const files = {'seqsync.config.yaml': 'manifests:\n  - "sequences/**/*.yaml"\nsafety:\n  maxRemovals: 3\n'}
    await withEnv({copyExamples: true, files}, async (env) => {
      const {removals} = await savePlan(env)
      expect(removals).toBe(6)
      for (const args of [[], ['--allow-removals', '5'], ['--allow-removals', '7']]) {
        await expectNoWrites(env, async () => {
          const res = await env.cli(['apply', 'plan.json', ...args])
          expect(res.code, `${args.join(' ')}: ${res.stderr}`).toBe(1)
          expect(res.stderr).toContain('--allow-removals 6')
        })
      }
      const ok = await env.cli(['apply', 'plan.json', '--allow-removals', '6'])
      expect(ok.code, ok.stderr).toBe(0)
      expect(statusIn(env.emulator.snapshot(), id('03'), ENT)).toBe('absent')
    })
  })

  it('the percent rule: removing 4 of 12 members (33% > 25%) is refused unless --allow-removals 4', async () => {
    await withEnv(
      {
        seed: smallSeed(12),
        files: {'m/a.yaml': smallManifest(8), 'seqsync.config.yaml': 'manifests:\n  - "m/*.yaml"\n'},
      },
      async (env) => {
        const {removals} = await savePlan(env)
        expect(removals).toBe(4)
        await expectNoWrites(env, async () => {
          const res = await env.cli(['apply', 'plan.json'])
          expect(res.code).toBe(1)
          expect(res.stderr).toMatch(/Big One/)
        })
        const ok = await env.cli(['apply', 'plan.json', '--allow-removals', '4'])
        expect(ok.code, ok.stderr).toBe(0)
        expect(Object.keys(membersOf(env.emulator.snapshot(), '5e0000000000000000000001'))).toHaveLength(8)
      },
    )
  })

  it('the percent rule does not apply below 10 live members', async () => {
    // 3 of 9 (33%) in a sequence under the 10-member floor: allowed without a flag.
    await withEnv(
      {
        seed: smallSeed(9),
        files: {'m/a.yaml': smallManifest(6), 'seqsync.config.yaml': 'manifests:\n  - "m/*.yaml"\n'},
      },
      async (env) => {
        const res = await env.cli(['apply', '--auto-approve'])
        expect(res.code, res.stderr).toBe(0)
        expect(Object.keys(membersOf(env.emulator.snapshot(), '5e0000000000000000000001'))).toHaveLength(6)
      },
    )
  })

  it('--expect-plan-hash: a wrong hash is refused, the reviewed one applies', async () => {
    await withEnv({}, async (env) => {
      const {planHash} = await savePlan(env)
      await expectNoWrites(env, async () => {
        const res = await env.cli(['apply', 'plan.json', '--expect-plan-hash', `sha256:${'0'.repeat(64)}`])
        expect(res.code).toBe(1)
        expect(res.stderr).toContain(planHash)
      })
      await expectNoWrites(env, async () => {
        // Plan-then-apply with a hash from another review.
        const res = await env.cli(['apply', '--auto-approve', '--expect-plan-hash', `sha256:${'1'.repeat(64)}`])
        expect(res.code).toBe(1)
      })
      const ok = await env.cli(['apply', 'plan.json', '--expect-plan-hash', planHash])
      expect(ok.code, ok.stderr).toBe(0)
    })
  })

  it('without a terminal and without --auto-approve (no plan file): exit 1, nothing written', async () => {
    await withEnv({}, async (env) => {
      await expectNoWrites(env, async () => {
        const res = await env.cli(['apply'], {input: 'yes\n'})
        expect(res.code).toBe(1)
        expect(res.stderr).toContain('--auto-approve')
      })
    })
  })

  it('a plan file made against another API host is refused before any request', async () => {
    await withEnv({}, async (env) => {
      await savePlan(env)
      env.emulator.resetStats()
      // The same file, applied with an API URL on another port: the file's host is only compared, never used.
      const res = await env.cli(['apply', 'plan.json'], {env: {SEQSYNC_API_URL: 'http://127.0.0.1:9/api/v1'}})
      expect(res.code).toBe(1)
      expect(res.stderr).toContain(`The plan was made against ${new URL(env.emulator.url).host}`)
      expect(res.stderr).toContain('this run talks to 127.0.0.1:9')
      expect(env.emulator.stats().requests).toEqual({})
    })
  })
})

describe('seqsync apply: an unreliable, rate-limited Apollo', () => {
  /** Every managed sequence ends exactly as generated. */
  const expectConverged = (env: E2eEnv, gen: GeneratedCase): void => {
    const snap = env.emulator.snapshot()
    for (const seqId of gen.expected.managedSequenceIds)
      expect(membersOf(snap, seqId), seqId).toEqual(expectedMembers(gen.expected, seqId))
  }

  it('under injected faults: converges or exits 3, and one re-run converges to the exact state', async () => {
    // Faults on every write endpoint (creates included); the client's backoff runs on the emulator's shortened clock.
    await withEnv({env: {SEQSYNC_RATE_WINDOW_SCALE: '0.02'}}, async (env) => {
      env.emulator.setFaults({seed: 11, error500Before: 0.3, error500After: 0.3, dropConnection: 0.1, spurious429: 0.1})
      const first = await env.cli(['apply', '--auto-approve'], {timeoutMs: 60_000})
      expect([0, 3], first.stderr).toContain(first.code)
      const faults = env.emulator.stats().faults
      expect(Object.values(faults).reduce((a, b) => a + b, 0)).toBeGreaterThan(0)
      // The re-run still faces the faults.
      const second = await env.cli(['apply', '--auto-approve'], {timeoutMs: 60_000})
      expect(second.code, second.stdout + second.stderr).toBe(0)
      env.emulator.setFaults(null)
      expectExamplesConverged(env.emulator.snapshot())
      const plan = await env.cli(['plan', '--detailed-exitcode'])
      expect(plan.code, plan.stdout).toBe(0)
    })
  })

  it('Ctrl-C mid-apply: finishes the calls in flight, reports, exits 3; the next run converges', async () => {
    const gen = smallGeneratedCase()
    await withEnv({seed: gen.seed, files: caseFiles(gen, {batchSize: 5, concurrency: 1})}, async (env) => {
      env.emulator.setFaults({seed: 3, latencyMs: [150, 150]})
      const child = spawn(process.execPath, [join(REPO_ROOT, 'bin', 'run.js'), 'apply', '--auto-approve'], {
        cwd: env.dir,
        env: {
          PATH: process.env['PATH'] ?? '/usr/bin:/bin',
          HOME: process.env['HOME'] ?? '/tmp',
          NO_COLOR: '1',
          ...env.env,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      })
      let stdout = ''
      let stderr = ''
      child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c))
      child.stderr.setEncoding('utf8').on('data', (c: string) => {
        stderr += c
        // Interrupt once the writes have started.
        if (stderr.includes('progress:') && !child.killed) child.kill('SIGINT')
      })
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000)
      const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)))
      clearTimeout(timer)
      expect(code, stdout + stderr).toBe(3)
      expect(stderr).toContain('Interrupted')
      expect(stdout).toMatch(/interrupted/i)
      expect(stdout).toMatch(/Apply complete: \d+ applied, 0 skipped, [1-9]\d* failed\./)
      env.emulator.setFaults(null)
      const again = await env.cli(['apply', '--auto-approve'])
      expect(again.code, again.stderr).toBe(0)
      expectConverged(env, gen)
    })
  })

  it('a quota running out on the re-read of a lost write answer: exit 3 (writes happened), never 1', async () => {
    // Every add answer is lost after the write; re-reading the contact finds contacts/show out of quota.
    const manifest =
      'apiVersion: seqsync/v1\nkind: SequenceMembership\nsequence:\n  name: Q4 Enterprise Outreach\nmailbox: sdr@acme.example\nprune: none\n' +
      'contacts:\n  - priya.raman@cyberdyne.example\n'
    const limits = {minute: null, hour: null, day: null, perEndpoint: {'contacts/show': {hour: 0}}}
    await withEnv(
      {
        files: {'m/a.yaml': manifest, 'seqsync.config.yaml': 'manifests:\n  - "m/*.yaml"\n'},
        emulator: {rateLimits: limits},
        env: {SEQSYNC_RATE_WINDOW_SCALE: '0.02'},
      },
      async (env) => {
        env.emulator.setFaults({seed: 1, error500After: 1, endpoints: ['emailer_campaigns/add_contact_ids']})
        const res = await env.cli(['apply', '--auto-approve'])
        expect(res.code, res.stdout + res.stderr).toBe(3)
        expect(res.stderr).toMatch(/hourly quota for contacts\/show is exhausted; resume at/)
        expect(res.stderr).toContain('could not be read back')
        expect(statusIn(env.emulator.snapshot(), id('07'), ENT)).toBe('active')
        env.emulator.setFaults(null)
        env.emulator.setRateLimits(null)
        const plan = await env.cli(['plan', '--detailed-exitcode'])
        expect(plan.code, plan.stdout).toBe(0)
      },
    )
  })

  it('paced by the minute window: converges with zero 429s', async () => {
    const gen = smallGeneratedCase()
    await withEnv(
      {
        seed: gen.seed,
        files: caseFiles(gen, {batchSize: 5}),
        emulator: {rateLimits: {minute: 5, hour: null, day: null, windowScale: 0.02}},
        env: {SEQSYNC_RATE_WINDOW_SCALE: '0.02'},
      },
      async (env) => {
        const res = await env.cli(['apply', '--auto-approve'], {timeoutMs: 60_000})
        expect(res.code, res.stderr).toBe(0)
        const stats = env.emulator.stats()
        // 12 adds per sequence in batches of 5: more add calls than one window allows.
        expect(stats.requests['emailer_campaigns/add_contact_ids']).toBeGreaterThan(5)
        expect(stats.rateLimited).toEqual({})
        expectConverged(env, gen)
      },
    )
  })

  it('the hourly quota running out mid-apply: exit 3 with when to resume; a later run converges', async () => {
    const gen = smallGeneratedCase()
    const limits = {minute: null, hour: null, day: null, perEndpoint: {'emailer_campaigns/add_contact_ids': {hour: 3}}}
    await withEnv(
      {seed: gen.seed, files: caseFiles(gen, {batchSize: 5}), emulator: {rateLimits: limits}},
      async (env) => {
        const first = await env.cli(['apply', '--auto-approve'], {timeoutMs: 60_000})
        expect(first.code, first.stderr).toBe(3)
        expect(first.stdout + first.stderr).toMatch(/resume/i)
        // Writes happened: the removals ran before the adds hit the quota.
        const seq0 = gen.expected.managedSequenceIds[0]!
        const pruned = gen.expected.changes.filter((c) => c.sequenceId === seq0 && c.kind === 'remove')
        expect(pruned).toHaveLength(5)
        for (const c of pruned) expect(statusIn(env.emulator.snapshot(), c.contactId, seq0)).toBe('absent')
        env.emulator.setRateLimits(null)
        const second = await env.cli(['apply', '--auto-approve'], {timeoutMs: 60_000})
        expect(second.code, second.stderr).toBe(0)
        expectConverged(env, gen)
      },
    )
  })
})
