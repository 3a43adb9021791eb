// I/O: which files a run reads. CLI PATH arguments are read as given (a directory is walked for
// *.yaml / *.yml); the config's `manifests` globs (tinyglobby: `**`, braces, `!negation`, absolute
// paths) must stay inside the repository. Symlinks to files and directories are followed, but each
// real directory is entered once and each real file read once (a loop, or a "diamond" of links to
// one directory, costs one visit, not one per path); a directory walk does not follow a symlink out
// of the repository (it warns), and a config glob reaching outside it is an error.
import type {Dirent} from 'node:fs'
import {readdir, realpath, stat} from 'node:fs/promises'
import path from 'node:path'
import {escapePath, glob, isDynamicPattern} from 'tinyglobby'
import type {FileSystemAdapter} from 'tinyglobby'
import type {Issue} from '../errors.js'
import type {SourceRef} from '../model/state.js'
import {findRepositoryRoot} from './repository-root.js'

export interface ManifestSource {
  /** Glob patterns (relative to baseDir, or absolute) used when no path is given on the command line. */
  readonly manifests: readonly string[]
  /** Where each glob is written in the config file (same order as `manifests`). */
  readonly manifestSources: readonly SourceRef[]
  /** Directory the globs are relative to (the config file's directory, or cwd). */
  readonly baseDir?: string
}

export interface FoundFile {
  readonly absolute: string
  /** As displayed: relative to cwd, POSIX separators. */
  readonly display: string
  /**
   * Named on its own (a file PATH, a glob without wildcards): validated strictly. A file found by a
   * directory walk or a wildcard is skipped when it is plainly not a seqsync document.
   */
  readonly explicit: boolean
}

export interface FoundFiles {
  /** Each real file once, sorted by display path. */
  readonly files: readonly FoundFile[]
  readonly issues: readonly Issue[]
  /** How many directories were listed (each real directory at most once per walk or glob). */
  readonly directoriesRead: number
}

const YAML_FILES = '**/*.{yaml,yml}'
const NEVER_SEARCHED = ['**/node_modules/**', '**/.git/**']
const NEVER_WALKED: ReadonlySet<string> = new Set(['node_modules', '.git'])
const YAML_NAME = /\.ya?ml$/

function toPosix(p: string): string {
  return p.split(path.sep).join('/')
}

function isInside(root: string, target: string): boolean {
  const relative = path.relative(root, target)
  return relative !== '..' && !relative.startsWith(`..${path.sep}`) && !path.isAbsolute(relative)
}

function at(file: string, code: string, message: string, line = 1, col = 1): Issue {
  return {severity: 'error', file, line, col, code, message}
}

/** A symlink seen as what it points to (a dangling one as a file, so that reading it reports it). */
function followed(name: string, directory: boolean): Dirent {
  const entry = {name, isSymbolicLink: () => false, isFile: () => !directory, isDirectory: () => directory}
  return entry as unknown as Dirent // the crawler reads only these four members
}

/**
 * The file system the crawler sees: symlinks appear as the files and directories they point to, a
 * directory that loops back to an ancestor reads as empty, and with `inside` set a directory whose
 * real path is outside it reads as empty and is reported through `onEscape`. With `once`, a real
 * directory already listed reads as empty (right when what matches depends only on file names).
 */
function followingFs(
  inside: string | null,
  once: boolean,
  onEscape: (logical: string, real: string) => void,
  onList: () => boolean,
): FileSystemAdapter {
  const realOf = new Map<string, string>()
  const listedReal = new Set<string>()
  async function entries(dir: string): Promise<Dirent[]> {
    const logical = path.resolve(dir)
    const real = await realpath(logical)
    realOf.set(logical, real)
    if (inside !== null && !isInside(inside, real)) {
      onEscape(logical, real)
      return []
    }
    if (once && listedReal.has(real)) return []
    for (let up = path.dirname(logical); realOf.has(up); up = path.dirname(up)) {
      if (realOf.get(up) === real) return [] // a symlink loop
      if (path.dirname(up) === up) break
    }
    listedReal.add(real)
    if (!onList()) return []
    const listed = await readdir(logical, {withFileTypes: true})
    return Promise.all(
      listed.map(async (entry) => {
        if (!entry.isSymbolicLink()) return entry
        const info = await stat(path.join(logical, entry.name)).catch(() => null)
        return followed(entry.name, info?.isDirectory() ?? false)
      }),
    )
  }
  const adapted = (dir: string, _options: unknown, callback: (error: Error | null, entries: Dirent[]) => void) => {
    entries(dir).then(
      (list) => callback(null, list),
      (error: unknown) => callback(error as Error, []),
    )
  }
  return {readdir: adapted as unknown as NonNullable<FileSystemAdapter['readdir']>}
}

interface Crawl {
  readonly cwd: string
  readonly dot: boolean
  readonly ignore: readonly string[]
  /** Real path every directory and file must be inside (config globs), or null (CLI paths). */
  readonly inside: string | null
}

interface Escape {
  readonly logical: string
  readonly real: string
}

/**
 * Whether what `pattern` matches under its fixed prefix depends only on file names (`dir/**\/*.yaml`):
 * then a directory reached by two paths matches the same files at both, and is listed once.
 */
function matchesByName(pattern: string): boolean {
  const prefix = fixedPrefix(pattern)
  const rest = prefix === '.' ? pattern : pattern.slice(prefix.length).replace(/^\/+/, '')
  return /^\*\*\/[^/]+$/.test(rest) && !rest.slice(3).includes('**')
}

/**
 * Directory listings one glob may make. A glob whose match depends on more than file names lists a
 * directory once per path that reaches it, and symlinks (a "diamond" of links, which a pull request
 * can commit) can make those paths exponential: past this bound the glob is an error, not a hang.
 */
export const GLOB_DIRECTORY_LIMIT = 10_000

/** Absolute paths matching `pattern`, and the directories whose real path is outside `crawl.inside`. */
async function crawl(
  pattern: string,
  options: Crawl,
): Promise<{matches: string[]; escapes: Escape[]; directoriesRead: number; exceeded: boolean}> {
  const escapes: Escape[] = []
  let directoriesRead = 0
  let exceeded = false
  const matches = await glob(pattern, {
    cwd: options.cwd,
    absolute: true,
    dot: options.dot,
    ignore: [...NEVER_SEARCHED, ...options.ignore],
    expandDirectories: false,
    followSymbolicLinks: false, // followingFs follows them, with real-path loop detection
    fs: followingFs(
      options.inside,
      matchesByName(pattern),
      (logical, real) => escapes.push({logical, real}),
      () => {
        if (directoriesRead >= GLOB_DIRECTORY_LIMIT) exceeded = true
        else directoriesRead++
        return !exceeded
      },
    ),
  })
  return {matches, escapes, directoriesRead, exceeded}
}

/** The leading part of a pattern without wildcards (`sequences/**\/*.yaml` -> `sequences`). */
function fixedPrefix(pattern: string): string {
  const parts = path.posix.normalize(pattern).split('/')
  const fixed: string[] = []
  for (const part of parts.slice(0, -1)) {
    if (isDynamicPattern(part)) break
    fixed.push(part)
  }
  return fixed.join('/') || (path.posix.isAbsolute(pattern) ? '/' : '.')
}

async function isDirectory(absolute: string): Promise<boolean> {
  return (await stat(absolute).catch(() => null))?.isDirectory() ?? false
}

class Collector {
  readonly issues: Issue[] = []
  private readonly byReal = new Map<string, FoundFile[]>()
  directoriesRead = 0
  constructor(
    private readonly cwd: string,
    /** Real path of the repository, for config globs; null for CLI paths. */
    readonly inside: string | null,
  ) {}

  display(absolute: string): string {
    return toPosix(path.relative(this.cwd, absolute)) || path.basename(absolute)
  }

  escaped(absolute: string, real: string): void {
    this.issues.push(
      at(
        this.display(absolute),
        'outside-repository',
        `leads outside the repository (to ${real}); the config's manifests globs read only files inside ${this.inside ?? ''}`,
      ),
    )
  }

  /**
   * A found file, kept once per real path. `shownAt` is how it is displayed: where it was found (a
   * directory walk, whose order is fixed), or its real path (a glob, whose crawl order is not).
   */
  async add(absolute: string, explicit: boolean, shownAt: 'found' | 'real' = 'found'): Promise<void> {
    // A dangling symlink keeps its own path: reading it reports it.
    const real = await realpath(absolute).catch(() => absolute)
    if (this.inside !== null && !isInside(this.inside, real)) {
      this.escaped(absolute, real)
      return
    }
    const found = {absolute, display: this.display(shownAt === 'real' ? real : absolute), explicit}
    this.byReal.set(real, [...(this.byReal.get(real) ?? []), found])
  }

  /** One entry per real file: its own path when it was found there, else the first alias; strict if any alias is. */
  files(): FoundFile[] {
    const files: FoundFile[] = []
    for (const [real, aliases] of this.byReal) {
      const sorted = [...aliases].sort((a, b) => (a.display < b.display ? -1 : a.display > b.display ? 1 : 0))
      const chosen = sorted.find((f) => f.absolute === real) ?? sorted[0]!
      files.push({...chosen, explicit: aliases.some((f) => f.explicit)})
    }
    return files.sort((a, b) => (a.display < b.display ? -1 : a.display > b.display ? 1 : 0))
  }

  result(): FoundFiles {
    return {files: this.files(), issues: this.issues, directoriesRead: this.directoriesRead}
  }
}

const byName = (a: Dirent, b: Dirent): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)

/**
 * The *.yaml / *.yml files under `dir`, depth first in name order (dot directories too; never
 * node_modules or .git). Symlinks are followed, each real directory entered once (at the first path
 * the walk reaches it by), and a symlink whose real path is outside `root` is skipped with a warning.
 */
async function walkDirectory(dir: string, {root, what}: WalkRoot, found: Collector): Promise<string[]> {
  const files: string[] = []
  const entered = new Set<string>()
  const outside = (link: string, real: string): void => {
    found.issues.push({
      ...at(found.display(link), 'outside-repository', `symlink to ${real} leads outside ${what}; not read`),
      severity: 'warning',
    })
  }
  async function visit(logical: string, real: string): Promise<void> {
    if (entered.has(real)) return
    entered.add(real)
    found.directoriesRead++
    const entries = (await readdir(logical, {withFileTypes: true})).sort(byName)
    for (const entry of entries) {
      const child = path.join(logical, entry.name)
      if (entry.isSymbolicLink()) {
        const target = await realpath(child).catch(() => null)
        if (target === null) {
          if (YAML_NAME.test(entry.name)) files.push(child) // dangling: reading it reports it
          continue
        }
        if (!isInside(root, target)) {
          outside(child, target)
          continue
        }
        const info = await stat(target).catch(() => null)
        if (info?.isDirectory()) {
          if (!NEVER_WALKED.has(entry.name)) await visit(child, target)
        } else if (YAML_NAME.test(entry.name)) files.push(child)
      } else if (entry.isDirectory()) {
        if (!NEVER_WALKED.has(entry.name)) await visit(child, path.join(real, entry.name))
      } else if (YAML_NAME.test(entry.name)) files.push(child)
    }
  }
  await visit(dir, await realpath(dir))
  return files
}

interface WalkRoot {
  /** The real path a walk stays in. */
  readonly root: string
  /** It, in words. */
  readonly what: string
}

/** Where a walk of `dir` must stay: its repository, else the current directory, else `dir` when it is outside that. */
async function walkRoot(dir: string, cwd: string): Promise<WalkRoot> {
  const real = await realpath(dir)
  const repository = findRepositoryRoot(dir) ?? findRepositoryRoot(cwd)
  const top = await realpath(repository ?? cwd)
  if (!isInside(top, real)) return {root: real, what: `the directory walked (${real})`}
  return {root: top, what: repository === null ? `the current directory (${top})` : `the repository (${top})`}
}

/**
 * CLI PATH arguments: files as given, directories walked (see walkDirectory). A symlink a walk meets
 * that leads outside the repository is skipped with a warning; a file named on its own is read as given.
 */
export async function findPathFiles(paths: readonly string[], cwd: string): Promise<FoundFiles> {
  const found = new Collector(cwd, null)
  for (const given of paths) {
    const absolute = path.resolve(cwd, given)
    const info = await stat(absolute).catch(() => null)
    if (info === null) {
      found.issues.push(at(toPosix(given), 'file-not-found', 'no such file or directory'))
    } else if (info.isDirectory()) {
      const matches = await walkDirectory(absolute, await walkRoot(absolute, cwd), found)
      if (matches.length === 0)
        found.issues.push(at(toPosix(given), 'no-manifests', 'directory contains no *.yaml or *.yml files'))
      for (const file of matches) await found.add(file, false)
    } else await found.add(absolute, true)
  }
  return found.result()
}
/**
 * The config's globs, relative to baseDir: `!pattern` excludes from every other glob; a glob naming a
 * directory walks it for YAML files; a glob that matches nothing, or that reaches (itself or through a
 * symlink) outside the repository — the directory holding `.git`, else baseDir — is an error.
 */
export async function findGlobFiles(source: ManifestSource, cwd: string): Promise<FoundFiles> {
  const baseDir = path.resolve(source.baseDir ?? cwd)
  const repository = findRepositoryRoot(baseDir) ?? baseDir
  const found = new Collector(cwd, await realpath(repository))
  const patterns = source.manifests.map((raw, i) => ({
    raw,
    negated: raw.startsWith('!'),
    pattern: toPosix(raw.replace(/^!/, '')).replace(/^\.\//, ''),
    // Programmatic callers may pass globs without their config positions.
    source: source.manifestSources[i] ?? {file: 'seqsync config', line: 1, col: 1},
  }))
  const ignore = patterns.filter((p) => p.negated).map((p) => p.pattern)
  for (const {raw, negated, pattern, source: where} of patterns) {
    if (negated) continue
    const globIssue = (message: string, code: string): Issue =>
      at(where.file, code, `glob ${JSON.stringify(raw)} ${message}`, where.line, where.col)
    if (!isInside(repository, path.resolve(baseDir, fixedPrefix(pattern)))) {
      found.issues.push(
        globIssue(
          `reaches outside the repository (${repository}); the manifests globs must stay inside it`,
          'outside-repository',
        ),
      )
      continue
    }
    const literal = !isDynamicPattern(pattern)
    const directory = literal && (await isDirectory(path.resolve(baseDir, pattern)))
    const {matches, escapes, directoriesRead, exceeded} = await crawl(
      directory ? `${escapePath(pattern.replace(/\/+$/, ''))}/${YAML_FILES}` : pattern,
      {cwd: baseDir, dot: directory, ignore, inside: found.inside},
    )
    found.directoriesRead += directoriesRead
    if (exceeded) {
      found.issues.push(
        globIssue(
          `reaches more than ${GLOB_DIRECTORY_LIMIT.toLocaleString('en-US')} directories (symlinks that lead to the same directories by many paths?): narrow it, or end it with **/*.yaml`,
          'glob-too-many-directories',
        ),
      )
      continue
    }
    for (const {logical, real} of escapes) found.escaped(logical, real)
    if (matches.length === 0 && escapes.length === 0) found.issues.push(globIssue('matches no file', 'glob-no-match'))
    for (const file of matches) await found.add(file, literal && !directory, 'real')
  }
  return found.result()
}
