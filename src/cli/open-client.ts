// Builds the Apollo client for a command from its settings: key from the environment only,
// client events on stderr with --verbose.
import type {ApiKey} from '../apollo/api-key.js'
import {createApolloClient} from '../apollo/client.js'
import type {ApolloClient, ClientEvent} from '../apollo/types.js'
import {UsageError} from '../errors.js'
import type {Settings} from './base-command.js'

export function openClient(settings: Settings, apiKey: ApiKey, log: (line: string) => void): ApolloClient {
  return createApolloClient({
    baseUrl: settings.apiUrl,
    apiKey,
    concurrency: settings.config.concurrency,
    windowScale: windowScaleFromEnv(process.env['SEQSYNC_RATE_WINDOW_SCALE']),
    // Pacing and retries are worth knowing about even without --verbose: they explain a slow run.
    onEvent: (event) => {
      if (settings.verbose || event.type !== 'request') {
        const line = describeEvent(event)
        if (line !== null) log(line)
      }
    },
  })
}

function describeEvent(event: ClientEvent): string | null {
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

/** `SEQSYNC_RATE_WINDOW_SCALE`: shortened rate-limit windows, for the emulator only. */
export function windowScaleFromEnv(value: string | undefined): number {
  if (value === undefined || value === '') return 1
  const scale = Number(value)
  if (!Number.isFinite(scale) || scale <= 0 || scale > 1) {
    throw new UsageError(`SEQSYNC_RATE_WINDOW_SCALE must be a number in (0, 1], got ${JSON.stringify(value)}`)
  }
  return scale
}
