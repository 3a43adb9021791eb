import {mkdtemp, readFile, readdir, rm, stat, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterEach, beforeEach, describe, expect, it, vi} from 'vitest'
import {desiredSequence, desiredState, liveContact, liveSequence, liveState} from '../../test/helpers/builders.js'
import {makeChange, makePlan} from '../../test/helpers/fake-port.js'
import {PlanError} from '../errors.js'
import type {Plan} from '../model/plan.js'
import {computePlan} from '../planner/compute-plan.js'
import {hashPlanChanges} from '../planner/plan-hash.js'
import {
  assertSameApiHost,
  extractApiHost,
  parsePlanFile,
  readPlanFile,
  hashFileContent,
  serializePlanFile,
  toPlanFile,
  writePlanFile,
} from './plan-file.js'
import type {PlanFile} from './plan-file.js'

let dir: string
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'seqsync-plan-file-'))
})
afterEach(async () => {
  await rm(dir, {recursive: true, force: true})
})

function hashedPlan(): Plan {
  const plan = makePlan(
    [
      makeChange({kind: 'create', email: 'new@acme.com', details: {firstName: 'Nia'}}),
      makeChange({kind: 'add', email: 'new@acme.com'}),
      makeChange({kind: 'add', contactId: 'c1', email: 'jane@acme.com'}),
      makeChange({kind: 'remove', sequenceId: 's2', contactId: 'c2', liveStatus: 'paused'}),
    ],
    {s2: 1},
  )
  return {...plan, planHash: hashPlanChanges(plan.sequences)}
}

function planFile(plan = hashedPlan(), apiUrl = 'https://api.apollo.io/api/v1'): PlanFile {
  return {
    formatVersion: 2,
    kind: 'seqsync-plan',
    toolVersion: '0.1.0',
    apiHost: extractApiHost(apiUrl),
    createdAt: '2026-11-26T10:00:00.000Z',
    desiredHash: 'sha256:abc',
    sequenceFilter: [],
    planHash: plan.planHash,
    keyOwnerUserId: 'u-key',
    batchSize: 100,
    plan,
    basis: [
      {
        sequenceId: 's1',
        mailboxId: 'mb1',
        members: new Map(),
        desired: desiredSequence({
          name: 'Seq s1',
          contacts: ['jane@acme.com', {email: 'new@acme.com', firstName: 'Nia'}],
        }),
      },
      {sequenceId: 's2', mailboxId: 'mb1', members: new Map([['c2', 'paused']]), desired: desiredSequence({id: 's2'})},
    ],
  }
}

/** The plan file's JSON as written. */
function fileJson(data = planFile()): Record<string, any> {
  return JSON.parse(serializePlanFile(data)) as Record<string, any>
}

/** The plan file's JSON, edited by `edit`, with a fileHash that matches the edit (past the first check). */
function sealedEdit(edit: (json: Record<string, any>) => void, data = planFile()): Record<string, unknown> {
  const json = fileJson(data)
  edit(json)
  return {...json, fileHash: hashFileContent(json)}
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
    const raw = JSON.parse(await readFile(path, 'utf8')) as Record<string, any>
    const removal = raw.plan.sequences[1]?.changes[0]
    expect(removal).toMatchObject({kind: 'remove', sequenceId: 's2', contactId: 'c2', liveStatus: 'paused'})
    expect(raw.basis[1].members).toEqual({c2: 'paused'})
    expect(Object.keys(raw).at(-1)).toBe('fileHash')
  })

  it('refuses any edit to the content (fileHash), not a change of whitespace', () => {
    const json = fileJson()
    for (const edit of [
      (j: Record<string, any>) => (j.batchSize = 1000),
      (j: Record<string, any>) => (j.plan.sequences[1].liveMembers = 40),
      (j: Record<string, any>) => (j.basis[0].desired.prune = 'remove'),
      (j: Record<string, any>) => delete j.fileHash,
    ]) {
      const edited = structuredClone(json)
      edit(edited)
      expect(() => parsePlanFile(edited)).toThrow(/content was edited after it was made \(fileHash mismatch\)/)
    }
    expect(parsePlanFile(JSON.parse(JSON.stringify(json, null, 7)))).toEqual(planFile())
    const reordered = Object.fromEntries(Object.entries(json).reverse())
    expect(() => parsePlanFile(reordered)).toThrow(/fileHash mismatch/)
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
    // Even with a fileHash recomputed over the edit, the plan hash must match the changes.
    const path = await writeJson(
      'tampered.json',
      sealedEdit((j) => (j.plan = tampered), data),
    )
    await expect(readPlanFile(path)).rejects.toThrow(/hash does not match/)
    // consistent hashes on the file and the plan but not on the changes: also refused
    const path2 = await writeJson(
      'tampered2.json',
      sealedEdit((j) => {
        j.planHash = 'sha256:00'
        j.plan.planHash = 'sha256:00'
      }),
    )
    await expect(readPlanFile(path2)).rejects.toThrow(PlanError)
  })

  it.each([
    ['a missing basis', (j: Record<string, any>) => delete j.basis, /"basis" must be an array/],
    [
      'a sequence missing from it',
      (j: Record<string, any>) => j.basis.pop(),
      /does not list the sequences the plan changes/,
    ],
    [
      'a live-member count it does not back',
      (j: Record<string, any>) => (j.plan.sequences[1].liveMembers = 40),
      /liveMembers does not match its basis/,
    ],
    [
      'a change planned against another status',
      (j: Record<string, any>) => (j.basis[1].members.c2 = 'active'),
      /contact c2 in "s2" does not match its basis/,
    ],
    [
      'an unknown member status',
      (j: Record<string, any>) => (j.basis[1].members.c2 = 'gone'),
      /members\.c2 is not a member status/,
    ],
    [
      'a manifest with an unknown prune mode',
      (j: Record<string, any>) => (j.basis[0].desired.prune = 'all'),
      /desired\.prune is not a prune mode/,
    ],
    [
      'a manifest entry without a source',
      (j: Record<string, any>) => delete j.basis[0].desired.entries[0].source,
      /entries\[0\]\.source must be an object/,
    ],
  ])('rejects a basis with %s, even with a matching fileHash', (_what, edit, message) => {
    expect(() => parsePlanFile(sealedEdit(edit))).toThrow(message)
  })

  it.each([
    ['invalid JSON', '{"formatVersion": 2,', /not valid JSON/],
    ['not an object', '[1,2]', /not a seqsync plan file/],
    ['wrong kind', sealedEdit((j) => (j.kind = 'terraform-plan')), /kind is "terraform-plan"/],
    [
      'an older formatVersion',
      sealedEdit((j) => (j.formatVersion = 1)),
      /made by an older seqsync \(plan file formatVersion 1; this seqsync reads 2\): run plan again/,
    ],
    ['an unknown formatVersion', sealedEdit((j) => (j.formatVersion = 3)), /unsupported plan file formatVersion 3/],
    ['missing plan', sealedEdit((j) => delete j.plan), /"plan" is missing/],
    [
      'bad change kind',
      sealedEdit((j) => (j.plan.sequences[0].changes[0].kind = 'delete')),
      /kind is not a change kind/,
    ],
    ['bad live status', sealedEdit((j) => (j.plan.sequences[0].changes[0].liveStatus = 'gone')), /liveStatus/],
    [
      'a summary that disagrees with the changes',
      sealedEdit((j) => (j.plan.summary.remove += 1)),
      /plan\.summary\.remove is \d+ but the plan's changes count \d+/,
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
  ])('rejects %s (checked before the plan hash)', (_what, edit, index, message) => {
    const content = sealedEdit((j) => {
      const changes = j.plan.sequences[0].changes as Record<string, unknown>[]
      changes[index] = {...changes[index], ...edit}
    })
    expect(() => parsePlanFile(content)).toThrow(message)
  })

  it('rejects a removal without a contact id', () => {
    const content = sealedEdit((j) => (j.plan.sequences[1].changes[0].contactId = null))
    expect(() => parsePlanFile(content)).toThrow(/changes\[0\]\.contactId is required for remove/)
  })

  it.each([
    ['an unknown warning code', {code: 'be-careful'}, /warnings\[0\]\.code is not a warning code/],
    ['a skip forecast without its reason', {code: 'skip-forecast'}, /warnings\[0\]\.skipReason must be a string/],
    ['an unmanaged count that is not a count', {code: 'unmanaged', count: -1}, /count must be a non-negative integer/],
  ])('rejects %s (warnings are rendered from their data)', (_what, warning, message) => {
    const content = sealedEdit(
      (j) => (j.plan.sequences[0].warnings = [{contactId: null, email: null, source: null, ...warning}]),
    )
    expect(() => parsePlanFile(content)).toThrow(message)
  })

  it('keeps only the fields of each kind of change', () => {
    const parsed = parsePlanFile(
      sealedEdit((j) => Object.assign(j.plan.sequences[0].changes[0], {mailboxId: 'mb9', apiKey: 'sk_live_x'})),
    )
    expect(parsed.plan.sequences[0]?.changes[0]).toEqual(planFile().plan.sequences[0]?.changes[0])
    expect(JSON.stringify(parsed)).not.toContain('sk_live_x')
  })

  it('toPlanFile records the tool, the API host only, the key owner, the batch size, the time and the basis of each changed sequence', () => {
    // Q4 (prune: remove) by name: adds a, removes b, keeps x; Quiet has no change (no basis).
    const q4 = desiredSequence({name: 'Q4', prune: 'remove', contacts: ['a@acme.com', 'x@acme.com']})
    const quiet = desiredSequence({id: 's2', file: 'm/quiet.yaml'})
    const desired = desiredState(q4, quiet)
    const live = liveState({
      sequences: [liveSequence({id: 's1', name: 'Q4'}), liveSequence({id: 's2'})],
      contacts: [
        liveContact({id: 'a', email: 'a@acme.com'}),
        liveContact({id: 'b', memberships: {s1: 'active'}}),
        liveContact({id: 'x', email: 'x@acme.com', memberships: {s1: 'paused', s2: 'active'}}),
      ],
    })
    const plan = computePlan(desired, live)
    const file = toPlanFile(
      {plan, desired, desiredHash: 'sha256:abc', live, sequenceFilter: ['Q4']},
      {toolVersion: 'seqsync/0.1.0', apiUrl: 'https://u:k@api.apollo.io/api/v1?x=1', batchSize: 50},
      new Date('2026-11-26T10:00:00.000Z'),
    )
    expect(file).toEqual({
      formatVersion: 2,
      kind: 'seqsync-plan',
      toolVersion: 'seqsync/0.1.0',
      apiHost: 'api.apollo.io',
      createdAt: '2026-11-26T10:00:00.000Z',
      desiredHash: 'sha256:abc',
      sequenceFilter: ['Q4'],
      planHash: plan.planHash,
      keyOwnerUserId: 'u-key',
      batchSize: 50,
      plan,
      basis: [
        {
          sequenceId: 's1',
          mailboxId: 'mb1',
          members: new Map([
            ['b', 'active'],
            ['x', 'paused'],
          ]),
          desired: q4,
        },
      ],
    })
    expect(parsePlanFile(fileJson(file))).toEqual(file)
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
