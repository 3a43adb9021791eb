import {describe, expect, it} from 'vitest'
import {isSecretKey, looksLikeCredential, quoteValue} from './secrets.js'

describe('secret detection', () => {
  it.each(['apiKey', 'api_key', 'API-KEY', 'token', 'accessToken', 'client_secret', 'password', 'authorization'])(
    'flags key %s',
    (key) => {
      expect(isSecretKey(key)).toBe(true)
    },
  )
  it.each(['contacts', 'mailbox', 'name', 'email', 'firstName', 'title', 'organization'])('accepts key %s', (key) => {
    expect(isSecretKey(key)).toBe(false)
  })
  it.each([
    'Xy7kPq2LmN9vRt4WzA8bC3dE',
    'ghp_abcdefghijklmnopqrstuvwxyz0123456789',
    'sk_live_abcdefghijklmnop',
    'AKIAABCDEFGHIJKLMNOP',
    'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.abc',
    'https://user:hunter22@example.com/x',
    '0123456789abcdef0123456789abcdef',
  ])('flags credential-shaped value %s', (value) => {
    expect(looksLikeCredential(value)).toBe(true)
    expect(quoteValue(value)).not.toContain(value)
  })
  it.each([
    'jane@acme.com',
    '66f0c1e2a4b5c6d7e8f90123',
    'Q4 Enterprise Outreach',
    'enterprise-champions-2024',
    'Q4EnterpriseOutreach2024',
    'https://api.apollo.io/api/v1',
    'Chief Technology Officer',
  ])('accepts ordinary value %s', (value) => {
    expect(looksLikeCredential(value)).toBe(false)
  })
})
