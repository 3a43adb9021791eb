// Orchestration for `seqsync validate`: load every manifest, validate, count. No printing, no flags.
import type {ResolvedConfig} from '../config/config-schema.js'
import {loadManifestFiles} from '../manifest/load-manifests.js'
import {toDesiredState} from '../manifest/to-desired-state.js'
import type {DesiredState} from '../model/state.js'
import type {ValidationSummary} from '../render/issues.js'

export interface ValidationResult extends ValidationSummary {
  readonly valid: boolean
  /** The desired state when valid, else null. */
  readonly desired: DesiredState | null
}

export function countContacts(desired: DesiredState): number {
  const keys = new Set<string>()
  for (const sequence of desired.sequences) {
    for (const entry of sequence.entries)
      keys.add(entry.ref.kind === 'email' ? `e:${entry.ref.email}` : `i:${entry.ref.id}`)
  }
  return keys.size
}

export async function validateManifestFiles(
  paths: readonly string[],
  config: Pick<ResolvedConfig, 'manifests' | 'manifestSources' | 'baseDir'>,
  cwd: string = process.cwd(),
): Promise<ValidationResult> {
  const loaded = await loadManifestFiles(paths, config, cwd)
  const valid = !loaded.issues.some((i) => i.severity === 'error')
  const desired = valid ? toDesiredState(loaded.documents) : null
  return {
    files: loaded.files,
    skipped: loaded.skipped,
    issues: loaded.issues,
    valid,
    desired,
    sequences: desired?.sequences.length ?? 0,
    contacts: desired ? countContacts(desired) : 0,
  }
}
