// JSON Schema (draft 2020-12) of the seqsync config file (seqsync.config.yaml, .seqsyncrc*, package.json#seqsync).
import type {SourceRef} from '../model/state.js'

import {APOLLO_API_URLS} from '../apollo/base-url.js'

export const configSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'https://seqsync.dev/schemas/config.schema.json',
  title: 'seqsync configuration',
  description: 'Tool settings for seqsync. Never put the Apollo API key here: it comes only from APOLLO_API_KEY.',
  type: 'object',
  additionalProperties: false,
  properties: {
    manifests: {
      title: 'Manifest globs',
      description: 'Glob patterns (relative to the config file) of the manifest files, e.g. ["sequences/**/*.yaml"].',
      type: 'array',
      items: {type: 'string', minLength: 1},
    },
    apiUrl: {
      title: 'Apollo API base URL',
      description:
        "Apollo's own API only: https://api.apollo.io/api/v1 (the default) or the legacy https://api.apollo.io/v1. A file in the repository never decides where the API key goes: any other URL (the emulator, say) comes from --api-url or SEQSYNC_API_URL.",
      type: 'string',
      format: 'uri',
      pattern: '^https?://',
    },
    batchSize: {type: 'integer', minimum: 1, maximum: 1000, default: 100, description: 'Contacts per write call.'},
    concurrency: {type: 'integer', minimum: 1, maximum: 16, default: 4, description: 'Parallel API calls.'},
    safety: {
      title: 'Safety limits for apply',
      type: 'object',
      additionalProperties: false,
      properties: {
        maxAdds: {
          type: 'integer',
          minimum: 0,
          default: 500,
          description: 'Most contacts added to sequences (each one is emailed) in one run.',
        },
        maxRemovals: {
          type: 'integer',
          minimum: 0,
          default: 50,
          description: 'Most contacts removed/finished/stopped in one run.',
        },
        maxRemovalPercent: {
          type: 'number',
          minimum: 0,
          maximum: 100,
          default: 25,
          description: 'Most percent of one sequence removed/finished/stopped in one run.',
        },
        minSequenceSize: {
          type: 'integer',
          minimum: 0,
          default: 10,
          description: 'The percent limit applies to sequences with at least this many live members.',
        },
      },
    },
    maskEmails: {type: 'boolean', default: false, description: 'Render emails as j***@acme.com in plans.'},
  },
} as const

export interface SafetyConfig {
  readonly maxAdds: number
  readonly maxRemovals: number
  readonly maxRemovalPercent: number
  readonly minSequenceSize: number
}

export interface ResolvedConfig {
  readonly manifests: readonly string[]
  /** Where each `manifests` glob is written in the config file (same order); empty without one. */
  readonly manifestSources: readonly SourceRef[]
  /** From the config file; null when not set (the command applies flags > env > config > default). */
  readonly apiUrl: string | null
  readonly batchSize: number
  readonly concurrency: number
  readonly safety: SafetyConfig
  readonly maskEmails: boolean
  /** Directory that `manifests` globs are relative to: the config file's directory, else cwd. */
  readonly baseDir: string
}

export const DEFAULT_API_URL: string = APOLLO_API_URLS[0]

export const DEFAULT_SAFETY: SafetyConfig = Object.freeze({
  maxAdds: 500,
  maxRemovals: 50,
  maxRemovalPercent: 25,
  minSequenceSize: 10,
})
