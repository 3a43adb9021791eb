import {symlinkSync, writeFileSync, mkdirSync} from 'node:fs'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {tempTree} from '../../test/helpers/manifest-files.js'
import {GLOB_DIRECTORY_LIMIT, findGlobFiles, findPathFiles} from './find-manifest-files.js'

/** d0/ … dN/, each with one file and two links (a/, b/) to the next level: 2^N paths to the last. */
function diamond(levels: number): string {
  const cwd = tempTree({'.git/HEAD': 'ref: refs/heads/main\n'})
  for (let i = 0; i <= levels; i++) {
    mkdirSync(path.join(cwd, `d${i}`))
    writeFileSync(path.join(cwd, `d${i}`, `f${i}.yaml`), 'kind: ContactList\n')
    if (i < levels) {
      symlinkSync(`../d${i + 1}`, path.join(cwd, `d${i}`, 'a'))
      symlinkSync(`../d${i + 1}`, path.join(cwd, `d${i}`, 'b'))
    }
  }
  return cwd
}

describe('finding manifest files', () => {
  it('walks a 20-level symlink diamond reading each real directory and file once', async () => {
    const cwd = diamond(20)
    const found = await findPathFiles(['d0'], cwd)
    expect(found.issues).toEqual([])
    expect(found.directoriesRead).toBe(21)
    // Each file once, at the first path a sorted walk reaches it by.
    expect(found.files.map((f) => f.display)).toEqual(
      Array.from({length: 21}, (_, i) => `d0/${'a/'.repeat(i)}f${i}.yaml`).sort(),
    )
    const globbed = await findGlobFiles({manifests: ['d0/**/*.yaml'], manifestSources: []}, cwd)
    expect(globbed.issues).toEqual([])
    expect(globbed.directoriesRead).toBe(21)
    // Found through links, a glob's file is shown at its real path.
    expect(globbed.files.map((f) => f.display)).toEqual(Array.from({length: 21}, (_, i) => `d${i}/f${i}.yaml`).sort())
  })

  it('a glob that depends on more than file names stops at its directory bound in a diamond, at its config line', async () => {
    const cwd = diamond(16) // 2^16 paths to d16
    const where = {file: 'seqsync.config.yaml', line: 3, col: 5}
    const found = await findGlobFiles({manifests: ['d0/**/a/*.yaml'], manifestSources: [where]}, cwd)
    expect(found.directoriesRead).toBe(GLOB_DIRECTORY_LIMIT)
    expect(found.files).toEqual([])
    expect(found.issues).toMatchObject([
      {
        ...where,
        severity: 'error',
        code: 'glob-too-many-directories',
        message: expect.stringMatching(/^glob "d0\/\*\*\/a\/\*\.yaml" reaches more than 10,000 directories/),
      },
    ])
  })

  it('a directory walk skips, with a warning, a symlink that leads outside the repository', async () => {
    const root = tempTree({
      'outside/x.yaml': 'kind: Nope\n',
      'outside/deep/y.yaml': 'kind: Nope\n',
      'repo/.git/HEAD': 'ref: refs/heads/main\n',
      'repo/sequences/q4.yaml': 'kind: ContactList\n',
      'repo/sequences/evil.yaml': {link: '../../outside/x.yaml'},
      'repo/sequences/ext': {link: '../../outside/deep'},
      'repo/sequences/ok': {link: '../shared'},
      'repo/shared/s.yaml': 'kind: ContactList\n',
    })
    const repo = path.join(root, 'repo')
    const found = await findPathFiles(['sequences'], repo)
    expect(found.files.map((f) => f.display)).toEqual(['sequences/ok/s.yaml', 'sequences/q4.yaml'])
    expect(found.issues.map((i) => `${i.severity} ${i.file} ${i.code}: ${i.message}`)).toEqual([
      `warning sequences/evil.yaml outside-repository: symlink to ${path.join(root, 'outside/x.yaml')} leads outside the repository (${repo}); not read`,
      `warning sequences/ext outside-repository: symlink to ${path.join(root, 'outside/deep')} leads outside the repository (${repo}); not read`,
    ])
    // Named on the command line, a file is read where it is.
    const named = await findPathFiles(['../outside/x.yaml'], repo)
    expect(named.files.map((f) => f.display)).toEqual(['../outside/x.yaml'])
    expect(named.issues).toEqual([])
  })
})
