// Tiny type guards shared by every layer (JSON from Apollo, plan files, config). Pure.

/** A plain JSON object: not null, not an array. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
