// What the GitHub Actions runner would do with a log: the workflow commands it would run, parsed the
// way actions/runner does (src/Runner.Common/ActionCommand.cs: `::cmd props::data` after leading
// whitespace, and the older `##[cmd props]data` anywhere in a line), with `::stop-commands::TOKEN`
// pausing every command until `::TOKEN::`. Both stdout and stderr reach the runner.

export interface RunnerCommand {
  readonly command: string
  readonly properties: string
  readonly data: string
}

function parseLine(line: string): RunnerCommand | null {
  const v2 = line.trimStart()
  if (v2.startsWith('::')) {
    const end = v2.indexOf('::', 2)
    if (end >= 0) {
      const info = v2.slice(2, end)
      const space = info.indexOf(' ')
      return {
        command: (space < 0 ? info : info.slice(0, space)).toLowerCase(),
        properties: space < 0 ? '' : info.slice(space + 1),
        data: v2.slice(end + 2),
      }
    }
  }
  const prefix = line.indexOf('##[')
  if (prefix >= 0) {
    const rb = line.indexOf(']', prefix)
    if (rb >= 0) {
      const info = line.slice(prefix + 3, rb)
      const space = info.indexOf(' ')
      return {
        command: (space < 0 ? info : info.slice(0, space)).toLowerCase(),
        properties: space < 0 ? '' : info.slice(space + 1),
        data: line.slice(rb + 1),
      }
    }
  }
  return null
}

/** The commands the runner would run for `log` (stop-commands and its resume line excluded). */
export function runnerCommands(log: string): RunnerCommand[] {
  const run: RunnerCommand[] = []
  let stopToken: string | null = null
  for (const line of log.split(/\r?\n/)) {
    const command = parseLine(line)
    if (command === null) continue
    if (stopToken !== null) {
      if (command.command === stopToken) stopToken = null
      continue
    }
    if (command.command === 'stop-commands') stopToken = command.data.toLowerCase()
    else run.push(command)
  }
  return run
}
