// What `seqsync apply [PLANFILE | PATH...]` was given: one saved plan file (JSON), or manifest
// files and directories to plan now (none: the config's `manifests` globs). Anything else is a
// usage error naming both forms.

import {stat} from 'node:fs/promises'
import {extname} from 'node:path'

import {UsageError} from '../errors.js'

export type ApplyTarget =
  {readonly kind: 'plan-file'; readonly path: string} | {readonly kind: 'manifests'; readonly paths: readonly string[]}

const BOTH_FORMS =
  'apply takes either one plan file from `seqsync plan --out` (seqsync apply plan.json) or manifest files and directories to plan and apply (seqsync apply sequences/ or seqsync apply a.yaml b.yaml)'

const MANIFEST_EXTENSIONS = new Set(['.yaml', '.yml'])

export async function resolveApplyTarget(
  args: readonly string[],
  sequenceFilter: readonly string[],
): Promise<ApplyTarget> {
  const planFiles: string[] = []
  const manifests: string[] = []
  for (const arg of args) {
    const info = await stat(arg).catch(() => null)
    if (info === null) throw new UsageError(`${arg}: no such file or directory`, {hint: BOTH_FORMS})
    const ext = extname(arg).toLowerCase()
    if (info.isDirectory() || MANIFEST_EXTENSIONS.has(ext)) manifests.push(arg)
    else if (ext === '.json') planFiles.push(arg)
    else throw new UsageError(`${arg} is neither a plan file (.json) nor a manifest (.yaml, .yml)`, {hint: BOTH_FORMS})
  }
  const [planFile, ...more] = planFiles
  if (planFile === undefined) return {kind: 'manifests', paths: manifests}
  if (more.length > 0)
    throw new UsageError(`apply takes one plan file, got ${planFiles.length}: ${planFiles.join(', ')}`, {
      hint: BOTH_FORMS,
    })
  if (manifests.length > 0) {
    throw new UsageError(`a plan file (${planFile}) cannot be combined with manifest paths (${manifests.join(', ')})`, {
      hint: BOTH_FORMS,
    })
  }
  if (sequenceFilter.length > 0) {
    throw new UsageError('--sequence cannot narrow a saved plan: a plan file is applied whole', {
      hint: 'Plan only those sequences (seqsync plan --sequence NAME --out plan.json), or apply manifest paths with --sequence.',
    })
  }
  return {kind: 'plan-file', path: planFile}
}
