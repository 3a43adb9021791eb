import {readFileSync} from 'node:fs'
import {describe, expect, it} from 'vitest'
import {configSchema} from '../config/config-schema.js'
import {manifestSchema} from './schema.js'
import {getValidator} from './validate-schema.js'

describe('manifest schema', () => {
  it('schemas/manifest.schema.json is generated from src/manifest/schema.ts (npx tsx scripts/gen-manifest-schema.ts)', () => {
    const file = readFileSync(new URL('../../schemas/manifest.schema.json', import.meta.url), 'utf8')
    expect(file).toBe(JSON.stringify(manifestSchema, null, 2) + '\n')
  })

  it('compiles in strict mode, once, and enforces the email format', () => {
    const validate = getValidator(manifestSchema)
    expect(getValidator(manifestSchema)).toBe(validate)
    const doc = (email: string) => ({apiVersion: 'seqsync/v1', kind: 'ContactList', name: 'x', contacts: [email]})
    expect(validate(doc('jane@acme.com'))).toBe(true)
    expect(validate(doc('jane@acme'))).toBe(false)
    expect(validate.errors?.some((e) => e.keyword === 'format')).toBe(true)
  })

  it('config schema enforces ranges and the uri format', () => {
    const validate = getValidator(configSchema)
    expect(validate({batchSize: 100, concurrency: 4, apiUrl: 'http://127.0.0.1:1234/api/v1'})).toBe(true)
    expect(validate({batchSize: 1001})).toBe(false)
    expect(validate({concurrency: 0})).toBe(false)
    expect(validate({apiUrl: 'not a url'})).toBe(false)
  })
})
