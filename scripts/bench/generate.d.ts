// Types of generate.js for the TypeScript tests (test/reliability, test/e2e/bench-calls.test.ts).
import type {EmulatorSeed} from '../../src/emulator/types.js'

export interface CaseOptions {
  readonly sequences: number
  readonly contactsPerSequence: number
  readonly drift: number
  readonly seed: number
  readonly groupSize?: number
  readonly poolRatio?: number
  readonly mix?: {readonly add?: number; readonly remove?: number; readonly finish?: number; readonly stop?: number}
  readonly outsideAddsPerSequence?: number
  readonly unmanagedSequences?: number
  readonly extraContacts?: number
  readonly apiKeys?: readonly string[]
  readonly manifestDir?: string
}

export interface ExpectedChange {
  readonly kind: 'add' | 'remove' | 'finish' | 'stop'
  readonly sequenceId: string
  readonly contactId: string
}

export interface CaseExpected {
  readonly summary: {readonly add: number; readonly remove: number; readonly finish: number; readonly stop: number}
  readonly changes: readonly ExpectedChange[]
  /** Contact id -> sorted `sequenceId:status` of every membership after a converged apply. */
  readonly finalMemberships: Readonly<Record<string, readonly string[]>>
  readonly managedSequenceIds: readonly string[]
  readonly unmanagedSequenceIds: readonly string[]
  readonly liveMembers: Readonly<Record<string, readonly string[]>>
  readonly outsideEmails: readonly string[]
  readonly totalContacts: number
  readonly totalSequences: number
  readonly namePinned: number
  readonly idPinned: number
}

export interface GeneratedCase {
  readonly seed: EmulatorSeed
  readonly manifests: readonly {readonly path: string; readonly text: string}[]
  readonly expected: CaseExpected
}

export declare const BENCH_API_KEY: string
export declare const MAILBOX_EMAIL: string
export declare const MAILBOX_ID: string
export declare function createRandom(seed: number): () => number
export declare function generateCase(options: CaseOptions): GeneratedCase
export declare function diffFinalState(snapshot: EmulatorSeed, expected: CaseExpected, limit?: number): string[]
