// Which files `seqsync validate` reads, through the real process: symlinks (with loops), absolute and
// negated globs, globs matching nothing, globs and symlinks reaching outside the repository, a normal
// repository walked with `validate .`, and the config found from a subdirectory.
import {writeFileSync} from 'node:fs'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {lines, sequenceManifest, tempTree} from '../helpers/manifest-files.js'
import {runCli} from '../helpers/run-cli.js'

const seq = (name: string, email: string) => sequenceManifest(name, 'contacts:', `  - ${email}`)
const GIT = {'.git/HEAD': 'ref: refs/heads/main\n'}

describe('which manifest files are read (e2e)', () => {
  // m/ reaches three manifests only through symlinks: a file link, a directory link, and inside that
  // one a link whose target's path starts like its parent's (teams/a-common next to teams/a, which
  // tinyglobby's own link following drops), plus two loops (m/loop -> m, and teams/a/up -> teams,
  // whose a/ is m/team again). Each real file is read once.
  const SYMLINKS = {
    'm/own.yaml': seq('Own', 'o@x.com'),
    'm/shared.yaml': {link: '../shared/one.yaml'},
    'm/team': {link: '../teams/a'},
    'm/loop': {link: '.'},
    'shared/one.yaml': seq('Shared', 's@x.com'),
    'teams/a/two.yaml': seq('Team A', 'a@x.com'),
    'teams/a/common': {link: '../a-common'},
    'teams/a/up': {link: '..'},
    'teams/a-common/three.yaml': seq('Common', 'c@x.com'),
  }

  it('follows symlinks to files and directories in a directory walk and in globs, once per real file', async () => {
    const cwd = tempTree({...SYMLINKS, 'seqsync.config.yaml': 'manifests:\n  - "m/**/*.yaml"\n'})
    const walked = await runCli(['validate', 'm', '--json'], {cwd})
    expect(walked.code, walked.stdout).toBe(0)
    // three.yaml is reached twice (m/team/common/ and m/team/up/a-common/); m/team/up/a/ loops back.
    const files = ['m/own.yaml', 'm/shared.yaml', 'm/team/common/three.yaml', 'm/team/two.yaml']
    expect(JSON.parse(walked.stdout)).toMatchObject({valid: true, files, summary: {sequences: 4}})
    const globbed = await runCli(['validate', '--json'], {cwd})
    expect(globbed.code, globbed.stdout).toBe(0)
    expect(JSON.parse(globbed.stdout)).toMatchObject({valid: true, summary: {sequences: 4}})
  })

  it('honours absolute globs and negated globs', async () => {
    const cwd = tempTree({
      'sequences/q4.yaml': seq('Q4', 'q@x.com'),
      'sequences/archive/old.yaml': 'apiVersion: seqsync/v1\nkind: [broken\n',
    })
    writeFileSync(
      path.join(cwd, 'seqsync.config.yaml'),
      `manifests:\n  - ${JSON.stringify(path.join(cwd, 'sequences/**/*.yaml'))}\n  - "!./sequences/archive/**"\n`,
    )
    const result = await runCli(['validate'], {cwd})
    expect(result.stdout).toBe('OK: 1 file, 1 sequence, 1 contact\n')
    expect(result.code).toBe(0)
  })

  it('reports a glob that matches nothing at its config line, even when another glob matches', async () => {
    const cwd = tempTree({
      'sequences/q4.yaml': seq('Q4', 'q@x.com'),
      'seqsync.config.yaml': 'batchSize: 10\nmanifests:\n  - sequences/*.yaml\n  - lists/*.yaml\n',
    })
    const result = await runCli(['validate'], {cwd})
    expect(result.stdout).toBe(
      lines('seqsync.config.yaml:4:5: error: glob "lists/*.yaml" matches no file', '1 error, 0 warnings in 1 file'),
    )
    expect(result.code).toBe(1)
  })

  it('refuses config globs and symlinks that reach outside the repository; a walk skips such links; named files are read', async () => {
    const root = tempTree({
      // Each would be an error if it were read.
      'outside/x.yaml': 'apiVersion: seqsync/v1\nkind: Nope\n',
      'outside/deep/y.yaml': 'apiVersion: seqsync/v1\nkind: Nope\n',
      ...Object.fromEntries(Object.entries(GIT).map(([k, v]) => [`repo/${k}`, v])),
      'repo/sequences/q4.yaml': seq('Q4', 'q@x.com'),
      'repo/sequences/evil.yaml': {link: '../../outside/x.yaml'},
      'repo/sequences/ext': {link: '../../outside/deep'},
    })
    const repo = path.join(root, 'repo')
    const config = (...globs: string[]) =>
      writeFileSync(path.join(repo, 'seqsync.config.yaml'), `manifests:\n${globs.map((g) => `  - ${g}\n`).join('')}`)
    const outside = `outside the repository (${repo}); the manifests globs must stay inside it`

    config('../outside/*.yaml', JSON.stringify(path.join(root, 'outside/**/*.yaml')), 'sequences/q4.yaml')
    const globs = await runCli(['validate'], {cwd: repo})
    expect(globs.stdout).toBe(
      lines(
        `seqsync.config.yaml:2:5: error: glob "../outside/*.yaml" reaches ${outside}`,
        `seqsync.config.yaml:3:5: error: glob ${JSON.stringify(path.join(root, 'outside/**/*.yaml'))} reaches ${outside}`,
        '2 errors, 0 warnings in 1 file',
      ),
    )
    expect(globs.code).toBe(1)

    config('"sequences/**/*.yaml"')
    const links = await runCli(['validate'], {cwd: repo})
    const leads = (to: string) =>
      `leads outside the repository (to ${path.join(root, to)}); the config's manifests globs read only files inside ${repo}`
    expect(links.stdout).toBe(
      lines(
        `sequences/evil.yaml:1:1: error: ${leads('outside/x.yaml')}`,
        `sequences/ext:1:1: error: ${leads('outside/deep')}`,
        '2 errors, 0 warnings in 1 file',
      ),
    )
    expect(links.code).toBe(1)

    const given = await runCli(['validate', '../outside/x.yaml'], {cwd: repo})
    expect(given.stdout).toContain('../outside/x.yaml:2:7: error: unknown kind "Nope"')

    // A directory walk does not follow a symlink out of the repository: one warning line each.
    const walked = await runCli(['validate', 'sequences'], {cwd: repo})
    const skips = (link: string, to: string) =>
      `${link}:1:1: warning: symlink to ${path.join(root, to)} leads outside the repository (${repo}); not read`
    expect(walked.stdout).toBe(
      lines(
        skips('sequences/evil.yaml', 'outside/x.yaml'),
        skips('sequences/ext', 'outside/deep'),
        'OK: 1 file, 1 sequence, 1 contact (2 warnings)',
      ),
    )
    expect(walked.code).toBe(0)
  })

  it('`validate .` on a normal repository skips its config, workflow and compose files in one line', async () => {
    const cwd = tempTree({
      ...GIT,
      '.github/workflows/ci.yml': lines(
        'on: pull_request',
        'jobs:',
        '  plan:',
        '    runs-on: ubuntu-latest',
        '    secrets: inherit',
        '    steps:',
        '      - run: npx seqsync plan',
      ),
      'docker-compose.yml': 'services:\n  emulator:\n    image: node:20\n',
      'deploy/app.yaml': 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n',
      'seqsync.config.yaml': 'manifests: ["sequences/**/*.yaml"]\n',
      'sequences/q4.yaml': seq('Q4', 'q@x.com'),
      'sequences/broken.yaml': 'kind: ContactList\nname: [oops\n',
    })
    const result = await runCli(['validate', '.'], {cwd})
    expect(result.stdout).toBe(
      lines(
        'sequences/broken.yaml:3:1: error: YAML syntax error: Flow sequence in block collection must be sufficiently indented and end with a ]',
        'skipped 4 YAML files that are not seqsync manifests: .github/workflows/ci.yml, deploy/app.yaml, docker-compose.yml, seqsync.config.yaml',
        '1 error, 0 warnings in 2 files',
      ),
    )
    writeFileSync(path.join(cwd, 'sequences/broken.yaml'), seq('Other', 'b@x.com'))
    const fixed = await runCli(['validate', '.'], {cwd})
    expect(fixed.stdout).toBe(
      lines(
        'skipped 4 YAML files that are not seqsync manifests: .github/workflows/ci.yml, deploy/app.yaml, docker-compose.yml, seqsync.config.yaml',
        'OK: 2 files, 2 sequences, 2 contacts',
      ),
    )
    expect(fixed.code).toBe(0)
    // Named explicitly, a file is validated strictly.
    const named = await runCli(['validate', 'docker-compose.yml'], {cwd})
    expect(named.stdout).toContain('docker-compose.yml:1:1: error: missing required key "apiVersion"')
    expect(named.code).toBe(1)
  })

  it('finds the config from a subdirectory, as git finds .git, and never above the repository', async () => {
    const root = tempTree({
      'seqsync.config.yaml': 'batchSize: 0\n', // above the repository: never read
      ...Object.fromEntries(Object.entries(GIT).map(([k, v]) => [`repo/${k}`, v])),
      'repo/seqsync.config.yaml': 'manifests: ["sequences/**/*.yaml"]\n',
      'repo/sequences/q4.yaml': seq('Q4', 'q@x.com'),
      'repo/sequences/team/a.yaml': seq('A', 'a@x.com'),
      'other/.git/HEAD': 'ref: refs/heads/main\n',
      'other/sub/.keep': '',
    })
    const fromSub = await runCli(['validate', '--json'], {cwd: path.join(root, 'repo/sequences/team')})
    expect(fromSub.code, fromSub.stdout).toBe(0)
    expect(JSON.parse(fromSub.stdout)).toMatchObject({valid: true, files: ['../q4.yaml', 'a.yaml']})
    const noConfig = await runCli(['validate'], {cwd: path.join(root, 'other/sub')})
    expect(noConfig.stderr).toContain('Error: no manifests to read')
    expect(noConfig.code).toBe(1)
  })
})
