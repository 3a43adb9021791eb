// Output files of a command (`plan --out`, `--markdown-out`): checked before any work, written
// atomically (a temp file in the same directory, then a rename), so a run never leaves a partial
// file and a bad path is a clear error, not "unexpected error: ENOENT".

import {randomBytes} from 'node:crypto'
import {open, rename, rm, stat} from 'node:fs/promises'
import {basename, dirname, join} from 'node:path'
import {UsageError} from '../errors.js'

function cannotWrite(path: string, why: string): UsageError {
  return new UsageError(`Cannot write ${path}: ${why}`, {
    hint: 'Create the directory first, or choose another path. Nothing was read from or written to Apollo.',
  })
}

/** Refuses output paths whose directory does not exist (or that name a directory), before any request. */
export async function assertWritableOutputs(paths: readonly string[]): Promise<void> {
  for (const path of paths) {
    const dir = dirname(path)
    const dirStat = await stat(dir).catch(() => null)
    if (dirStat === null) throw cannotWrite(path, `the directory ${dir} does not exist`)
    if (!dirStat.isDirectory()) throw cannotWrite(path, `${dir} is not a directory`)
    if ((await stat(path).catch(() => null))?.isDirectory() === true) throw cannotWrite(path, 'it is a directory')
  }
}

/** Writes `text` to `path` atomically with `mode`; a failure leaves no file behind and is a UsageError. */
export async function writeFileAtomic(path: string, text: string, mode: number): Promise<void> {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`)
  try {
    const handle = await open(temp, 'wx', mode)
    try {
      await handle.writeFile(text, 'utf8')
      await handle.sync()
    } finally {
      await handle.close()
    }
    await rename(temp, path)
  } catch (error) {
    await rm(temp, {force: true})
    const code = (error as {code?: unknown}).code
    if (typeof code === 'string') throw cannotWrite(path, describeFsError(code, dirname(path)))
    throw error
  }
}

function describeFsError(code: string, dir: string): string {
  switch (code) {
    case 'ENOENT':
      return `the directory ${dir} does not exist`
    case 'EACCES':
    case 'EPERM':
      return 'permission denied'
    case 'EISDIR':
      return 'it is a directory'
    case 'ENOTDIR':
      return `${dir} is not a directory`
    default:
      return code
  }
}
