// Where a repository starts, found the way git finds it: the nearest directory, from `dir` upwards,
// that holds `.git` (a directory, or the file of a worktree or submodule).
import {existsSync} from 'node:fs'
import path from 'node:path'

/** `dir` and its parents, nearest first, up to the directory holding `.git` (or the filesystem root). */
export function searchDirectories(dir: string): string[] {
  const dirs: string[] = []
  for (let current = path.resolve(dir); ; current = path.dirname(current)) {
    dirs.push(current)
    if (existsSync(path.join(current, '.git')) || path.dirname(current) === current) return dirs
  }
}

/** The directory holding the `.git` of the repository `dir` is in, or null outside any repository. */
export function findRepositoryRoot(dir: string): string | null {
  const top = searchDirectories(dir).at(-1)!
  return existsSync(path.join(top, '.git')) ? top : null
}
