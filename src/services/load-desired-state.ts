// The first step of plan/apply: manifests -> DesiredState, or a ManifestError carrying every issue.
import type {ResolvedConfig} from '../config/config-schema.js'
import type {Issue} from '../errors.js'
import {ManifestError} from '../errors.js'
import {loadManifestFiles} from '../manifest/load-manifests.js'
import {toDesiredState} from '../manifest/to-desired-state.js'
import type {DesiredState} from '../model/state.js'

/**
 * Loads and validates the manifests (`paths`, else the config's `manifests` globs). Throws ManifestError
 * when any error-severity issue exists; warnings are returned. Throws UsageError when there is nothing to load.
 */
export async function loadDesiredState(
  paths: readonly string[],
  config: Pick<ResolvedConfig, 'manifests' | 'manifestSources' | 'baseDir'>,
  cwd: string = process.cwd(),
): Promise<{desired: DesiredState; issues: Issue[]; files: readonly string[]}> {
  const loaded = await loadManifestFiles(paths, config, cwd)
  if (loaded.issues.some((i) => i.severity === 'error')) {
    throw new ManifestError(loaded.issues, {hint: 'Run `seqsync validate` for the full report.'})
  }
  return {desired: toDesiredState(loaded.documents), issues: [...loaded.issues], files: loaded.files}
}
