// Apply progress on stderr: a redrawn bar on a TTY, plain lines at most every few seconds in CI.

import type {ApplyProgress as ProgressEvent} from '../applier/apply-plan.js'

const PHASE_LABEL: Record<ProgressEvent['phase'], string> = {
  create: 'creating contacts',
  remove: 'removing / finishing / stopping',
  add: 'adding to sequences',
}

export interface ProgressReporter {
  update(event: ProgressEvent): void
  done(): void
}

export function createProgressReporter(
  stream: NodeJS.WriteStream,
  options: {intervalMs?: number; now?: () => number} = {},
): ProgressReporter {
  const now = options.now ?? Date.now
  if (stream.isTTY) {
    let drawn = false
    return {
      update({phase, done, total}) {
        const width = 30
        const filled = total === 0 ? width : Math.round((done / total) * width)
        stream.write(
          `\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} ${PHASE_LABEL[phase]}\x1b[K`,
        )
        drawn = true
      },
      done() {
        if (drawn) stream.write('\n')
      },
    }
  }
  const interval = options.intervalMs ?? 5000
  let last = -Infinity
  let lastPhase: string | null = null
  return {
    update({phase, done, total}) {
      const t = now()
      // Always report a phase change and its completion; otherwise at most one line per interval.
      if (phase !== lastPhase || done === total || t - last >= interval) {
        stream.write(`progress: ${PHASE_LABEL[phase]}: ${done}/${total}\n`)
        last = t
        lastPhase = phase
      }
    },
    done() {},
  }
}
