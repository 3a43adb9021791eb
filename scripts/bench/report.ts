// Printing helpers of scripts/bench.ts: tables, durations, and what a run costs in hours of quota.

export function fmtMs(ms: number | null | undefined): string {
  return ms === null || ms === undefined ? '-' : `${(ms / 1000).toFixed(2)} s`
}

export function printTable(title: string, rows: readonly (readonly (string | number)[])[]): void {
  const widths = (rows[0] ?? []).map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)))
  console.log(`\n${title}`)
  rows.forEach((r, n) => {
    console.log(
      '  ' +
        r.map((c, i) => (i === 0 ? String(c).padEnd(widths[i] ?? 0) : String(c).padStart(widths[i] ?? 0))).join('  '),
    )
    if (n === 0) console.log('  ' + widths.map((w) => '-'.repeat(w)).join('  '))
  })
}

export function ratio(a: number, b: number): string {
  return b === 0 ? (a === 0 ? '1.00' : 'inf') : (a / b).toFixed(3)
}

/**
 * Hours of Apollo quota a run needs at `perHour` calls an hour per endpoint: every endpoint has its
 * own hourly window, so the busiest endpoint decides.
 */
export function hoursAt(calls: Readonly<Record<string, number>>, perHour: number): string {
  const busiest = Math.max(0, ...Object.values(calls))
  return (busiest / perHour).toFixed(2)
}
