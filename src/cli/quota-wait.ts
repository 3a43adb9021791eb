// `--wait-for-quota` and `--max-wait` (plan, apply, import), and the countdown of a quota wait on
// stderr: a line redrawn every second on a terminal, otherwise a plain line when the wait starts
// and at most once a minute after.
import {Flags} from '@oclif/core'

import type {QuotaWait} from '../apollo/pacer.js'
import type {ClientEvent} from '../apollo/types.js'
import {UsageError} from '../errors.js'
import {formatDuration, formatUtcTime, parseDuration} from '../model/duration.js'

export const DEFAULT_MAX_WAIT = '6h'

export const quotaWaitFlags = {
  'wait-for-quota': Flags.boolean({
    description:
      "When Apollo's hourly or daily quota of an endpoint runs out, wait for it with a countdown (up to --max-wait) instead of stopping; the run resumes where it was.",
  }),
  'max-wait': Flags.string({
    description: `Longest time the run may wait for quota windows in all with --wait-for-quota, e.g. 90s, 45m, 6h, 1h30m [default: ${DEFAULT_MAX_WAIT}]. A wait that would pass it stops the run at once.`,
    helpValue: 'DURATION',
    dependsOn: ['wait-for-quota'],
  }),
}

/** The pacer's waiting policy from the flags: null = stop at an exhausted window. */
export function quotaWaitFromFlags(flags: {
  readonly 'wait-for-quota': boolean
  readonly 'max-wait'?: string | undefined
}): QuotaWait | null {
  if (!flags['wait-for-quota']) return null
  const text = flags['max-wait'] ?? DEFAULT_MAX_WAIT
  const maxWaitMs = parseDuration(text)
  if (maxWaitMs === null) {
    throw new UsageError(`--max-wait ${JSON.stringify(text)} is not a duration`, {
      hint: 'Write it like 90s, 45m, 6h or 1h30m.',
    })
  }
  return {maxWaitMs}
}

interface Wait {
  readonly endpoint: string
  readonly window: 'hour' | 'day'
  readonly resumeAt: number
}

/** Turns the client's quota-wait / quota-resume events into the countdown on `stream`. */
export function createQuotaCountdown(
  stream: NodeJS.WriteStream,
  options: {readonly now?: () => number} = {},
): (event: ClientEvent) => void {
  const now = options.now ?? Date.now
  const waits = new Map<string, Wait>()
  let timer: NodeJS.Timeout | null = null
  let drawn = false
  const line = (w: Wait): string =>
    `waiting for Apollo's ${w.window === 'hour' ? 'hourly' : 'daily'} quota of ${w.endpoint}: resumes at ${formatUtcTime(w.resumeAt, now())} (in ${formatDuration(w.resumeAt - now())})`
  const longest = (): Wait | undefined => [...waits.values()].sort((a, b) => b.resumeAt - a.resumeAt)[0]
  const draw = (): void => {
    const w = longest()
    if (w === undefined) return
    if (stream.isTTY) {
      stream.write(`\r${line(w)}\x1b[K`)
      drawn = true
    } else {
      stream.write(`${line(w)}\n`)
    }
  }
  const stopTimer = (): void => {
    if (timer !== null) clearInterval(timer)
    timer = null
  }
  return (event) => {
    if (event.type === 'quota-wait') {
      waits.set(`${event.endpoint} ${event.window}`, event)
      draw()
      if (timer === null) {
        timer = setInterval(draw, stream.isTTY ? 1_000 : 60_000)
        timer.unref()
      }
    } else if (event.type === 'quota-resume') {
      waits.delete(`${event.endpoint} ${event.window}`)
      if (waits.size > 0) return
      stopTimer()
      if (drawn) stream.write('\r\x1b[K')
      drawn = false
      stream.write(
        `Apollo's ${event.window === 'hour' ? 'hourly' : 'daily'} quota of ${event.endpoint} reset: resuming\n`,
      )
    }
  }
}
