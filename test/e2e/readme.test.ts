// README.md is part of the product: its opening commands, its manifest reference and its exit codes
// must stay true to the code.
import {readFile} from 'node:fs/promises'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {describe, expect, it} from 'vitest'

import {manifestSchema} from '../../src/manifest/schema.js'

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
const readme = await readFile(join(root, 'README.md'), 'utf8')
const pkg = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as {scripts: Record<string, string>}

/** Every property name declared anywhere in a JSON Schema, with its path. */
function propertyNames(schema: unknown, path = ''): Map<string, string> {
  const names = new Map<string, string>()
  const visit = (node: unknown, at: string): void => {
    if (Array.isArray(node)) node.forEach((n, i) => visit(n, `${at}/${i}`))
    else if (node !== null && typeof node === 'object') {
      for (const [key, value] of Object.entries(node)) {
        if (key === 'properties' && value !== null && typeof value === 'object') {
          for (const name of Object.keys(value)) names.set(name, `${at}/properties/${name}`)
        }
        visit(value, `${at}/${key}`)
      }
    }
  }
  visit(schema, path)
  return names
}

describe('README.md', () => {
  it('opens with the two newcomer commands: the demo and the tests', () => {
    const firstBlock = /```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? ''
    const commands = firstBlock
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => l.replace(/\s+#.*$/, '').trim())
    expect(commands).toEqual(['npm ci && npm run demo', 'npm ci && npm test'])
    expect(readme.indexOf('```sh')).toBeLessThan(600)
    expect(pkg.scripts['demo']).toMatch(/scripts\/demo\.ts/)
    expect(pkg.scripts['test']).toBe('vitest run')
    expect(pkg.scripts['pretest']).toBe('npm run build')
  })

  it('documents every field of the manifest schema in the manifest reference', () => {
    const start = readme.indexOf('## Manifest reference')
    const end = readme.indexOf('\n## ', start + 1)
    const reference = readme.slice(start, end)
    expect(start).toBeGreaterThan(0)
    const missing = [...propertyNames(manifestSchema).entries()]
      .filter(([name]) => !new RegExp(`\\b${name}\\b`).test(reference))
      .map(([name, at]) => `${name} (${at})`)
    expect(missing).toEqual([])
  })

  it('lists every exit code seqsync uses', () => {
    const start = readme.indexOf('## Exit codes')
    const table = readme.slice(start, readme.indexOf('\n## ', start + 1))
    for (const code of ['0', '1', '2', '3']) expect(table).toMatch(new RegExp(`^\\| ${code} \\|`, 'm'))
  })
})
