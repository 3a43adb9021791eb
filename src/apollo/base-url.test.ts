import {describe, expect, it} from 'vitest'
import {UsageError} from '../errors.js'
import {isApolloApiUrl, isLoopbackHost, parseBaseUrl} from './base-url.js'

describe('isLoopbackHost', () => {
  it('recognises loopback hosts only', () => {
    for (const h of ['127.0.0.1', '127.5.6.7', 'localhost', '[::1]', '::1']) expect(isLoopbackHost(h)).toBe(true)
    for (const h of ['10.0.0.1', 'api.apollo.io', '128.0.0.1', 'localhost.evil.com', '127.0.0.1.nip.io'])
      expect(isLoopbackHost(h)).toBe(false)
  })

  it('accepts subdomains of localhost and IPv4-mapped loopback', () => {
    for (const h of ['app.localhost', '0:0:0:0:0:0:0:1', '::ffff:127.0.0.1']) expect(isLoopbackHost(h)).toBe(true)
    expect(isLoopbackHost('::ffff:10.0.0.1')).toBe(false)
  })
})

describe('parseBaseUrl', () => {
  it('accepts https anywhere and http to loopback only', () => {
    expect(parseBaseUrl('https://api.apollo.io/api/v1').pathname).toBe('/api/v1')
    for (const ok of ['http://127.0.0.1:4010/api/v1', 'http://localhost:1/api/v1', 'http://[::1]:1/api/v1'])
      expect(parseBaseUrl(ok).protocol).toBe('http:')
    expect(() => parseBaseUrl('http://api.apollo.io/api/v1')).toThrow(/unencrypted/)
    expect(() => parseBaseUrl('http://10.1.2.3:4010/api/v1')).toThrow(UsageError)
  })

  it('refuses credentials, a query string or a fragment, which could carry the key', () => {
    for (const bad of [
      'https://user:secret@api.apollo.io/api/v1',
      'https://api.apollo.io/api/v1?api_key=sk_live',
      'https://api.apollo.io/api/v1#sk_live',
    ]) {
      expect(() => parseBaseUrl(bad)).toThrow(/credentials, a query string or a fragment/)
    }
  })

  it('refuses other protocols and text that is not a URL', () => {
    expect(() => parseBaseUrl('ftp://127.0.0.1/api/v1')).toThrow(/Unsupported protocol/)
    expect(() => parseBaseUrl('api.apollo.io')).toThrow(/Invalid Apollo base URL/)
  })
})

describe('isApolloApiUrl', () => {
  it("is true for Apollo's own API paths only", () => {
    for (const ok of [
      'https://api.apollo.io/api/v1',
      'https://api.apollo.io/api/v1/',
      'https://API.apollo.io:443/v1',
      'https://api.apollo.io/v1',
    ])
      expect(isApolloApiUrl(ok), ok).toBe(true)
    for (const bad of [
      'http://api.apollo.io/api/v1',
      'https://api.apollo.io:8443/api/v1',
      'https://api.apollo.io.attacker.example/api/v1',
      'https://attacker.example/api/v1',
      'https://api.apollo.io/api/v2',
      'https://api.apollo.io/api/v1?x=1',
      'https://u:p@api.apollo.io/api/v1',
      'http://127.0.0.1:4010/api/v1',
      'api.apollo.io/api/v1',
    ])
      expect(isApolloApiUrl(bad), bad).toBe(false)
  })
})
