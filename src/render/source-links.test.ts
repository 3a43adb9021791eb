import {describe, expect, it} from 'vitest'
import {parseLinkBase, sourceUrl} from './source-links.js'

describe('parseLinkBase', () => {
  it('accepts an https URL, without its trailing slash', () => {
    expect(parseLinkBase('https://github.com/acme/seq/blob/0123abc/')).toEqual({
      base: 'https://github.com/acme/seq/blob/0123abc',
    })
  })

  it.each([
    ['http://github.com/acme/seq/blob/abc', 'only https URLs are accepted'],
    ['javascript:alert(1)', 'only https URLs are accepted'],
    ['https://user:token@github.com/acme/seq', 'it must not carry credentials'],
    ['https://github.com/acme/seq?x=1', 'it must not have a query or a fragment'],
    ['https://github.com/acme/seq#top', 'it must not have a query or a fragment'],
    ['github.com/acme/seq', 'it is not an absolute URL'],
  ])('refuses %s', (value, refused) => {
    expect(parseLinkBase(value)).toEqual({refused})
  })
})

describe('sourceUrl', () => {
  const base = 'https://github.com/acme/seq/blob/abc'
  it('links a relative path to its line, every segment encoded', () => {
    expect(sourceUrl(base, {file: 'teams/q4 (new).yaml', line: 7, col: 1})).toBe(`${base}/teams/q4%20%28new%29.yaml#L7`)
    expect(sourceUrl(base, {file: './a/#b.yaml', line: 1, col: 1})).toBe(`${base}/a/%23b.yaml#L1`)
  })

  it.each(['/etc/passwd', '../other/a.yaml', 'a/../../b.yaml', 'C:\\\\x.yaml'])('does not link %s', (file) => {
    expect(sourceUrl(base, {file, line: 1, col: 1})).toBeNull()
  })
})
