// Apollo's display cap: a search lists at most 50,000 records (500 pages of 100), documented, but
// what a page past it answers is not. seqsync's reading (docs/emulator.md): a 422 whose `error`
// names the display limit, usually with the number of records. The reader learns the real cap from
// it instead of trusting the documented one.

const DISPLAY_LIMIT = /\bdisplay (limit|cap)\b/i
const RECORDS = /(\d[\d,]*)\s*(records|results|contacts)\b/i

/** The cap named by an Apollo 422 message: `{cap}` (null when no number is named), or null when the message is about something else. */
export function readDisplayCap(message: string): {readonly cap: number | null} | null {
  if (!DISPLAY_LIMIT.test(message)) return null
  const match = RECORDS.exec(message)
  const cap = match?.[1] === undefined ? Number.NaN : Number(match[1].replace(/,/g, ''))
  return {cap: Number.isSafeInteger(cap) && cap > 0 ? cap : null}
}
