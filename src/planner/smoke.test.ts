import {describe, expect, it} from 'vitest'
import {normalizeEmail, selectorKey} from '../model/state.js'

describe('model helpers', () => {
  it('normalises emails by trimming and lower-casing', () => {
    expect(normalizeEmail('  Jane@ACME.com ')).toBe('jane@acme.com')
  })
  it('keys selectors by kind', () => {
    expect(selectorKey({id: 'abc'})).toBe('id:abc')
    expect(selectorKey({name: 'Q4'})).toBe('name:Q4')
  })
})
