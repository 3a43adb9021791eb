// Plan errors point at the manifest line that causes them, through the real CLI and the emulator.
import {describe, expect, it} from 'vitest'

import {startE2eEnv} from '../helpers/e2e-env.js'

const manifest = (mailbox: string) =>
  [
    'apiVersion: seqsync/v1',
    'kind: SequenceMembership',
    'sequence:',
    '  name: Q4 Enterprise Outreach',
    'prune: none',
    `mailbox: ${mailbox}`,
    'contacts:',
    '  - jane.cooper@umbrella.example',
    '',
  ].join('\n')

describe('plan error locations (e2e)', () => {
  it.each([
    ['unknown', 'nobody@acme.example', 'Mailbox nobody@acme.example is not an Apollo email account'],
    ['inactive', 'former-rep@acme.example', 'Mailbox former-rep@acme.example (6a1b2c3d4e5f60718293a403) is not active'],
  ])('an %s mailbox points at the mailbox: line, not sequence:', async (_, mailbox, message) => {
    const env = await startE2eEnv({files: {'m/q4.yaml': manifest(mailbox)}})
    try {
      const res = await env.cli(['plan', 'm'])
      expect(res.code).toBe(1)
      expect(res.stderr).toContain(`m/q4.yaml:6:1: error: ${message}`)
    } finally {
      await env.close()
    }
  })
})
