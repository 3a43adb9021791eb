// `seqsync import` end to end against the examples' seed: the manifests it writes validate, plan to
// zero changes, and a second import does not overwrite them without --force.
import {readdir, readFile, rm} from 'node:fs/promises'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {EmulatorSeed} from '../../src/emulator/types.js'
import {startE2eEnv, TERMINAL_UNSAFE} from '../helpers/e2e-env.js'
import type {E2eEnv} from '../helpers/e2e-env.js'

const MID = '66f0c1e2a4b5c6d7e8f90102'

describe('seqsync import', () => {
  let env: E2eEnv
  beforeAll(async () => {
    // An empty directory: no config, no manifests.
    env = await startE2eEnv({files: {}})
  })
  afterAll(async () => {
    await env?.close()
  })

  it('writes manifests that validate and plan to no changes; refuses to overwrite without --force', async () => {
    const res = await env.cli([
      'import',
      '--sequence',
      'Q4 Enterprise Outreach',
      '--sequence',
      MID,
      '--out-dir',
      'adopted',
    ])
    expect(res.code, res.stderr).toBe(0)
    const files = (await readdir(join(env.dir, 'adopted'))).sort()
    expect(files).toEqual(['mid-market-follow-up.yaml', 'q4-enterprise-outreach.yaml'])
    expect(res.stdout).toContain('"Q4 Enterprise Outreach" (66f0c1e2a4b5c6d7e8f90101), 5 members')
    expect(res.stdout).toContain(`"Mid-Market Follow-up" (${MID}), 5 members`)

    const ent = await readFile(join(env.dir, 'adopted', 'q4-enterprise-outreach.yaml'), 'utf8')
    expect(ent).toContain('66f0c1e2a4b5c6d7e8f90101')
    // Active and paused members under contacts, finished under finished.
    expect(ent).toMatch(
      /contacts:[\s\S]*jane\.cooper@umbrella\.example[\s\S]*finished:[\s\S]*carl\.mendez@soylent\.example/,
    )
    expect(ent).toContain('eve.lin@vandelay.example')
    expect(ent).not.toContain('priya.raman@') // not a member
    expect(ent).not.toContain('demo-key-not-secret')

    const validate = await env.cli(['validate', 'adopted'])
    expect(validate.code, validate.stdout + validate.stderr).toBe(0)
    expect(validate.stdout).toContain('OK: 2 files, 2 sequences')

    const plan = await env.cli(['plan', 'adopted', '--detailed-exitcode'])
    expect(plan.code, plan.stdout + plan.stderr).toBe(0)
    expect(plan.stdout).toContain('Plan: 0 to add, 0 to remove, 0 to finish, 0 to stop, 0 skips forecast.')

    const before = await readFile(join(env.dir, 'adopted', 'mid-market-follow-up.yaml'), 'utf8')
    env.emulator.setMembership('5f0d9de3a1b2c3d4e5f60016', MID, 'active') // Apollo moved on
    const again = await env.cli(['import', '--sequence', MID, '--out-dir', 'adopted'])
    expect(again.code).toBe(1)
    expect(again.stderr).toContain('already exists')
    expect(again.stderr).toContain('--force')
    expect(await readFile(join(env.dir, 'adopted', 'mid-market-follow-up.yaml'), 'utf8')).toBe(before)

    // One file missing, one present: still refused as a whole, nothing written (no half import).
    await rm(join(env.dir, 'adopted', 'q4-enterprise-outreach.yaml'))
    const partial = await env.cli([
      'import',
      '--sequence',
      'Q4 Enterprise Outreach',
      '--sequence',
      MID,
      '--out-dir',
      'adopted',
    ])
    expect(partial.code).toBe(1)
    expect(partial.stderr).toContain('mid-market-follow-up.yaml')
    expect((await readdir(join(env.dir, 'adopted'))).sort()).toEqual(['mid-market-follow-up.yaml'])

    const forced = await env.cli(['import', '--sequence', MID, '--out-dir', 'adopted', '--force'])
    expect(forced.code, forced.stderr).toBe(0)
    expect(await readFile(join(env.dir, 'adopted', 'mid-market-follow-up.yaml'), 'utf8')).toContain(
      'nina.kowalski@gringotts.example',
    )
  })

  it('an archived sequence (by id) is refused before anything is written: its manifest could never plan', async () => {
    const res = await env.cli([
      'import',
      '--sequence',
      'Partner Webinar Invite',
      '--sequence',
      '66f0c1e2a4b5c6d7e8f90106',
      '--out-dir',
      'archived',
    ])
    expect(res.code).toBe(1)
    expect(res.stderr).toContain('"2023 Holiday Promo" (66f0c1e2a4b5c6d7e8f90106)')
    expect(res.stderr).toMatch(/archived/i)
    await expect(readdir(join(env.dir, 'archived'))).rejects.toThrow()
  })

  it('an unknown sequence name exits 1 and writes nothing', async () => {
    const res = await env.cli(['import', '--sequence', 'No Such Sequence', '--out-dir', 'none'])
    expect(res.code).toBe(1)
    expect(res.stderr).toContain('No Such Sequence')
    await expect(readdir(join(env.dir, 'none'))).rejects.toThrow()
  })
})

describe('seqsync import: only what validate accepts, safe text, the sequence list', () => {
  const hex = (prefix: string, n: number) => `${prefix}${n.toString(16).padStart(22, '0')}`
  const EVIL = 'Evil \u001b[31mRed\u001b[0m\n# injected: yes\u0007\u202e'
  const mailbox = {id: hex('ab', 1), email: 'sdr@acme.example', active: true}
  const evilId = hex('5e', 999)
  const member = (status: 'active' | 'failed', failure_reason?: string) => [
    {sequence_id: evilId, status, mailbox_id: mailbox.id, ...(failure_reason ? {failure_reason} : {})},
  ]
  const seed: EmulatorSeed = {
    apiKeys: ['import-key-not-secret'],
    emailAccounts: [mailbox],
    sequences: [
      ...Array.from({length: 150}, (_, i) => ({
        id: hex('5e', i),
        name: `Campaign ${String(i).padStart(3, '0')}`,
        active: true,
      })),
      {id: evilId, name: EVIL, active: true},
    ],
    contacts: [
      {id: hex('c0', 1), email: 'josé@acme.example', memberships: member('active')},
      {id: hex('c0', 2), email: 'ops@localhost', memberships: member('active')},
      {id: hex('c0', 3), email: 'plain@acme.example', memberships: member('failed', 'hard_bounced\n# injected: yes')},
      {id: hex('c0', 4), email: 'kept@acme.example', first_name: 'Zoë \u001b[2J', memberships: member('active')},
    ],
  }

  it('pins emails a manifest rejects by id, strips control characters, reads the sequence list once', async () => {
    const env = await startE2eEnv({seed, files: {}})
    try {
      const names = ['Campaign 003', 'Campaign 042', 'Campaign 077', 'Campaign 101', 'Campaign 149', EVIL]
      const res = await env.cli(['import', ...names.flatMap((n) => ['--sequence', n]), '--out-dir', 'adopted'])
      expect(res.code, res.stderr).toBe(0)
      expect(res.stdout + res.stderr).not.toMatch(TERMINAL_UNSAFE)
      expect(res.stdout).toContain(`"Evil  [31mRed [0m # injected: yes " (${evilId}), 4 members`)
      // The list (2 pages for 151 sequences) instead of one name search per sequence.
      expect(env.emulator.stats().requests['emailer_campaigns/search']).toBe(2)

      const files = (await readdir(join(env.dir, 'adopted'))).sort()
      expect(files).toHaveLength(6)
      const evil = await readFile(join(env.dir, 'adopted', 'evil-31mred-0m-injected-yes.yaml'), 'utf8')
      expect(evil).not.toMatch(TERMINAL_UNSAFE)
      expect(evil).not.toMatch(/^\s*# injected/m)
      expect(evil).toContain(`- id: ${hex('c0', 1)} # josé@acme.example (not an email a manifest accepts)`)
      expect(evil).toContain(`- id: ${hex('c0', 2)} # ops@localhost (not an email a manifest accepts)`)
      expect(evil).toContain('- plain@acme.example # failed: hard_bounced # injected: yes')
      expect(evil).toContain('- kept@acme.example\n')

      const validate = await env.cli(['validate', 'adopted'])
      expect(validate.stdout).toBe('OK: 6 files, 6 sequences, 4 contacts\n')
      const plan = await env.cli(['plan', 'adopted', '--detailed-exitcode'])
      expect(plan.code, plan.stdout + plan.stderr).toBe(0)
      expect(plan.stdout + plan.stderr).not.toMatch(TERMINAL_UNSAFE)
    } finally {
      await env.close()
    }
  })
})
