// The one seeded PRNG of the project: the emulator's fault injection and the benchmark's case
// generator (scripts/bench/generate.ts) draw from it, so a seed means the same thing everywhere.

/** mulberry32: a tiny, well-known 32-bit PRNG; the same seed gives the same numbers in [0, 1). */
export function createPrng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
