// Seeded fault injection: the same seed and the same request sequence give the same faults.

import {WRITE_ENDPOINTS} from '../apollo/endpoints.js'
import {createPrng} from './random.js'
import type {FaultConfig} from './types.js'

export type FaultKind = 'error500Before' | 'error500After' | 'dropBefore' | 'dropAfter' | 'spurious429'

export interface FaultDecision {
  /** null = serve normally. */
  readonly kind: FaultKind | null
  /** Latency to add before handling, in ms (0 = none). */
  readonly latencyMs: number
}

/** Faults hit the write endpoints unless the config names others. */
export const DEFAULT_FAULT_ENDPOINTS: readonly string[] = WRITE_ENDPOINTS

export class FaultInjector {
  readonly #config: FaultConfig
  readonly #random: () => number
  readonly #endpoints: ReadonlySet<string>

  constructor(config: FaultConfig) {
    this.#config = config
    this.#random = createPrng(config.seed)
    this.#endpoints = new Set(config.endpoints ?? DEFAULT_FAULT_ENDPOINTS)
  }

  /** Draws exactly three numbers per request to a faulted endpoint, so decisions stay aligned. */
  decide(endpoint: string): FaultDecision {
    if (!this.#endpoints.has(endpoint)) return {kind: null, latencyMs: 0}
    const uLatency = this.#random()
    const uKind = this.#random()
    const uSide = this.#random()
    const c = this.#config
    const [min, max] = c.latencyMs ?? [0, 0]
    const latencyMs = max > 0 ? Math.round(min + (max - min) * uLatency) : 0
    let edge = 0
    const pick = (p: number | undefined): boolean => {
      edge += p ?? 0
      return uKind < edge
    }
    let kind: FaultKind | null = null
    if (pick(c.spurious429)) kind = 'spurious429'
    else if (pick(c.error500Before)) kind = 'error500Before'
    else if (pick(c.dropConnection)) kind = uSide < 0.5 ? 'dropBefore' : 'dropAfter'
    else if (pick(c.error500After)) kind = 'error500After'
    return {kind, latencyMs}
  }
}
