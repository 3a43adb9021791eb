// Durations as people write them (`--max-wait 1h30m`) and read them ("in 37 min"). Pure.

const UNIT_MS = {h: 3_600_000, m: 60_000, s: 1_000} as const
const DURATION = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/

/** `90s`, `45m`, `6h`, `1h30m`, `1h30m15s` -> milliseconds; null for anything else (or zero). */
export function parseDuration(text: string): number | null {
  const match = DURATION.exec(text.trim().toLowerCase())
  if (match === null || match.slice(1).every((part) => part === undefined)) return null
  const [, h, m, s] = match
  const ms = Number(h ?? 0) * UNIT_MS.h + Number(m ?? 0) * UNIT_MS.m + Number(s ?? 0) * UNIT_MS.s
  return ms > 0 ? ms : null
}

/** `45 s` (seconds rounded up), `37 min`, `2 h 05 min`, `6 h` (to the nearest minute). */
export function formatDuration(ms: number): string {
  const seconds = Math.max(0, Math.ceil(ms / 1_000))
  if (seconds < 60) return `${seconds} s`
  const minutes = Math.round(seconds / 60)
  if (minutes < 60) return `${minutes} min`
  const hours = Math.floor(minutes / 60)
  const rest = minutes % 60
  return rest === 0 ? `${hours} h` : `${hours} h ${String(rest).padStart(2, '0')} min`
}

/** `21:11 UTC` (with the date when it is not the same UTC day as `now`). */
export function formatUtcTime(epochMs: number, now: number): string {
  const at = new Date(epochMs).toISOString()
  const sameDay = at.slice(0, 10) === new Date(now).toISOString().slice(0, 10)
  return `${sameDay ? '' : `${at.slice(0, 10)} `}${at.slice(11, 16)} UTC`
}
