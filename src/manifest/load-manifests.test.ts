import {mkdtempSync, mkdirSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {UsageError} from '../errors.js'
import {findInvalidUtf8, loadManifestFiles} from './load-manifests.js'

const LIST = 'apiVersion: seqsync/v1\nkind: ContactList\nname: NAME\ncontacts:\n  - a@x.com\n'

function tempDir(files: Record<string, string | Buffer>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'seqsync-load-'))
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), {recursive: true})
    writeFileSync(path.join(dir, name), content)
  }
  return dir
}

const show = (issues: readonly {file: string; line: number; col: number; code: string}[]) =>
  issues.map((i) => `${i.file}:${i.line}:${i.col} ${i.code}`)

describe('loadManifestFiles', () => {
  it('walks directories recursively for *.yaml/*.yml, sorted, relative to cwd, skipping node_modules', async () => {
    const dir = tempDir({
      'm/b.yml': LIST.replace('NAME', 'b'),
      'm/sub/a.yaml': LIST.replace('NAME', 'a'),
      'm/notes.txt': 'x',
      'm/node_modules/x.yaml': 'bad: [',
    })
    const loaded = await loadManifestFiles(['m'], {manifests: [], manifestSources: []}, dir)
    expect(loaded.files).toEqual(['m/b.yml', 'm/sub/a.yaml'])
    expect(loaded.issues).toEqual([])
    expect(loaded.documents.map((d) => (d.kind === 'ContactList' ? d.name : ''))).toEqual(['b', 'a'])
  })

  it('expands config globs relative to the base dir; a glob matching nothing is an error at its line', async () => {
    const dir = tempDir({
      'seq/x/a.yaml': LIST.replace('NAME', 'a'),
      'seq/b.yaml': LIST.replace('NAME', 'b'),
      'other/c.yaml': LIST,
    })
    const at = {file: 'seqsync.config.yaml', line: 2, col: 5}
    const loaded = await loadManifestFiles([], {manifests: ['seq/**/*.yaml'], manifestSources: [at], baseDir: dir}, dir)
    expect(loaded.files).toEqual(['seq/b.yaml', 'seq/x/a.yaml'])
    const none = await loadManifestFiles([], {manifests: ['nothing/*.yaml'], manifestSources: [at], baseDir: dir}, dir)
    expect(none.issues).toEqual([
      {...at, severity: 'error', code: 'glob-no-match', message: 'glob "nothing/*.yaml" matches no file'},
    ])
    await expect(loadManifestFiles([], {manifests: [], manifestSources: []}, dir)).rejects.toBeInstanceOf(UsageError)
  })

  it('reports missing paths, binary, non-UTF-8, oversized and empty files clearly', async () => {
    const dir = tempDir({
      'bin.yaml': Buffer.from('a: 1\nb: \u0000\n'),
      'latin1.yaml': Buffer.concat([Buffer.from('name: caf'), Buffer.from([0xe9]), Buffer.from('\n')]),
      'big.yaml': Buffer.alloc(5 * 1024 * 1024 + 1, 0x20),
      'empty.yaml': '',
    })
    const loaded = await loadManifestFiles(
      ['bin.yaml', 'latin1.yaml', 'big.yaml', 'empty.yaml', 'gone.yaml'],
      {manifests: [], manifestSources: []},
      dir,
    )
    expect(show(loaded.issues)).toEqual([
      'big.yaml:1:1 file-too-large',
      'bin.yaml:2:4 binary-file',
      'empty.yaml:1:1 empty-file',
      'gone.yaml:1:1 file-not-found',
      'latin1.yaml:1:10 invalid-utf8',
    ])
    expect(loaded.issues.find((i) => i.code === 'empty-file')?.severity).toBe('warning')
  })

  it('reports cross-file problems after per-file ones, all sorted', async () => {
    const dir = tempDir({
      'a.yaml': LIST.replace('NAME', 'x'),
      'b.yaml': LIST.replace('NAME', 'x') + '---\nkind: Nope\n',
    })
    const loaded = await loadManifestFiles(['.'], {manifests: [], manifestSources: []}, dir)
    expect(show(loaded.issues)).toEqual([
      'b.yaml:3:7 duplicate-list',
      'b.yaml:7:1 missing-key',
      'b.yaml:7:7 unknown-kind',
    ])
  })

  it('finds the first invalid UTF-8 byte', () => {
    expect(findInvalidUtf8(Buffer.from('héllo', 'utf8'))).toBe(-1)
    expect(findInvalidUtf8(Buffer.from([0x61, 0xc3]))).toBe(1)
    expect(findInvalidUtf8(Buffer.from([0x61, 0xed, 0xa0, 0x80]))).toBe(1) // surrogate
    expect(findInvalidUtf8(Buffer.from([0xff]))).toBe(0)
  })
})
