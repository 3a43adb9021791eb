import type {GeneratedCase} from './generate.js'

export declare const PER_PAGE: number
export declare const DISPLAY_CAP: number
export declare const WRITE_ENDPOINTS: readonly string[]
export declare function countDistinctMembers(caseData: GeneratedCase): number
export declare function computeMinimumCalls(
  caseData: GeneratedCase,
  options?: {readonly batchSize?: number; readonly displayCap?: number},
): {
  plan: Record<string, number>
  apply: Record<string, number>
  detail: {
    distinct: number
    chunks: number
    sweep: number
    lookups: number
    scanPages: number | null
    emailCost: number
    sequencePages: number
  }
}
export declare function sumCalls(counts: Readonly<Record<string, number>>): number
