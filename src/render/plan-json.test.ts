import {readFileSync} from 'node:fs'
import {Ajv2020} from 'ajv/dist/2020.js'
import {describe, expect, it} from 'vitest'
import type {ApplyReport} from '../model/apply-report.js'
import {computePlan} from '../planner/compute-plan.js'
import {desiredSequence, desiredState, liveState} from '../../test/helpers/builders.js'
import {samplePlan} from '../../test/helpers/sample-plan.js'
import {renderApplyReportJson} from './apply-report-json.js'
import {renderApplyReportText} from './apply-report-text.js'
import {renderPlanJson} from './plan-json.js'

function validator(file: string) {
  const schema = JSON.parse(readFileSync(new URL(`../../schemas/${file}`, import.meta.url), 'utf8')) as object
  return new Ajv2020({allErrors: true, strict: true, strictRequired: true}).compile(schema)
}

const COST = {
  planCalls: {'contacts/search': 3},
  applyCalls: {'emailer_campaigns/add_contact_ids': 2},
  quotaLeft: {'contacts/search': {minute: 197, hour: null, day: 5000}},
  warnings: [],
}

describe('renderPlanJson', () => {
  const validate = validator('plan.schema.json')

  it.each([
    ['the sample plan', () => renderPlanJson(samplePlan(), {maskEmails: false})],
    ['a masked plan with cost', () => renderPlanJson(samplePlan(), {maskEmails: true, cost: COST})],
    [
      'a plan with its target',
      () =>
        renderPlanJson(samplePlan(), {
          maskEmails: false,
          target: {apiHost: 'api.apollo.io', keyOwner: {userId: 'u1', teamId: null, email: 'ops@acme.com', name: null}},
        }),
    ],
    ['an empty plan', () => renderPlanJson(computePlan(desiredState(), liveState()), {maskEmails: false})],
    [
      'a plan with errors',
      () => renderPlanJson(computePlan(desiredState(desiredSequence({name: 'x'})), liveState()), {maskEmails: false}),
    ],
  ])('%s validates against schemas/plan.schema.json', (_what, render) => {
    const doc = JSON.parse(JSON.stringify(render())) as unknown
    expect(validate(doc), JSON.stringify(validate.errors)).toBe(true)
  })

  it('has the README: Commands, the plan outputs shape', () => {
    const doc = renderPlanJson(samplePlan(), {maskEmails: false}) as Record<string, any>
    expect(doc.formatVersion).toBe(1)
    expect(doc.planHash).toMatch(/^sha256:[0-9a-f]{64}$/)
    expect(doc.summary).toEqual({add: 4, remove: 1, finish: 1, stop: 1, create: 1, skipsForecast: 1, skipsPossible: 1})
    const [q4, nurture] = doc.sequences
    expect(q4).toMatchObject({id: '66f0c1e2a4b5c6d7e8f90123', name: 'Q4 Enterprise Outreach', unmanaged: 0})
    expect(nurture.unmanaged).toBe(7)
    expect(q4.changes[2]).toMatchObject({
      kind: 'add',
      contactId: 'c1',
      email: 'jane@acme.com',
      source: {file: 'examples/q4.yaml', line: 12},
    })
    expect(q4.changes.find((c: any) => c.kind === 'stop')).toMatchObject({
      contactId: 'c5',
      source: null,
      reason: 'pruned',
    })
    expect(q4.warnings.filter((w: any) => w.code === 'skip-forecast').map((w: any) => w.contactId)).toEqual(['c2'])
    expect(q4.warnings.filter((w: any) => w.code === 'skip-possible').map((w: any) => w.email)).toEqual([
      'raj@globex.com',
    ])
  })

  it('carries possible skips, the prune scope and the target as additions', () => {
    const doc = renderPlanJson(samplePlan(), {
      maskEmails: true,
      target: {apiHost: 'api.apollo.io', keyOwner: {userId: 'u1', teamId: 't1', email: 'ops@acme.com', name: 'Ops'}},
    }) as Record<string, any>
    expect(doc.target).toEqual({
      apiHost: 'api.apollo.io',
      keyOwner: {userId: 'u1', teamId: 't1', email: 'o***@acme.com', name: 'Ops'},
    })
    const [q4, nurture] = doc.sequences
    expect([q4.prune, q4.pruneScope, nurture.prune]).toEqual(['stop', 'all', 'none'])
    expect(q4.changes.find((c: any) => c.possibleSkip)).toMatchObject({
      kind: 'add',
      contactId: null,
      possibleSkip: {reason: 'contacts_unverified_email', why: 'new-contact'},
    })
    expect(q4.warnings.find((w: any) => w.code === 'skip-possible').message).toMatch(/^may be skipped by Apollo: /)
    expect(nurture.unmanagedMembers[0]).toMatchObject({reason: 'prune-none', addedByUserId: 'u-key'})
  })

  it('masks every email', () => {
    const text = JSON.stringify(renderPlanJson(samplePlan(), {maskEmails: true}))
    expect(text).not.toMatch(/[a-z]{2,}@/)
    expect(text).toContain('"j***@acme.com"')
  })

  it('rejects documents that break the contract', () => {
    const doc = JSON.parse(JSON.stringify(renderPlanJson(samplePlan(), {maskEmails: false}))) as Record<string, any>
    expect(validate({...doc, formatVersion: 2})).toBe(false)
    delete doc.sequences[0].changes[0].source
    expect(validate(doc)).toBe(false)
  })
})

const REPORT: ApplyReport = {
  formatVersion: 1,
  planHash: `sha256:${'a'.repeat(64)}`,
  converged: false,
  verified: true,
  interrupted: false,
  summary: {applied: 3, alreadyDone: 1, skipped: 1, failed: 1, differences: 1},
  sequences: [
    {
      id: 's1',
      name: 'Q4',
      applied: [
        {kind: 'add', contactId: 'c1', email: 'jane@acme.com'},
        {kind: 'add', contactId: 'c6', email: 'ana@umbrella.com'},
        {kind: 'remove', contactId: 'c3', email: 'eve@hooli.com'},
      ],
      alreadyDone: [{kind: 'add', contactId: 'c9', email: 'ray@acme.com'}],
      skipped: [{kind: 'add', contactId: 'c2', email: 'bo@stark.com', reason: 'contacts_active_in_other_campaigns'}],
      failed: [{kind: 'finish', contactId: 'c4', email: null, error: 'HTTP 500: Internal error'}],
      differences: [{kind: 'remove', contactId: 'c7', email: 'new@acme.com'}],
      converged: false,
      remaining: 3,
    },
    {
      id: 's2',
      name: 'Nurture',
      applied: [],
      alreadyDone: [],
      skipped: [],
      failed: [],
      differences: [],
      converged: true,
      remaining: 0,
    },
  ],
  problems: [],
  manifestsChanged: true,
  calls: {'emailer_campaigns/add_contact_ids': 1, 'contacts/search': 2},
}

describe('apply report renderers', () => {
  it('renders text with reasons and the closing lines', () => {
    expect(renderApplyReportText(REPORT, {color: false, maskEmails: true})).toMatchInlineSnapshot(`
      "Sequence "Q4" (s1): not converged (3 changes remaining)
        applied: 3 (2 add, 1 remove)
        already done: 1 (1 add)
        skipped b***@stark.com (add): active in another sequence (enroll.activeInOtherSequences is off) [contacts_active_in_other_campaigns]
        failed id c4 (finish): HTTP 500: Internal error
        differs n***@acme.com: a plan now would remove it (not in the applied plan)

      Sequence "Nurture" (s2): converged
        applied: 0

      Apply complete: 3 applied, 1 already done, 1 skipped, 1 failed.
      Apollo does not match the manifests: 1 skipped by Apollo, 1 failed.
      Also, 1 difference appeared since it was made: run plan.
      The manifests on this branch changed since the plan was made: run plan.
      "
    `)
    const ok = {
      ...REPORT,
      converged: true,
      summary: {applied: 0, alreadyDone: 0, skipped: 0, failed: 0, differences: 0},
      sequences: [],
      manifestsChanged: false,
    }
    expect(renderApplyReportText(ok, {color: false, maskEmails: false})).toBe(
      'Apply complete: 0 applied, 0 skipped, 0 failed.\nApollo matches the manifests.\n',
    )
  })

  it('renders JSON matching README: Safety model and the schema', () => {
    const validate = validator('apply-report.schema.json')
    const doc = JSON.parse(JSON.stringify(renderApplyReportJson(REPORT))) as Record<string, any>
    expect(validate(doc), JSON.stringify(validate.errors)).toBe(true)
    expect(doc).toMatchObject({
      formatVersion: 1,
      converged: false,
      summary: {applied: 3, alreadyDone: 1, skipped: 1, failed: 1, differences: 1},
      manifestsChanged: true,
    })
    expect(doc.sequences[0].differences).toEqual([{kind: 'remove', contactId: 'c7', email: 'new@acme.com'}])
    expect(doc.sequences[0].skipped).toEqual([
      {
        kind: 'add',
        contactId: 'c2',
        email: 'bo@stark.com',
        reason: 'contacts_active_in_other_campaigns',
        message: expect.stringContaining('another sequence'),
      },
    ])
    expect(validate({...doc, summary: {applied: 1}})).toBe(false)
    expect(JSON.stringify(renderApplyReportJson(REPORT, {maskEmails: true}))).not.toContain('jane@')
  })

  it('names the remedy of a skip the live read cannot explain, and the target, in text and JSON', () => {
    const refused: ApplyReport = {
      ...REPORT,
      sequences: [
        {
          id: 's1',
          name: 'Q4',
          applied: [],
          alreadyDone: [],
          differences: [],
          skipped: [
            {
              kind: 'add',
              contactId: 'c3',
              email: 'eve@hooli.com',
              reason: 'contacts_already_exists_in_current_campaign',
            },
          ],
          failed: [],
          converged: false,
          remaining: 1,
        },
      ],
    }
    expect(renderApplyReportText(refused, {color: false, maskEmails: false}).split('\n').slice(2, 4)).toEqual([
      '  skipped eve@hooli.com (add): Apollo says it is already in this sequence: a contact removed from a sequence cannot be enrolled in it again, and the live read does not show the removal [contacts_already_exists_in_current_campaign]',
      '    remedy: keep the contact under `removed:` (or drop it from the manifest) so plans stop adding it, or enroll it in a new or cloned sequence',
    ])
    const target = {apiHost: 'api.apollo.io', keyOwner: null}
    const doc = JSON.parse(JSON.stringify(renderApplyReportJson(refused, {target}))) as Record<string, any>
    expect(validator('apply-report.schema.json')(doc)).toBe(true)
    expect(doc.target).toEqual(target)
    expect(doc.sequences[0].skipped[0].remedy).toMatch(/^keep the contact under `removed:`/)
    expect(JSON.parse(JSON.stringify(renderApplyReportJson(REPORT))).sequences[0].skipped[0].remedy).toBeUndefined()
  })
})
