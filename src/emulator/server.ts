// The Apollo emulator: a real node:http server behaving like Apollo's REST API for the endpoints
// seqsync uses (docs/emulator.md). Started by tests, the demo, the benchmarks and `seqsync emulator`.

import {randomBytes} from 'node:crypto'
import {rename, writeFile} from 'node:fs/promises'
import {createServer} from 'node:http'
import type {IncomingMessage, ServerResponse} from 'node:http'
import type {AddressInfo} from 'node:net'
import {setTimeout as sleep} from 'node:timers/promises'

import {ENDPOINTS} from '../apollo/endpoints.js'
import {DISPLAY_CAP} from '../apollo/limits.js'
import {UsageError} from '../errors.js'
import {FaultInjector} from './faults.js'
import type {FaultKind} from './faults.js'
import {
  handleAddContactIds,
  handleApiProfile,
  handleBulkCreate,
  handleContactCreate,
  handleContactSearch,
  handleContactShow,
  handleEmailAccounts,
  handleHealth,
  handleRemoveOrStop,
  handleSequenceSearch,
  handleSequenceShow,
  usageKey,
} from './handlers.js'
import type {HandlerContext, HandlerResult, Params} from './handlers.js'
import {RateLimiter, rateLimitHeaders} from './rate-limiter.js'
import type {WindowName} from './rate-limiter.js'
import {snapshotState} from './snapshot.js'
import {EmulatorState, nowIso} from './state.js'
import type {
  EmulatorOptions,
  EmulatorSeed,
  EmulatorStats,
  FaultConfig,
  RateLimitConfig,
  RunningEmulator,
  SeedContact,
} from './types.js'

/** Apollo's display cap (apollo/limits.ts) unless a test asks for a smaller one. */
export const DEFAULT_DISPLAY_CAP = DISPLAY_CAP
const MAX_BODY_BYTES = 20 * 1024 * 1024

const UNAUTHORIZED_TEXT =
  'Invalid API key. See https://docs.apollo.io/reference/authentication for how to authenticate.'
const NOT_FOUND_TEXT = 'The endpoint does not exist'
const ERROR_500 = {error: 'An unexpected error occurred. Please contact Apollo support.'}

/** Every endpoint label the emulator serves: seqsync's (src/apollo/endpoints.ts), plus Apollo's single `contacts/create`. */
export const ENDPOINT_LABELS = [...ENDPOINTS, 'contacts/create'] as const

interface Route {
  readonly endpoint: string
  readonly run: (ctx: HandlerContext, params: Params) => HandlerResult
}

function matchRoute(method: string, path: string, usage: (ctx: HandlerContext) => HandlerResult): Route | null {
  const parts = path.split('/').filter((p) => p !== '')
  const [a, b, c] = parts
  if (method === 'GET') {
    if (parts.length === 2 && a === 'auth' && b === 'health')
      return {endpoint: 'auth/health', run: () => handleHealth()}
    if (parts.length === 2 && a === 'users' && b === 'api_profile') {
      return {endpoint: 'users/api_profile', run: (ctx) => handleApiProfile(ctx)}
    }
    if (parts.length === 1 && a === 'email_accounts')
      return {endpoint: 'email_accounts', run: (ctx) => handleEmailAccounts(ctx)}
    if (
      parts.length === 2 &&
      a === 'emailer_campaigns' &&
      b !== undefined &&
      b !== 'search' &&
      b !== 'remove_or_stop_contact_ids'
    ) {
      return {endpoint: 'emailer_campaigns/show', run: (ctx) => handleSequenceShow(ctx, b)}
    }
    if (parts.length === 2 && a === 'contacts' && b !== undefined && b !== 'search' && b !== 'bulk_create') {
      return {endpoint: 'contacts/show', run: (ctx) => handleContactShow(ctx, b)}
    }
    return null
  }
  if (method === 'POST') {
    if (parts.length === 2 && a === 'usage_stats' && b === 'api_usage_stats')
      return {endpoint: 'usage_stats/api_usage_stats', run: usage}
    if (parts.length === 2 && a === 'emailer_campaigns' && b === 'search') {
      return {endpoint: 'emailer_campaigns/search', run: handleSequenceSearch}
    }
    if (parts.length === 2 && a === 'emailer_campaigns' && b === 'remove_or_stop_contact_ids') {
      return {endpoint: 'emailer_campaigns/remove_or_stop_contact_ids', run: handleRemoveOrStop}
    }
    if (parts.length === 3 && a === 'emailer_campaigns' && b !== undefined && c === 'add_contact_ids') {
      return {endpoint: 'emailer_campaigns/add_contact_ids', run: (ctx, params) => handleAddContactIds(ctx, b, params)}
    }
    if (parts.length === 2 && a === 'contacts' && b === 'search')
      return {endpoint: 'contacts/search', run: handleContactSearch}
    if (parts.length === 2 && a === 'contacts' && b === 'bulk_create')
      return {endpoint: 'contacts/bulk_create', run: handleBulkCreate}
    if (parts.length === 1 && a === 'contacts') return {endpoint: 'contacts/create', run: handleContactCreate}
  }
  return null
}

/** `/api/v1/x` or the legacy `/v1/x` -> `x`; anything else -> null. */
function stripPrefix(pathname: string): string | null {
  for (const prefix of ['/api/v1/', '/v1/']) {
    if (pathname.startsWith(prefix)) return pathname.slice(prefix.length).replace(/\/+$/, '')
  }
  return null
}

/** Query string to params: `contact_ids[]=a&contact_ids[]=b` -> {contact_ids: ['a', 'b']}. */
function queryParams(search: URLSearchParams): Params {
  const out: Params = {}
  for (const [rawKey, value] of search) {
    if (rawKey.endsWith('[]')) {
      const key = rawKey.slice(0, -2)
      const list = Array.isArray(out[key]) ? (out[key] as unknown[]) : []
      list.push(value)
      out[key] = list
    } else {
      out[rawKey] = value
    }
  }
  return out
}

async function readBody(req: IncomingMessage): Promise<Buffer | null> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length
    if (size > MAX_BODY_BYTES) return null
    chunks.push(chunk)
  }
  return Buffer.concat(chunks)
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body)
  res.writeHead(status, {
    'content-type': typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    ...headers,
  })
  res.end(text)
}

function increment(record: Record<string, number>, key: string): void {
  record[key] = (record[key] ?? 0) + 1
}

export async function startEmulator(options: EmulatorOptions): Promise<RunningEmulator> {
  const state = new EmulatorState(options.seed)
  const limiter = new RateLimiter(options.rateLimits ?? null)
  let faults: FaultInjector | null = options.faults ? new FaultInjector(options.faults) : null
  const displayCap = options.displayCap ?? DEFAULT_DISPLAY_CAP
  const ignoredParams = new Set(options.ignoredParams ?? [])
  /** Test hooks: per endpoint label, actions waiting for their request (requests still to come, action). */
  const hooks = new Map<string, {remaining: number; action: () => void}[]>()
  let requests: Record<string, number> = {}
  let rateLimited: Record<string, number> = {}
  let faultCounts: Record<string, number> = {}
  let pageFlip = false
  const ctx: HandlerContext = {
    state,
    displayCap,
    pastDisplayCap: options.pastDisplayCap ?? 'error',
    pageAsString: () => {
      pageFlip = !pageFlip
      return !pageFlip
    },
  }

  // Persistence: one save at a time; a write during a save schedules exactly one more.
  let saving: Promise<void> = Promise.resolve()
  const save = (): Promise<void> => {
    const path = options.statePath
    if (path === undefined) return Promise.resolve()
    saving = saving
      .catch(() => undefined)
      .then(async () => {
        const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`
        await writeFile(tmp, `${JSON.stringify(snapshotState(state), null, 2)}\n`, 'utf8')
        await rename(tmp, path)
      })
    return saving
  }

  const usage = (): HandlerResult => {
    const body: Record<string, unknown> = {}
    for (const endpoint of ENDPOINT_LABELS) {
      const views = limiter.peek(endpoint)
      const entry: Record<string, unknown> = {}
      for (const w of ['day', 'hour', 'minute'] as const) {
        const v = views[w]
        entry[w] = {limit: v.limit, consumed: v.consumed, left_over: v.left}
      }
      body[usageKey(endpoint)] = entry
    }
    return {status: 200, body, wrote: false}
  }

  function runHooks(endpoint: string): void {
    const pending = hooks.get(endpoint) ?? []
    for (const hook of pending) hook.remaining--
    for (const hook of pending.filter((h) => h.remaining === 0)) hook.action()
    hooks.set(
      endpoint,
      pending.filter((h) => h.remaining > 0),
    )
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://emulator.invalid')
    const path = stripPrefix(url.pathname)
    const route = path === null ? null : matchRoute(req.method ?? 'GET', path, usage)
    if (!route) {
      req.resume()
      send(res, 404, NOT_FOUND_TEXT)
      return
    }
    const raw = await readBody(req)
    // Auth: the x-api-key header only (no Bearer, no api_key in the query or body).
    const key = req.headers['x-api-key']
    const keyText = typeof key === 'string' ? key : null
    const restricted = keyText === null ? undefined : state.restrictedKeys[keyText]
    if (keyText === null || (!state.apiKeys.includes(keyText) && restricted === undefined)) {
      send(res, 401, UNAUTHORIZED_TEXT)
      return
    }
    const scope = `api/v1/${route.endpoint}`
    if (restricted?.some((e) => e === route.endpoint || e === scope)) {
      send(res, 403, {
        error: `This API key is not authorized to access ${scope}. Request an API key from your administrator that includes this endpoint in its configured scope.`,
        error_code: 'API_INACCESSIBLE',
      })
      return
    }
    increment(requests, route.endpoint)
    const decision = limiter.take(route.endpoint)
    const headers = rateLimitHeaders(decision.windows)
    if (!decision.ok) {
      increment(rateLimited, route.endpoint)
      send(
        res,
        429,
        {message: quotaMessage(scope, decision.limit, decision.window)},
        {...headers, 'retry-after': String(decision.retryAfterSeconds)},
      )
      return
    }
    if (raw === null) {
      send(res, 413, {error: 'Request body too large'}, headers)
      return
    }
    runHooks(route.endpoint)
    let params: Params = queryParams(url.searchParams)
    if (raw.length > 0) {
      const type = req.headers['content-type'] ?? ''
      try {
        const parsed: unknown = type.includes('application/x-www-form-urlencoded')
          ? queryParams(new URLSearchParams(raw.toString('utf8')))
          : JSON.parse(raw.toString('utf8'))
        if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed))
          params = {...params, ...(parsed as Params)}
      } catch {
        send(res, 400, {error: 'The request body is not valid JSON.'}, headers)
        return
      }
    }

    for (const name of ignoredParams) delete params[name]
    const fault = faults?.decide(route.endpoint) ?? {kind: null, latencyMs: 0}
    if (fault.latencyMs > 0) {
      increment(faultCounts, 'latency')
      await sleep(fault.latencyMs)
    }
    const kind: FaultKind | null = fault.kind
    if (kind !== null) increment(faultCounts, kind)
    if (kind === 'spurious429') {
      increment(rateLimited, route.endpoint)
      Object.assign(headers, rateLimitHeaders(limiter.refund(route.endpoint)))
      const retryAfter = Math.max(1, Math.ceil(limiter.windowMs('minute') / 60_000))
      send(
        res,
        429,
        {message: quotaMessage(scope, limiter.limitOf(route.endpoint, 'minute') ?? 200, 'minute')},
        {
          ...headers,
          'retry-after': String(retryAfter),
        },
      )
      return
    }
    if (kind === 'error500Before') {
      send(res, 500, ERROR_500, headers)
      return
    }
    if (kind === 'dropBefore') {
      req.socket.destroy()
      return
    }
    const result = route.run(ctx, params)
    if (result.wrote) await save()
    if (kind === 'dropAfter') {
      req.socket.destroy()
      return
    }
    if (kind === 'error500After') {
      send(res, 500, ERROR_500, headers)
      return
    }
    send(res, result.status, result.body, headers)
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent)
        send(res, 500, {error: `emulator bug: ${error instanceof Error ? error.message : String(error)}`})
      else res.destroy()
    })
  })
  server.keepAliveTimeout = 5_000

  await new Promise<void>((resolve, reject) => {
    // Port in use, no permission…: the caller's choice of port, not a bug.
    const onError = (error: Error): void =>
      reject(
        new UsageError(`The emulator cannot listen: ${error.message}`, {
          hint: 'Choose another --port (0 = any free port).',
          cause: error,
        }),
      )
    server.once('error', onError)
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', onError)
      resolve()
    })
  })
  const address = server.address() as AddressInfo
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address
  let closed = false

  const running: RunningEmulator = {
    url: `http://${host}:${address.port}/api/v1`,
    port: address.port,
    snapshot: (): EmulatorSeed => snapshotState(state),
    setMembership(contactId, sequenceId, status, options = {}) {
      const c = state.contacts.get(contactId)
      if (!c) throw new UsageError(`emulator: unknown contact ${contactId}`)
      state.setStatus(c, sequenceId, status, options.mailboxId, options.addedByUserId)
    },
    updateSequence(id, patch) {
      const s = state.sequences.get(id)
      if (!s) throw new UsageError(`emulator: unknown sequence ${id}`)
      Object.assign(s, patch)
      state.bump()
    },
    updateMailbox(id, patch) {
      const m = state.mailboxes.get(id)
      if (!m) throw new UsageError(`emulator: unknown mailbox ${id}`)
      Object.assign(m, patch)
      state.bump()
    },
    removeMailbox(id) {
      if (!state.mailboxes.delete(id)) throw new UsageError(`emulator: unknown mailbox ${id}`)
      state.bump()
    },
    addContact(contact: SeedContact) {
      state.addSeedContact(contact, nowIso())
    },
    deleteContact(id: string) {
      state.deleteContact(id)
    },
    onRequest(endpoint: string, n: number, action: () => void) {
      if (!Number.isInteger(n) || n < 1) throw new UsageError(`emulator: onRequest needs n >= 1, got ${n}`)
      hooks.set(endpoint, [...(hooks.get(endpoint) ?? []), {remaining: n, action}])
    },
    stats: (): EmulatorStats => ({requests: {...requests}, rateLimited: {...rateLimited}, faults: {...faultCounts}}),
    resetStats() {
      requests = {}
      rateLimited = {}
      faultCounts = {}
    },
    setFaults(config: FaultConfig | null) {
      faults = config ? new FaultInjector(config) : null
    },
    setRateLimits(limits: RateLimitConfig | null) {
      limiter.setConfig(limits)
    },
    async close() {
      if (closed) return
      closed = true
      await new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      })
      await save()
    },
  }
  return running
}

function quotaMessage(scope: string, limit: number, window: WindowName): string {
  return `The maximum number of api calls allowed for ${scope} is ${limit} times per ${window}. Please upgrade your plan from https://app.apollo.io/#/settings/plans/upgrade.`
}
