// The key policy (issue 12.1) through the real CLI: a file in the repository (seqsync.config.yaml,
// .seqsyncrc*, package.json#seqsync) that names any host but Apollo's own is refused with its
// file:line:col before any request, for every command that talks to Apollo. A second real HTTP
// server plays the hostile host and must not see a single connection; the emulator plays Apollo
// when SEQSYNC_API_URL points at it, and must not see a request either. Also refused: a cosmiconfig
// meta config (it could point the config search anywhere); and a plan file naming another host is
// only compared, never connected to.
import {createServer} from 'node:http'
import type {IncomingHttpHeaders, Server} from 'node:http'
import type {AddressInfo} from 'node:net'

import {readFile, writeFile} from 'node:fs/promises'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {startE2eEnv, writeCalls} from '../helpers/e2e-env.js'
import type {E2eEnv} from '../helpers/e2e-env.js'
import {runCli} from '../helpers/run-cli.js'

interface Hostile {
  readonly url: string
  readonly connections: () => number
  readonly requests: IncomingHttpHeaders[]
  close(): Promise<void>
}

async function startHostile(): Promise<Hostile> {
  let connections = 0
  const requests: IncomingHttpHeaders[] = []
  const server: Server = createServer((req, res) => {
    requests.push(req.headers)
    res.writeHead(200, {'content-type': 'application/json'})
    res.end('{}')
  })
  server.on('connection', () => connections++)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const {port} = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/api/v1`,
    connections: () => connections,
    requests,
    close: async () => {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

const COMMANDS: readonly (readonly string[])[] = [
  ['plan'],
  ['apply', '--auto-approve'],
  ['import', '--sequence', 'Q4 Enterprise Outreach', '--out-dir', 'adopted'],
  ['doctor'],
]

describe('a repository file cannot redirect the API key', () => {
  let env: E2eEnv
  let hostile: Hostile
  beforeAll(async () => {
    hostile = await startHostile()
    env = await startE2eEnv({
      files: {
        'seqsync.config.yaml': `manifests:\n  - 'sequences/**/*.yaml'\napiUrl: ${hostile.url}\n`,
      },
      copyExamples: true,
    })
  })
  afterAll(async () => {
    await env?.close()
    await hostile?.close()
  })

  it.each(COMMANDS)('%s: refused at the config line, nothing sent to any host', async (...args) => {
    // Without SEQSYNC_API_URL the config's URL would be used (the exfiltration of issue 12.1) ...
    const alone = await runCli(args, {cwd: env.dir, env: {APOLLO_API_KEY: env.env.APOLLO_API_KEY}})
    // ... and with it, the config is refused all the same (it is invalid, whichever URL wins).
    const withEnv = await env.cli([...args])
    for (const res of [alone, withEnv]) {
      expect(res.code, res.stderr).toBe(1)
      expect(res.stderr).toContain('seqsync.config.yaml:3:9: error: apiUrl may only be')
      expect(res.stderr).toContain('--api-url or SEQSYNC_API_URL')
      expect(res.stderr).not.toMatch(/\n\s+at /)
      expect(res.stdout + res.stderr).not.toContain(env.env.APOLLO_API_KEY)
    }
    expect(hostile.connections()).toBe(0)
    expect(hostile.requests).toEqual([])
    expect(env.emulator.stats().requests).toEqual({})
  })

  it('package.json#seqsync is held to the same rule; --api-url and SEQSYNC_API_URL may name any host', async () => {
    const other = await startE2eEnv({
      files: {'package.json': JSON.stringify({name: 'gtm', seqsync: {apiUrl: hostile.url}}, null, 2)},
      copyExamples: true,
    })
    try {
      // package.json comes first in the config search order.
      const res = await other.cli(['plan'])
      expect(res.code, res.stderr).toBe(1)
      expect(res.stderr).toContain('package.json:4:15: error: apiUrl may only be')
      expect(hostile.connections()).toBe(0)

      // The person (or workflow) running seqsync decides: the environment's URL is used (a closed
      // port here) ...
      const closed = {SEQSYNC_API_URL: 'http://127.0.0.1:9/api/v1'}
      const viaEnv = await other.cli(['plan', '--config', 'seqsync.config.yaml'], {env: closed})
      expect(viaEnv.code).toBe(1)
      expect(viaEnv.stderr).toContain('127.0.0.1:9')
      // ... and the flag wins over it.
      const viaFlag = await other.cli(['plan', '--config', 'seqsync.config.yaml', '--api-url', other.emulator.url], {
        env: closed,
      })
      expect(viaFlag.code, viaFlag.stderr).toBe(0)
      expect(hostile.connections()).toBe(0)
    } finally {
      await other.close()
    }
  })

  it('a cosmiconfig meta config, which could point seqsync at any file, is refused', async () => {
    const other = await startE2eEnv({
      files: {
        'package.json': JSON.stringify({name: 'gtm', cosmiconfig: {searchPlaces: ['../../etc/hostname']}}, null, 2),
      },
      copyExamples: true,
    })
    try {
      const res = await other.cli(['plan'])
      expect(res.code, res.stderr).toBe(1)
      expect(res.stderr).toContain(
        'package.json:3:3: error: a "cosmiconfig" meta config would change where seqsync reads',
      )
      expect(other.emulator.stats().requests).toEqual({})
    } finally {
      await other.close()
    }
  })

  it('a plan file naming another API host is compared, never connected to', async () => {
    const other = await startE2eEnv()
    try {
      const saved = await other.cli(['plan', '--out', 'plan.json'])
      expect(saved.code, saved.stderr).toBe(0)
      const file = JSON.parse(await readFile(join(other.dir, 'plan.json'), 'utf8')) as {apiHost: string}
      await writeFile(join(other.dir, 'hostile.json'), JSON.stringify({...file, apiHost: new URL(hostile.url).host}))
      const res = await other.cli(['apply', 'hostile.json', '--auto-approve'])
      expect(res.code, res.stderr).toBe(1)
      expect(hostile.connections()).toBe(0)
      expect(writeCalls(other.emulator.stats())).toBe(0)
    } finally {
      await other.close()
    }
  })
})
