// `seqsync apply` end to end (built CLI -> undici -> emulator): what it applies (a plan file, or
// manifest PATHs planned now, `--sequence` as in plan) and the brake on mass enrolment
// (`safety.maxAdds` + `--allow-adds N`, shown by plan before anyone applies).
import {writeFile} from 'node:fs/promises'
import {join} from 'node:path'

import {describe, expect, it} from 'vitest'

import {generateCase} from '../../scripts/bench/generate.js'
import {caseFiles} from '../../scripts/bench/harness.js'

import {
  DORMANT,
  ENT,
  SMB,
  expectExamplesConverged,
  expectNoWrites,
  id,
  savePlan,
  withEnv,
} from '../helpers/apply-env.js'
import {statusIn, validateAgainstSchema} from '../helpers/e2e-env.js'
import type {ApplyReportJson} from '../helpers/e2e-env.js'

describe('apply [PLANFILE | PATH...]', () => {
  it('a directory plans those manifests and applies them, with the usual confirmation rule', async () => {
    await withEnv({}, async (env) => {
      await expectNoWrites(env, async () => {
        const res = await env.cli(['apply', 'sequences/'])
        expect(res.code).toBe(1)
        expect(res.stderr).toContain('--auto-approve')
      })
      const res = await env.cli(['apply', 'sequences/', '--auto-approve'])
      expect(res.code, res.stderr).toBe(0)
      expect(res.stdout).toContain('Plan: 8 to add, 2 to remove, 2 to finish, 2 to stop, 0 skips forecast.')
      expect(res.stdout).toContain('Apollo matches the manifests.')
      expectExamplesConverged(env.emulator.snapshot())
    })
  })

  it('planning from manifests prints what plan prints before it reads: the read against the quota', async () => {
    const gen = generateCase({sequences: 4, contactsPerSequence: 100, drift: 0.1, seed: 5})
    await withEnv({seed: gen.seed, files: caseFiles(gen)}, async (env) => {
      const plan = await env.cli(['plan'])
      const apply = await env.cli(['apply', '--auto-approve', '--json'])
      expect(apply.code, apply.stderr).toBe(0)
      const head = /^Reading Apollo by a (scan|sweep) .*$/m
      expect(plan.stderr).toMatch(head)
      expect(apply.stderr.match(head)?.[0]).toBe(plan.stderr.match(head)?.[0])
      expect(env.json<ApplyReportJson>(apply).converged).toBe(true) // stdout stays one JSON document
    })
  })

  it('a YAML file with --sequence applies only that sequence', async () => {
    await withEnv({}, async (env) => {
      const res = await env.cli([
        'apply',
        'sequences/nurture.yaml',
        '--sequence',
        'SMB Trial Nurture',
        '--auto-approve',
        '--json',
      ])
      expect(res.code, res.stderr).toBe(0)
      const report = env.json<ApplyReportJson>(res)
      expect(report.sequences.map((s) => s.id)).toEqual([SMB])
      const snap = env.emulator.snapshot()
      expect(statusIn(snap, id('24'), SMB)).toBe('active') // kofi added
      expect(statusIn(snap, id('32'), DORMANT)).toBe('absent') // the other sequence of the file: untouched
      expect(statusIn(snap, id('07'), ENT)).toBe('absent') // another file: untouched
    })
  })

  it('anything else is an error naming both forms, with nothing written', async () => {
    await withEnv({}, async (env) => {
      await savePlan(env)
      await savePlan(env, 'other.json')
      await writeFile(join(env.dir, 'notes.txt'), 'not a plan\n')
      const cases: [string[], RegExp][] = [
        [['missing/'], /missing\/: no such file or directory/],
        [['notes.txt'], /notes\.txt is neither a plan file \(\.json\) nor a manifest \(\.yaml, \.yml\)/],
        [['plan.json', 'other.json'], /apply takes one plan file, got 2: plan\.json, other\.json/],
        [
          ['plan.json', 'sequences/'],
          /a plan file \(plan\.json\) cannot be combined with manifest paths \(sequences\/\)/,
        ],
      ]
      for (const [args, message] of cases) {
        await expectNoWrites(env, async () => {
          const res = await env.cli(['apply', ...args])
          expect(res.code, args.join(' ')).toBe(1)
          expect(res.stderr, args.join(' ')).toMatch(message)
          expect(res.stderr).toContain('seqsync apply plan.json')
          expect(res.stderr).toContain('seqsync apply sequences/')
          expect(res.stderr).not.toMatch(/EISDIR|unexpected/)
        })
      }
      await expectNoWrites(env, async () => {
        const res = await env.cli(['apply', 'plan.json', '--sequence', 'SMB Trial Nurture'])
        expect(res.code).toBe(1)
        expect(res.stderr).toContain('--sequence cannot narrow a saved plan: a plan file is applied whole')
      })
    })
  })
})

describe('the brake on adds: safety.maxAdds and --allow-adds N', () => {
  const files = {'seqsync.config.yaml': 'manifests:\n  - "sequences/**/*.yaml"\nsafety:\n  maxAdds: 3\n'}

  it('plan says the plan exceeds it and what apply will need, in text, JSON and Markdown', async () => {
    await withEnv({copyExamples: true, files}, async (env) => {
      const text = await env.cli(['plan'])
      expect(text.code, text.stderr).toBe(0)
      expect(text.stdout).toContain(
        'Safety: would add 8 contacts to sequences (each is emailed), more than safety.maxAdds (3).\nSafety: apply will refuse this plan unless given --allow-adds 8.',
      )
      const json = await env.cli(['plan', '--json'])
      const doc = env.json<Record<string, unknown>>(json)
      expect(validateAgainstSchema('plan.schema.json', doc)).toEqual([])
      expect(doc['safety']).toEqual({
        adds: 8,
        removals: 6,
        violations: [
          {
            code: 'too-many-adds',
            message: 'would add 8 contacts to sequences (each is emailed), more than safety.maxAdds (3)',
          },
        ],
        required: {allowAdds: 8, allowRemovals: null},
      })
      const markdown = await env.cli(['plan', '--format', 'markdown'])
      expect(markdown.stdout).toContain('apply will refuse this plan unless given --allow-adds 8')
    })
  })

  it('apply refuses without the exact number (plan file and plan-then-apply alike); with it, applies', async () => {
    await withEnv({copyExamples: true, files}, async (env) => {
      const {adds} = await savePlan(env)
      expect(adds).toBe(8)
      for (const args of [
        ['plan.json'],
        ['plan.json', '--allow-adds', '7'],
        ['plan.json', '--allow-adds', '9'],
        ['--auto-approve'],
      ]) {
        await expectNoWrites(env, async () => {
          const res = await env.cli(['apply', ...args])
          expect(res.code, `${args.join(' ')}: ${res.stderr}`).toBe(1)
          expect(res.stderr).toContain('Hint: Nothing was written.')
          expect(res.stderr).toContain('--allow-adds 8')
        })
      }
      const ok = await env.cli(['apply', 'plan.json', '--allow-adds', '8'])
      expect(ok.code, ok.stderr).toBe(0)
      expectExamplesConverged(env.emulator.snapshot())
    })
  })
})
