import {mkdtemp, readFile, readdir, rm, stat, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterEach, beforeEach, describe, expect, it, vi} from 'vitest'
import {makeChange, makePlan} from '../../test/helpers/fake-port.js'
import {PlanError} from '../errors.js'
import type {Plan} from '../model/plan.js'
import {hashPlanChanges} from '../planner/plan-hash.js'
import {assertSameApiHost, extractApiHost, parsePlanFile, readPlanFile, toPlanFile, writePlanFile} from './plan-file.js'
import type {PlanFile} from './plan-file.js'

let dir: string
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'seqsync-plan-file-'))
})
afterEach(async () => {
  await rm(dir, {recursive: true, force: true})
})

function hashedPlan(): Plan {
  const plan = makePlan([
    makeChange({kind: 'create', email: 'new@acme.com', details: {firstName: 'Nia'}}),
    makeChange({kind: 'add', email: 'new@acme.com'}),
    makeChange({kind: 'add', contactId: 'c1', email: 'jane@acme.com'}),
    makeChange({kind: 'remove', sequenceId: 's2', contactId: 'c2', liveStatus: 'paused'}),
  ])
  return {...plan, planHash: hashPlanChanges(plan.sequences)}
}

function planFile(plan = hashedPlan(), apiUrl = 'https://api.apollo.io/api/v1'): PlanFile {
  return {
    formatVersion: 1,
    kind: 'seqsync-plan',
    toolVersion: '0.1.0',
    apiHost: extractApiHost(apiUrl),
    createdAt: '2026-11-26T10:00:00.000Z',
    desiredHash: 'sha256:abc',
    planHash: plan.planHash,
    batchSize: 100,
    plan,
  }
}

async function writeJson(name: string, value: unknown): Promise<string> {
  const path = join(dir, name)
  await writeFile(path, typeof value === 'string' ? value : JSON.stringify(value))
  return path
}

describe('plan file', () => {
  it('round-trips, with mode 0600 and no temp file left behind', async () => {
    const path = join(dir, 'plan.json')
    const data = planFile()
    await writePlanFile(path, data)
    expect(await readPlanFile(path)).toEqual(data)
    expect((await stat(path)).mode & 0o777).toBe(0o600)
    expect(await readdir(dir)).toEqual(['plan.json'])
    // overwriting an existing file works the same way
    await writePlanFile(path, {...data, toolVersion: '0.2.0'})
    expect((await readPlanFile(path)).toolVersion).toBe('0.2.0')
  })

  it('keeps every change with its contact ids and the live status it was based on', async () => {
    const path = join(dir, 'plan.json')
    await writePlanFile(path, planFile())
    const raw = JSON.parse(await readFile(path, 'utf8')) as PlanFile
    const removal = raw.plan.sequences[1]?.changes[0]
    expect(removal).toMatchObject({kind: 'remove', sequenceId: 's2', contactId: 'c2', liveStatus: 'paused'})
  })

  it('never contains the API key', async () => {
    const key = 'sk_live_SECRET_1234567890abcdef'
    vi.stubEnv('APOLLO_API_KEY', key)
    // even an API URL carrying the key (userinfo or query) is reduced to its host
    const data = planFile(hashedPlan(), `https://user:${key}@api.apollo.io/api/v1?api_key=${key}`)
    expect(data.apiHost).toBe('api.apollo.io')
    const path = join(dir, 'plan.json')
    await writePlanFile(path, {...data, ...({apiKey: key} as object)})
    const text = await readFile(path, 'utf8')
    expect(text).not.toContain(key)
    expect(text).not.toContain('SECRET')
    expect(text).not.toMatch(/api_?key/i)
  })

  it('refuses an apiHost that is not a bare host', async () => {
    await expect(writePlanFile(join(dir, 'p.json'), {...planFile(), apiHost: 'u:k@api.apollo.io'})).rejects.toThrow(
      PlanError,
    )
  })

  it('refuses a tampered plan (hash mismatch)', async () => {
    const data = planFile()
    const first = data.plan.sequences[0]
    if (first === undefined) throw new Error('fixture')
    const tampered: Plan = {
      ...data.plan,
      sequences: [
        {...first, changes: first.changes.map((c) => (c.contactId === 'c1' ? {...c, contactId: 'c999'} : c))},
        ...data.plan.sequences.slice(1),
      ],
    }
    const path = await writeJson('tampered.json', {...data, plan: tampered})
    await expect(readPlanFile(path)).rejects.toThrow(/hash does not match/)
    // consistent hashes on the file and the plan but not on the changes: also refused
    const path2 = await writeJson('tampered2.json', {
      ...data,
      planHash: 'sha256:00',
      plan: {...data.plan, planHash: 'sha256:00'},
    })
    await expect(readPlanFile(path2)).rejects.toThrow(PlanError)
  })

  it.each([
    ['invalid JSON', '{"formatVersion": 1,', /not valid JSON/],
    ['not an object', '[1,2]', /not a seqsync plan file/],
    ['wrong kind', {...planFile(), kind: 'terraform-plan'}, /kind is "terraform-plan"/],
    ['unknown formatVersion', {...planFile(), formatVersion: 2}, /unsupported plan file formatVersion 2/],
    ['missing plan', {...planFile(), plan: undefined}, /"plan" is missing/],
    [
      'bad change kind',
      (() => {
        const d = planFile()
        const s0 = d.plan.sequences[0]!
        return {...d, plan: {...d.plan, sequences: [{...s0, changes: [{...s0.changes[0], kind: 'delete'}]}]}}
      })(),
      /kind is not a change kind/,
    ],
    [
      'bad live status',
      (() => {
        const d = planFile()
        const s0 = d.plan.sequences[0]!
        return {...d, plan: {...d.plan, sequences: [{...s0, changes: [{...s0.changes[0], liveStatus: 'gone'}]}]}}
      })(),
      /liveStatus/,
    ],
  ])('rejects %s with a PlanError', async (_name, content, message) => {
    const path = await writeJson('bad.json', content)
    const error = await readPlanFile(path).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(PlanError)
    expect((error as Error).message).toMatch(message)
  })

  it.each([
    ['a create with a contact id', {contactId: 'c1'}, 0, /contactId must be null for create/],
    ['a create without an email', {email: null}, 0, /email is required for create/],
    ['an add without a mailbox', {mailboxId: undefined}, 1, /mailboxId must be a string/],
    ['an add without its switches', {enroll: undefined}, 1, /enroll must be an object/],
    [
      'an add with a switch that is not a boolean',
      {enroll: {noEmail: 'yes'}},
      1,
      /enroll\.noEmail must be true or false/,
    ],
    ['an add with neither contact id nor email', {email: null}, 1, /email is required for an add without a contact id/],
    ['an unknown reason', {reason: 'because'}, 1, /reason is not a change reason/],
  ])('rejects %s (checked before the hash)', (_what, edit, index, message) => {
    const d = planFile()
    const s0 = d.plan.sequences[0]!
    const changes = s0.changes.map((c, i) => (i === index ? {...c, ...edit} : c))
    expect(() => parsePlanFile({...d, plan: {...d.plan, sequences: [{...s0, changes}]}})).toThrow(message)
  })

  it('rejects a removal without a contact id', () => {
    const d = planFile()
    const s1 = d.plan.sequences[1]!
    const changes = s1.changes.map((c) => ({...c, contactId: null}))
    expect(() => parsePlanFile({...d, plan: {...d.plan, sequences: [d.plan.sequences[0], {...s1, changes}]}})).toThrow(
      /changes\[0\]\.contactId is required for remove/,
    )
  })

  it.each([
    ['an unknown warning code', {code: 'be-careful'}, /warnings\[0\]\.code is not a warning code/],
    ['a skip forecast without its reason', {code: 'skip-forecast'}, /warnings\[0\]\.skipReason must be a string/],
    ['an unmanaged count that is not a count', {code: 'unmanaged', count: -1}, /count must be a non-negative integer/],
  ])('rejects %s (warnings are rendered from their data)', (_what, warning, message) => {
    const d = planFile()
    const s0 = d.plan.sequences[0]!
    const warnings = [{contactId: null, email: null, source: null, ...warning}]
    expect(() => parsePlanFile({...d, plan: {...d.plan, sequences: [{...s0, warnings}]}})).toThrow(message)
  })

  it('keeps only the fields of each kind of change', () => {
    const d = planFile()
    const [s0, ...others] = d.plan.sequences
    const [create, ...rest] = s0!.changes
    const changes = [{...create!, mailboxId: 'mb9', apiKey: 'sk_live_x'}, ...rest]
    const parsed = parsePlanFile({...d, plan: {...d.plan, sequences: [{...s0!, changes}, ...others]}})
    expect(parsed.plan.sequences[0]?.changes[0]).toEqual(planFile().plan.sequences[0]?.changes[0])
    expect(JSON.stringify(parsed)).not.toContain('sk_live_x')
  })

  it('toPlanFile records the tool, the API host only, the batch size and the time', () => {
    const plan = hashedPlan()
    const file = toPlanFile(
      {plan, desiredHash: 'sha256:abc'},
      {toolVersion: 'seqsync/0.1.0', apiUrl: 'https://u:k@api.apollo.io/api/v1?x=1', batchSize: 50},
      new Date('2026-11-26T10:00:00.000Z'),
    )
    expect(file).toEqual({
      formatVersion: 1,
      kind: 'seqsync-plan',
      toolVersion: 'seqsync/0.1.0',
      apiHost: 'api.apollo.io',
      createdAt: '2026-11-26T10:00:00.000Z',
      desiredHash: 'sha256:abc',
      planHash: plan.planHash,
      batchSize: 50,
      plan,
    })
    expect(parsePlanFile(JSON.parse(JSON.stringify(file)))).toEqual(file)
  })

  it('reports a missing file as a PlanError', async () => {
    await expect(readPlanFile(join(dir, 'nope.json'))).rejects.toThrow(/Plan file not found/)
  })

  it('assertSameApiHost refuses a plan made against another host', () => {
    const data = planFile(hashedPlan(), 'http://127.0.0.1:4010/api/v1')
    expect(data.apiHost).toBe('127.0.0.1:4010')
    expect(() => assertSameApiHost(data, 'http://127.0.0.1:4010/api/v1')).not.toThrow()
    expect(() => assertSameApiHost(data, 'https://api.apollo.io/api/v1')).toThrow(/made against 127\.0\.0\.1:4010/)
    expect(() => assertSameApiHost(data, 'http://127.0.0.1:4011/api/v1')).toThrow(PlanError)
    expect(() => assertSameApiHost(planFile(), 'https://API.apollo.io/v1')).not.toThrow()
  })
})
