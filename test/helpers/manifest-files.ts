// Manifest texts and temp directories of files for the manifest tests (unit and e2e).
import {mkdirSync, mkdtempSync, realpathSync, symlinkSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'

/** Lines joined with newlines, ending with one. */
export const lines = (...l: string[]): string => l.join('\n') + '\n'

/** A SequenceMembership for sequence `name` (mailbox sdr@acme.com), followed by `rest` lines. */
export const sequenceManifest = (name: string, ...rest: string[]): string =>
  lines(
    'apiVersion: seqsync/v1',
    'kind: SequenceMembership',
    'sequence:',
    `  name: ${name}`,
    'mailbox: sdr@acme.com',
    ...rest,
  )

/** A fresh temp directory (its real path) holding files and symlinks (`{link: target}`, relative to the link). */
export function tempTree(files: Readonly<Record<string, string | Buffer | {readonly link: string}>>): string {
  const dir = realpathSync(mkdtempSync(path.join(tmpdir(), 'seqsync-files-')))
  for (const [name, content] of Object.entries(files)) {
    const file = path.join(dir, name)
    mkdirSync(path.dirname(file), {recursive: true})
    if (typeof content === 'string' || Buffer.isBuffer(content)) writeFileSync(file, content)
    else symlinkSync(content.link, file)
  }
  return dir
}
