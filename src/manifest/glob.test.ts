import {describe, expect, it} from 'vitest'
import {globToRegExp, hasMagic, staticPrefix} from './glob.js'

describe('globToRegExp', () => {
  it.each([
    ['sequences/**/*.yaml', 'sequences/a.yaml', true],
    ['sequences/**/*.yaml', 'sequences/x/y/a.yaml', true],
    ['sequences/**/*.yaml', 'other/a.yaml', false],
    ['sequences/*.yaml', 'sequences/x/a.yaml', false],
    ['*.{yaml,yml}', 'a.yml', true],
    ['*.{yaml,yml}', 'a.json', false],
    ['m?.yaml', 'm1.yaml', true],
    ['m[0-9].yaml', 'mx.yaml', false],
    ['a.b/*.yaml', 'axb/c.yaml', false],
    ['**/*.yaml', 'deep/er/x.yaml', true],
    ['**/*.yaml', 'x.yaml', true],
  ])('%s matches %s: %s', (pattern, file, expected) => {
    expect(globToRegExp(pattern).test(file)).toBe(expected)
  })

  it('finds the static prefix and magic', () => {
    expect(staticPrefix('sequences/**/*.yaml')).toBe('sequences')
    expect(staticPrefix('a/b/*.yaml')).toBe('a/b')
    expect(staticPrefix('*.yaml')).toBe('')
    expect(hasMagic('a/b.yaml')).toBe(false)
    expect(hasMagic('a/*.yaml')).toBe(true)
  })
})
