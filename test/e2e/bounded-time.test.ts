// Bounded time (issue 12.8): a hung API, a refused connection, an unknown host and a trickling
// answer each end a run quickly with exit 1 (or 3 once writes were sent) and say what to check.
// Real sockets throughout; SEQSYNC_TIMEOUT_SCALE shortens every bound for the tests (1/30: headers
// 1 s, no progress 4 s), and is refused for any host that is not a loopback emulator.
import {createServer as createHttpServer} from 'node:http'
import {createServer} from 'node:net'
import type {AddressInfo, Server, Socket} from 'node:net'

import {afterEach, describe, expect, it} from 'vitest'

import {ApiKey} from '../../src/apollo/api-key.js'
import {createApolloClient} from '../../src/apollo/client.js'
import type {ClientEvent} from '../../src/apollo/types.js'
import {ApolloApiError} from '../../src/errors.js'
import {startE2eEnv} from '../helpers/e2e-env.js'
import {runCli} from '../helpers/run-cli.js'

const KEY = 'test-key-not-secret'
const SCALE = String(1 / 30)
/** "Well under the old 6 minutes" with 1 s timeouts, loosely enough for a loaded 2-core machine. */
const BOUND_MS = 20_000
const MANIFEST =
  'apiVersion: seqsync/v1\nkind: SequenceMembership\nsequence:\n  name: Q4\nmailbox: sdr@acme.example\ncontacts:\n  - jane@acme.example\n'

const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

/** Accepts connections and never answers. */
async function startHangingServer(): Promise<{url: string; connections: () => number}> {
  const sockets = new Set<Socket>()
  const server: Server = createServer((socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.resume() // read the request, answer nothing
  })
  let connections = 0
  server.on('connection', () => connections++)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  cleanups.push(async () => {
    for (const s of sockets) s.destroy()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  })
  return {url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1`, connections: () => connections}
}

/** A port nobody listens on (bound once, then released). */
async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const {port} = server.address() as AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

async function timedPlan(apiUrl: string, env: Record<string, string> = {}) {
  const started = Date.now()
  const res = await runCli(['plan', 'm.yaml', '--api-url', apiUrl], {
    cwd: await manifestDir(),
    env: {APOLLO_API_KEY: KEY, SEQSYNC_TIMEOUT_SCALE: SCALE, ...env},
    timeoutMs: 60_000,
  })
  return {...res, elapsedMs: Date.now() - started}
}

async function manifestDir(): Promise<string> {
  const env = await startE2eEnv({files: {'m.yaml': MANIFEST}})
  cleanups.push(() => env.close())
  return env.dir
}

describe('through the real CLI', () => {
  it('a hung API stops the run after the no-progress bound, naming what to check', async () => {
    const hung = await startHangingServer()
    const res = await timedPlan(hung.url)
    expect(res.code, res.stderr).toBe(1)
    expect(res.elapsedMs).toBeLessThan(BOUND_MS)
    expect(res.stderr).toMatch(/network error: no progress for \d+ s \(last: no answer within the headers timeout/)
    expect(res.stderr).toContain(`Check the host ${new URL(hung.url).host}`)
    expect(res.stderr).toContain('--api-url or SEQSYNC_API_URL')
    expect(res.stderr).toContain('status.apollo.io')
    expect(res.stderr).not.toMatch(/\n\s+at /)
    expect(res.stderr).not.toContain(KEY)
    // Retried within the bound, then given up: a few attempts, not one per minute for six minutes.
    expect(hung.connections()).toBeGreaterThan(1)
  })

  it('a refused connection gets one quick retry, then fails', async () => {
    const port = await closedPort()
    const res = await timedPlan(`http://127.0.0.1:${port}/api/v1`, {SEQSYNC_TIMEOUT_SCALE: ''})
    expect(res.code, res.stderr).toBe(1)
    expect(res.elapsedMs).toBeLessThan(BOUND_MS)
    expect(res.stderr).toContain('network error: connection refused (ECONNREFUSED)')
    expect(res.stderr).toContain(`Check the host 127.0.0.1:${port}`)
  })

  it('an unknown host fails fast as a DNS failure', async () => {
    const res = await timedPlan('https://seqsync-test.invalid/api/v1', {SEQSYNC_TIMEOUT_SCALE: ''})
    expect(res.code, res.stderr).toBe(1)
    expect(res.elapsedMs).toBeLessThan(BOUND_MS)
    expect(res.stderr).toMatch(/network error: (host not found \(DNS\) \(ENOTFOUND\)|DNS lookup failed \(EAI_AGAIN\))/)
    expect(res.stderr).toContain('Check the host seqsync-test.invalid')
  })

  it('SEQSYNC_TIMEOUT_SCALE is refused for a host that is not a loopback emulator', async () => {
    const res = await timedPlan('https://api.apollo.io/api/v1', {SEQSYNC_TIMEOUT_SCALE: '0.5'})
    expect(res.code).toBe(1)
    expect(res.stderr).toContain('SEQSYNC_TIMEOUT_SCALE is for the local emulator only, not api.apollo.io')
  })

  it('apply against writes that hang stops within the bound and reports them failed (exit 3)', async () => {
    // Reads answer; every write waits 60 s before Apollo handles it.
    const env = await startE2eEnv({
      emulator: {
        faults: {seed: 1, error500Before: 0, error500After: 0, dropConnection: 0, latencyMs: [60_000, 60_000]},
      },
      env: {SEQSYNC_TIMEOUT_SCALE: SCALE},
    })
    cleanups.push(() => env.close())
    const started = Date.now()
    const res = await env.cli(['apply', '--auto-approve'], {timeoutMs: 60_000})
    expect(Date.now() - started).toBeLessThan(BOUND_MS)
    expect(res.code, res.stderr).toBe(3)
    expect(res.stdout + res.stderr).toMatch(/no progress for \d+ s/)
  })
})

async function startHttp(handler: Parameters<typeof createHttpServer>[1]): Promise<string> {
  const server = createHttpServer(handler)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  cleanups.push(async () => {
    server.closeAllConnections()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  })
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1`
}

describe('the client', () => {
  function client(baseUrl: string, events: ClientEvent[] = [], windowScale = 1) {
    const c = createApolloClient({
      baseUrl,
      apiKey: new ApiKey(KEY),
      timeouts: {connect: 500, headers: 300, body: 300, request: 400, stall: 1_000},
      backoffMs: 10,
      windowScale,
      onEvent: (e) => events.push(e),
    })
    cleanups.push(() => c.close())
    return c
  }

  it('bounds a whole answer, not only the silence between chunks', async () => {
    // Headers at once, then one byte every 100 ms: never idle for the 300 ms body timeout.
    const url = await startHttp((_req, res) => {
      res.writeHead(200, {'content-type': 'application/json'})
      const timer = setInterval(() => res.write(' '), 100)
      res.on('close', () => clearInterval(timer))
    })
    const started = Date.now()
    const error = await client(url)
      .listMailboxes()
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ApolloApiError)
    expect((error as ApolloApiError).message).toContain('request timeout')
    expect(Date.now() - started).toBeLessThan(BOUND_MS)
  })

  it('once no progress was made for the bound, a new call fails at once without connecting', async () => {
    const hung = await startHangingServer()
    const events: ClientEvent[] = []
    const c = client(hung.url, events)
    await expect(c.listMailboxes()).rejects.toThrow(/no progress for/)
    const before = hung.connections()
    await expect(c.getApiProfile()).rejects.toThrow(/no progress for/)
    expect(hung.connections()).toBe(before)
  })

  it('retries a refused connection exactly once', async () => {
    const events: ClientEvent[] = []
    const error = await client(`http://127.0.0.1:${await closedPort()}/api/v1`, events)
      .listMailboxes()
      .catch((e: unknown) => e)
    expect((error as ApolloApiError).status).toBe(0)
    expect(events.filter((e) => e.type === 'request')).toHaveLength(2)
    expect(events.filter((e) => e.type === 'retry')).toHaveLength(1)
  })
})

describe('the no-progress bound and quota waits', () => {
  it('waiting for a used-up minute window is not counted as no progress', async () => {
    // The first answer is a 500 that also says the minute window (1 request) is used up; the
    // window (1.2 s at scale 0.02) is longer than the 1 s no-progress bound.
    let n = 0
    const url = await startHttp((_req, res) => {
      n++
      const quota = {'x-rate-limit-minute': '1', 'x-minute-usage': '1', 'x-minute-requests-left': '0'}
      res.writeHead(n === 1 ? 500 : 200, {'content-type': 'application/json', ...quota})
      res.end(n === 1 ? '{"error":"Unexpected error"}' : '{"email_accounts":[]}')
    })
    const events: ClientEvent[] = []
    const c = createApolloClient({
      baseUrl: url,
      apiKey: new ApiKey(KEY),
      timeouts: {stall: 1_000},
      backoffMs: 10,
      windowScale: 0.02,
      onEvent: (e) => events.push(e),
    })
    cleanups.push(() => c.close())
    expect(await c.listMailboxes()).toEqual([])
    expect(events.some((e) => e.type === 'pace' && e.delayMs > 1_000)).toBe(true)
    expect(n).toBe(2)
  })
})
