// Builds the Apollo client for a command from its settings: key from the environment only,
// client events on stderr (requests with --verbose, none with --quiet), the countdown of a quota
// wait (--wait-for-quota).
import type {ApiKey} from '../apollo/api-key.js'
import {createApolloClient} from '../apollo/client.js'
import {DEFAULT_BACKOFF_MS} from '../apollo/transport.js'
import type {QuotaWait} from '../apollo/pacer.js'
import type {ApolloClient, ClientEvent} from '../apollo/types.js'
import {UsageError} from '../errors.js'
import type {Settings} from './base-command.js'
import {createQuotaCountdown} from './quota-wait.js'

export function openClient(
  settings: Settings,
  apiKey: ApiKey,
  log: (line: string) => void,
  quotaWait: QuotaWait | null = null,
): ApolloClient {
  const windowScale = scaleFromEnv('SEQSYNC_RATE_WINDOW_SCALE')
  const countdown = createQuotaCountdown(process.stderr)
  return createApolloClient({
    baseUrl: settings.apiUrl,
    apiKey,
    concurrency: settings.config.concurrency,
    windowScale,
    timeoutScale: scaleFromEnv('SEQSYNC_TIMEOUT_SCALE'),
    // Against an emulator on a shortened clock, our own retry backoff runs on the same clock.
    ...(windowScale < 1 ? {backoffMs: Math.max(1, Math.round(DEFAULT_BACKOFF_MS * windowScale))} : {}),
    quotaWait,
    // Pacing and retries are worth knowing about even without --verbose: they explain a slow run.
    onEvent: (event) => {
      if (settings.quiet) return
      if (event.type === 'quota-wait' || event.type === 'quota-resume') countdown(event)
      else if (settings.verbose || event.type !== 'request') {
        const line = describeEvent(event)
        if (line !== null) log(line)
      }
    },
  })
}

function describeEvent(event: Exclude<ClientEvent, {type: 'quota-wait' | 'quota-resume'}>): string | null {
  switch (event.type) {
    case 'request':
      return `apollo: ${event.method} ${event.path}`
    case 'retry':
      return `apollo: ${event.endpoint}: ${event.why}; retry ${event.attempt} in ${(event.delayMs / 1000).toFixed(1)} s`
    case 'pace':
      return event.delayMs >= 1000
        ? `apollo: ${event.endpoint}: ${event.window} quota used up; waiting ${(event.delayMs / 1000).toFixed(1)} s for the window to reset`
        : null
  }
}

/**
 * `SEQSYNC_RATE_WINDOW_SCALE` (shortened rate-limit windows) or `SEQSYNC_TIMEOUT_SCALE` (shortened
 * timeouts): for tests against the emulator only. The client checks them (a number in (0, 1], a
 * loopback host); anything but a number is refused here, where the text is still known.
 */
function scaleFromEnv(name: 'SEQSYNC_RATE_WINDOW_SCALE' | 'SEQSYNC_TIMEOUT_SCALE'): number {
  const value = process.env[name]
  if (value === undefined || value === '') return 1
  const scale = Number(value)
  if (Number.isNaN(scale)) throw new UsageError(`${name} must be a number in (0, 1], got ${JSON.stringify(value)}`)
  return scale
}
