// apply's write phase on a terminal or in CI: Ctrl-C (or SIGTERM) stops after the calls in flight
// and still reports; a second Ctrl-C quits at once. Progress goes to stderr (none with --quiet).
import type {WriteSession} from '../services/apply.js'
import {createProgressReporter} from './progress.js'

export function interruptibleWriteSession(
  printError: (line: string) => void,
  options: {readonly quiet: boolean},
): WriteSession {
  return async (writes) => {
    const controller = new AbortController()
    const onSignal = (): void => {
      if (controller.signal.aborted) process.exit(130)
      printError('\nInterrupted: finishing the calls in flight, then reporting (Ctrl-C again to quit at once).')
      controller.abort()
    }
    process.on('SIGINT', onSignal)
    process.on('SIGTERM', onSignal)
    const progress = options.quiet ? null : createProgressReporter(process.stderr)
    try {
      return await writes({signal: controller.signal, ...(progress ? {onProgress: (p) => progress.update(p)} : {})})
    } finally {
      progress?.done()
      process.off('SIGINT', onSignal)
      process.off('SIGTERM', onSignal)
    }
  }
}
