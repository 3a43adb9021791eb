// I/O: read the manifest files (find-manifest-files.ts says which) safely, parse and validate them.
import {open} from 'node:fs/promises'
import type {Issue} from '../errors.js'
import {UsageError} from '../errors.js'
import {findGlobFiles, findPathFiles} from './find-manifest-files.js'
import type {ManifestSource} from './find-manifest-files.js'
import {positionAt, sortIssues} from './issues.js'
import {mayBeSeqsyncManifest, parseManifest} from './parse-manifest.js'
import type {ManifestDocument} from './types.js'
import {validateManifests} from './validate-manifests.js'

export const MAX_MANIFEST_BYTES = 5 * 1024 * 1024
const READ_CONCURRENCY = 64

export interface LoadedManifests {
  /** Every file read as a manifest, as displayed (relative to cwd, POSIX separators), sorted. */
  readonly files: readonly string[]
  /** Files found by a directory walk or a wildcard that are plainly not seqsync documents, sorted. */
  readonly skipped: readonly string[]
  /** Every document the cross-document rules could use, in file order (see parseManifest). */
  readonly documents: readonly ManifestDocument[]
  /** Every issue of every file plus cross-file rules, sorted. */
  readonly issues: readonly Issue[]
}

/** Byte offset of the first invalid UTF-8 sequence, or -1. */
export function findInvalidUtf8(bytes: Uint8Array): number {
  let i = 0
  while (i < bytes.length) {
    const b = bytes[i]!
    if (b < 0x80) {
      i++
      continue
    }
    const need = b >= 0xc2 && b <= 0xdf ? 1 : b >= 0xe0 && b <= 0xef ? 2 : b >= 0xf0 && b <= 0xf4 ? 3 : -1
    if (need < 0 || i + need > bytes.length - 1) return i
    for (let k = 1; k <= need; k++) if (((bytes[i + k] ?? 0) & 0xc0) !== 0x80) return i
    const b1 = bytes[i + 1]!
    if (
      (b === 0xe0 && b1 < 0xa0) ||
      (b === 0xed && b1 > 0x9f) ||
      (b === 0xf0 && b1 < 0x90) ||
      (b === 0xf4 && b1 > 0x8f)
    )
      return i
    i += need + 1
  }
  return -1
}

/** Reads one file safely: size limit before reading, NUL bytes, strict UTF-8. Returns text or an issue. */
export async function readManifestText(absolute: string, display: string): Promise<{text: string} | {issue: Issue}> {
  const fail = (code: string, message: string, at = {line: 1, col: 1}): {issue: Issue} => ({
    issue: {severity: 'error', file: display, ...at, code, message},
  })
  let handle
  try {
    handle = await open(absolute, 'r')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    return fail('file-unreadable', code === 'ENOENT' ? 'no such file' : `cannot read file (${code ?? 'error'})`)
  }
  try {
    const info = await handle.stat()
    if (info.size > MAX_MANIFEST_BYTES) {
      return fail(
        'file-too-large',
        `file is ${(info.size / 1024 / 1024).toFixed(1)} MB; manifests are limited to 5 MB (split it into several files)`,
      )
    }
    const bytes = await handle.readFile()
    if (bytes.length > MAX_MANIFEST_BYTES) return fail('file-too-large', 'file grew beyond 5 MB while being read')
    const nul = bytes.indexOf(0)
    if (nul >= 0)
      return fail(
        'binary-file',
        'binary file (contains a NUL byte); manifests must be UTF-8 YAML text',
        positionAt(bytes, nul),
      )
    try {
      const text = new TextDecoder('utf-8', {fatal: true, ignoreBOM: false}).decode(bytes)
      return {text}
    } catch {
      const offset = Math.max(0, findInvalidUtf8(bytes))
      return fail(
        'invalid-utf8',
        `file is not valid UTF-8 (invalid byte at offset ${offset}); save it as UTF-8`,
        positionAt(bytes, offset),
      )
    }
  } finally {
    await handle.close()
  }
}

/**
 * Loads every manifest: `paths` from the command line, else `source.manifests` globs. Returns every
 * issue of every file (syntax, schema, secrets, cross-file rules), sorted; never throws for bad input.
 * Throws UsageError when there is nothing to load at all.
 */
export async function loadManifestFiles(
  paths: readonly string[],
  source: ManifestSource,
  cwd: string = process.cwd(),
): Promise<LoadedManifests> {
  let found
  if (paths.length > 0) found = await findPathFiles(paths, cwd)
  else if (source.manifests.length > 0) found = await findGlobFiles(source, cwd)
  else {
    throw new UsageError('no manifests to read: pass PATH arguments or set `manifests` in seqsync.config.yaml', {
      hint: 'e.g. `seqsync validate manifests/` or `manifests: ["sequences/**/*.yaml"]` in seqsync.config.yaml',
    })
  }
  const issues: Issue[] = [...found.issues]
  const texts: ({text: string} | {issue: Issue})[] = []
  for (let i = 0; i < found.files.length; i += READ_CONCURRENCY) {
    const chunk = found.files.slice(i, i + READ_CONCURRENCY)
    texts.push(...(await Promise.all(chunk.map((f) => readManifestText(f.absolute, f.display)))))
  }
  const files: string[] = []
  const skipped: string[] = []
  const documents: ManifestDocument[] = []
  const brokenLists = new Set<string>()
  found.files.forEach(({display, explicit}, index) => {
    const read = texts[index]!
    if ('issue' in read) {
      files.push(display)
      issues.push(read.issue)
    } else if (!explicit && !mayBeSeqsyncManifest(read.text)) skipped.push(display)
    else {
      files.push(display)
      const parsed = parseManifest(read.text, display)
      issues.push(...parsed.issues)
      documents.push(...parsed.documents)
      for (const name of parsed.brokenLists) brokenLists.add(name)
    }
  })
  issues.push(...validateManifests(documents, brokenLists))
  return {files, skipped, documents, issues: sortIssues(issues)}
}
