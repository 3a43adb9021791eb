import {mkdtempSync, mkdirSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {ConfigError} from '../errors.js'
import {loadConfig} from './load-config.js'

function tempDir(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'seqsync-config-'))
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), {recursive: true})
    writeFileSync(path.join(dir, name), content)
  }
  return dir
}

async function configError(promise: Promise<unknown>): Promise<ConfigError> {
  try {
    await promise
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError)
    return error as ConfigError
  }
  throw new Error('expected a ConfigError')
}

describe('loadConfig', () => {
  it('returns defaults when there is no config file', async () => {
    const dir = tempDir({})
    const {config, file} = await loadConfig({cwd: dir})
    expect(file).toBeNull()
    expect(config).toEqual({
      manifests: [],
      manifestSources: [],
      apiUrl: null,
      batchSize: 100,
      concurrency: 4,
      safety: {maxAdds: 500, maxRemovals: 50, maxRemovalPercent: 25, minSequenceSize: 10},
      maskEmails: false,
      baseDir: dir,
    })
  })

  it('finds seqsync.config.yaml and applies defaults to missing keys', async () => {
    const dir = tempDir({
      'seqsync.config.yaml': 'manifests: ["sequences/**/*.yaml"]\nbatchSize: 10\nsafety:\n  maxRemovals: 5\n',
    })
    const {config, file} = await loadConfig({cwd: dir})
    expect(file).toBe('seqsync.config.yaml')
    expect(config.manifests).toEqual(['sequences/**/*.yaml'])
    expect(config.batchSize).toBe(10)
    expect(config.safety).toEqual({maxAdds: 500, maxRemovals: 5, maxRemovalPercent: 25, minSequenceSize: 10})
  })

  it('reads package.json#seqsync and .seqsyncrc.json', async () => {
    const pkg = tempDir({'package.json': JSON.stringify({name: 'x', seqsync: {concurrency: 2}}, null, 2)})
    expect((await loadConfig({cwd: pkg})).config.concurrency).toBe(2)
    const rc = tempDir({'.seqsyncrc.json': '{"maskEmails": true}'})
    expect(await loadConfig({cwd: rc})).toMatchObject({file: '.seqsyncrc.json', config: {maskEmails: true}})
  })

  it('reports schema errors with positions, including inside package.json', async () => {
    const dir = tempDir({'seqsync.config.yml': 'batchSize: 5000\nconcurency: 2\n'})
    const error = await configError(loadConfig({cwd: dir}))
    expect(error.issues.map((i) => `${i.file}:${i.line}:${i.col}: ${i.message}`)).toEqual([
      'seqsync.config.yml:1:12: batchSize must be <= 1000',
      'seqsync.config.yml:2:1: unknown key "concurency"; did you mean "concurrency"?',
    ])
    const pkg = tempDir({'package.json': '{\n  "name": "x",\n  "seqsync": {\n    "concurrency": 99\n  }\n}\n'})
    const pkgError = await configError(loadConfig({cwd: pkg}))
    expect(pkgError.issues.map((i) => `${i.file}:${i.line}:${i.col}`)).toEqual(['package.json:4:20'])
  })

  it("accepts only Apollo's own API as apiUrl, pointing at the line of any other host", async () => {
    for (const ok of ['https://api.apollo.io/api/v1', 'https://api.apollo.io/v1/']) {
      const dir = tempDir({'seqsync.config.yaml': `apiUrl: ${ok}\n`})
      expect((await loadConfig({cwd: dir})).config.apiUrl).toBe(ok)
    }
    const hostile = tempDir({'seqsync.config.yaml': 'batchSize: 5\napiUrl: https://attacker.example/api/v1\n'})
    const error = await configError(loadConfig({cwd: hostile}))
    expect(error.issues.map((i) => `${i.file}:${i.line}:${i.col} ${i.code}`)).toEqual([
      'seqsync.config.yaml:2:9 api-url-not-apollo',
    ])
    expect(error.issues[0]?.message).toContain('"attacker.example"')
    expect(error.issues[0]?.message).toContain('SEQSYNC_API_URL')
    // Credentials in the URL are a secret of their own; neither issue repeats them.
    const withCredentials = tempDir({'.seqsyncrc.yaml': 'apiUrl: https://user:pw1234@api.apollo.io.evil/api/v1\n'})
    const credentialsError = await configError(loadConfig({cwd: withCredentials}))
    expect(credentialsError.issues.map((i) => i.code)).toEqual(['secret', 'api-url-not-apollo'])
    expect(JSON.stringify(credentialsError.issues)).not.toContain('pw1234')
    // package.json#seqsync is part of the repository too, and so is a loopback emulator URL.
    const pkg = tempDir({
      'package.json': '{\n  "seqsync": {\n    "apiUrl": "http://127.0.0.1:4010/api/v1"\n  }\n}\n',
    })
    const pkgError = await configError(loadConfig({cwd: pkg}))
    expect(pkgError.issues.map((i) => `${i.file}:${i.line}:${i.col} ${i.code}`)).toEqual([
      'package.json:3:15 api-url-not-apollo',
    ])
  })

  it('reports YAML syntax errors with positions', async () => {
    const dir = tempDir({'.seqsyncrc.yaml': 'batchSize: 1\nbatchSize: 2\n'})
    const error = await configError(loadConfig({cwd: dir}))
    expect(error.issues.map((i) => `${i.line}:${i.col} ${i.code}`)).toEqual(['2:1 duplicate-key'])
  })

  it('refuses an API key in the config without echoing it', async () => {
    const secret = 'Xy7kPq2LmN9vRt4WzA8bC3dE'
    const dir = tempDir({'seqsync.config.yaml': `apiKey: ${secret}\n`})
    const error = await configError(loadConfig({cwd: dir}))
    expect(error.issues.map((i) => `${i.line}:${i.col} ${i.code}`)).toEqual(['1:1 secret'])
    expect(JSON.stringify(error.issues) + error.message).not.toContain(secret)
  })

  it('never loads code configs', async () => {
    const dir = tempDir({'seqsync.config.js': 'throw new Error("executed")', 'x.yaml': 'batchSize: 3\n'})
    await configError(loadConfig({cwd: dir, configPath: 'seqsync.config.js'}))
    expect((await loadConfig({cwd: dir, configPath: 'x.yaml'})).config.batchSize).toBe(3)
    expect((await loadConfig({cwd: dir})).file).toBeNull() // .js is not a search place
    await configError(loadConfig({cwd: dir, configPath: 'missing.yaml'}))
  })
})
