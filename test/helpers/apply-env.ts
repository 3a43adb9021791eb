// Shared by the `seqsync apply` end-to-end tests: the example seed's ids, an emulator environment
// per test, a saved plan, and the check that a refusal wrote nothing.
import {expect} from 'vitest'

import {contactByEmail, membersOf, startE2eEnv, statusIn, writeCalls} from './e2e-env.js'
import type {EmulatorSeed} from '../../src/emulator/types.js'
import type {E2eEnv, E2eEnvOptions} from './e2e-env.js'

/** Sequences of examples/apollo-seed.json. */
export const ENT = '66f0c1e2a4b5c6d7e8f90101'
export const MID = '66f0c1e2a4b5c6d7e8f90102'
export const SMB = '66f0c1e2a4b5c6d7e8f90103'
export const DORMANT = '66f0c1e2a4b5c6d7e8f90104'
export const WEBINAR = '66f0c1e2a4b5c6d7e8f90105'
/** Mailboxes of examples/apollo-seed.json. */
export const SDR_MAILBOX = '6a1b2c3d4e5f60718293a401'
export const AE_MAILBOX = '6a1b2c3d4e5f60718293a402'

/** A contact of examples/apollo-seed.json by the last two digits of its id. */
export const id = (n: string): string => `5f0d9de3a1b2c3d4e5f600${n}`

/** Runs `body` against a fresh emulator and temp directory, closed afterwards. */
export async function withEnv(options: E2eEnvOptions, body: (env: E2eEnv) => Promise<void>): Promise<void> {
  const env = await startE2eEnv(options)
  try {
    await body(env)
  } finally {
    await env.close()
  }
}

/** Runs `fn` and asserts Apollo was not written to: same snapshot, zero write requests. */
export async function expectNoWrites(env: E2eEnv, fn: () => Promise<void>): Promise<void> {
  const before = env.emulator.snapshot()
  env.emulator.resetStats()
  await fn()
  expect(writeCalls(env.emulator.stats())).toBe(0)
  expect(env.emulator.snapshot()).toEqual(before)
}

/** `plan --json --out FILE`: the plan's hash, removals and adds. */
export async function savePlan(
  env: E2eEnv,
  file = 'plan.json',
): Promise<{planHash: string; removals: number; adds: number}> {
  const res = await env.cli(['plan', '--json', '--out', file])
  expect(res.code, res.stderr).toBe(0)
  const plan = env.json(res)
  return {
    planHash: plan.planHash,
    removals: plan.summary.remove + plan.summary.finish + plan.summary.stop,
    adds: plan.summary.add,
  }
}

/** The examples after a converged apply, contact by contact (worked out from the seed and manifests). */
export function expectExamplesConverged(snap: EmulatorSeed): void {
  const raj = contactByEmail(snap, 'raj.patel@globex.example')?.id ?? 'raj'
  const mei = contactByEmail(snap, 'mei.chen@wonka.example')?.id ?? 'mei'
  expect(membersOf(snap, ENT)).toEqual({
    [id('01')]: 'active',
    [id('02')]: 'active',
    [id('05')]: 'finished',
    [id('06')]: 'active',
    [id('07')]: 'active',
    [raj]: 'active',
    [mei]: 'active',
  })
  expect(membersOf(snap, MID)).toEqual({
    [id('10')]: 'active',
    [id('11')]: 'finished',
    [id('12')]: 'finished',
    [id('13')]: 'failed',
    [id('14')]: 'finished',
    [id('15')]: 'active',
    [id('16')]: 'active',
  })
  expect(membersOf(snap, SMB)).toEqual({
    [id('20')]: 'active',
    [id('21')]: 'paused',
    [id('22')]: 'paused',
    [id('23')]: 'paused',
    [id('24')]: 'active',
  })
  expect(membersOf(snap, DORMANT)).toEqual({[id('30')]: 'paused', [id('31')]: 'paused', [id('32')]: 'paused'})
  expect(membersOf(snap, WEBINAR)).toEqual({[id('15')]: 'active', [id('40')]: 'active'})
  expect(statusIn(snap, id('03'), ENT)).toBe('absent') // tom.baker pruned
  expect(statusIn(snap, id('04'), ENT)).toBe('absent') // eve.lin tombstoned
  expect(statusIn(snap, id('07'), ENT)).toBe('active') // priya added
  expect(statusIn(snap, id('06'), ENT)).toBe('active') // Bo via the list
  expect(statusIn(snap, id('01'), ENT)).toBe('active') // jane untouched
  expect(statusIn(snap, id('05'), ENT)).toBe('finished') // carl stays finished
  for (const email of ['raj.patel@globex.example', 'mei.chen@wonka.example']) {
    const created = snap.contacts.filter((c) => c.email === email)
    expect(created, email).toHaveLength(1)
    expect(statusIn(snap, created[0]!.id, ENT)).toBe('active')
  }
  expect(contactByEmail(snap, 'raj.patel@globex.example')).toMatchObject({
    first_name: 'Raj',
    last_name: 'Patel',
    title: 'CTO',
  })
  expect(statusIn(snap, id('11'), MID)).toBe('finished') // omar
  expect(statusIn(snap, id('12'), MID)).toBe('finished') // sofia pruned -> finish
  expect(statusIn(snap, id('15'), MID)).toBe('active') // luis, activeInOtherSequences: true
  expect(statusIn(snap, id('15'), WEBINAR)).toBe('active')
  expect(statusIn(snap, id('16'), MID)).toBe('active') // nina by id
  expect(statusIn(snap, id('13'), MID)).toBe('failed') // dan stays failed
  expect(statusIn(snap, id('21'), SMB)).toBe('paused') // hana stopped
  expect(statusIn(snap, id('22'), SMB)).toBe('paused') // ivan pruned -> stop
  expect(statusIn(snap, id('23'), SMB)).toBe('paused') // julia untouched
  expect(statusIn(snap, id('24'), SMB)).toBe('active') // kofi added
  expect(statusIn(snap, id('32'), DORMANT)).toBe('paused') // noah: inactive sequence -> paused
  expect(statusIn(snap, id('30'), DORMANT)).toBe('paused') // leo unmanaged, untouched
}
