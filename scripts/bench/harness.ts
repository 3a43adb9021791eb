// Shared by scripts/bench.ts and the tests (test/helpers/gen-case.ts): write a generated case to a
// directory, and the environment of a CLI child talking to an emulator. The CLI itself runs
// through test/helpers/run-cli.ts.
import {mkdirSync, writeFileSync} from 'node:fs'
import {dirname, join, posix} from 'node:path'

import type {GeneratedCase} from './generate.js'

export interface CaseConfig {
  readonly batchSize?: number
  readonly concurrency?: number
  readonly safety?: {
    readonly maxAdds: number
    readonly maxRemovals: number
    readonly maxRemovalPercent: number
    readonly minSequenceSize: number
  }
}

/** The manifests and a seqsync.config.yaml (generous safety limits unless given): relative path -> text. */
export function caseFiles(caseData: GeneratedCase, config: CaseConfig = {}): Record<string, string> {
  const files: Record<string, string> = {}
  for (const m of caseData.manifests) files[m.path] = m.text
  const globs = [...new Set(caseData.manifests.map((m) => `${posix.dirname(m.path)}/**/*.yaml`))]
  const safety = config.safety ?? {
    maxAdds: 1_000_000,
    maxRemovals: 1_000_000,
    maxRemovalPercent: 100,
    minSequenceSize: 10,
  }
  const lines = ['manifests:', ...globs.map((g) => `  - ${JSON.stringify(g)}`)]
  lines.push(`batchSize: ${config.batchSize ?? 100}`, `concurrency: ${config.concurrency ?? 4}`, 'safety:')
  lines.push(
    `  maxAdds: ${safety.maxAdds}`,
    `  maxRemovals: ${safety.maxRemovals}`,
    `  maxRemovalPercent: ${safety.maxRemovalPercent}`,
    `  minSequenceSize: ${safety.minSequenceSize}`,
  )
  files['seqsync.config.yaml'] = lines.join('\n') + '\n'
  return files
}

/** Writes `caseFiles` into `dir`. */
export function writeCase(dir: string, caseData: GeneratedCase, config: CaseConfig = {}): void {
  for (const [path, text] of Object.entries(caseFiles(caseData, config))) {
    const file = join(dir, path)
    mkdirSync(dirname(file), {recursive: true})
    writeFileSync(file, text)
  }
}

/** The environment for a CLI child talking to an emulator: no inherited Apollo settings. */
export function cliEnv(
  apiUrl: string,
  apiKey: string,
  extra: Readonly<Record<string, string>> = {},
): NodeJS.ProcessEnv {
  const env = {...process.env}
  for (const k of Object.keys(env)) if (k.startsWith('SEQSYNC_') || k === 'APOLLO_API_KEY') delete env[k]
  return {...env, NO_COLOR: '1', FORCE_COLOR: '0', CI: '1', APOLLO_API_KEY: apiKey, SEQSYNC_API_URL: apiUrl, ...extra}
}
