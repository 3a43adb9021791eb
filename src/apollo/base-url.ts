// The Apollo base-URL policy: https, or plain http only to a loopback address (the emulator), and
// nothing in the URL that could carry a secret (credentials, a query string, a fragment). Only
// Apollo's own API may be named by a file in the repository (isApolloApiUrl). Pure.

import {UsageError} from '../errors.js'

/** Apollo's own API (the default) and its legacy path: the only base URLs a config file may name. */
export const APOLLO_API_URLS = ['https://api.apollo.io/api/v1', 'https://api.apollo.io/v1'] as const

/** True for Apollo's own API (APOLLO_API_URLS, a trailing slash allowed) and nothing else. */
export function isApolloApiUrl(text: string): boolean {
  let url: URL
  try {
    url = new URL(text)
  } catch {
    return false
  }
  if (url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '') return false
  const base = `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, '')}`
  return (APOLLO_API_URLS as readonly string[]).includes(base)
}

/** True for 127.0.0.0/8, ::1 and localhost. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase()
  if (host === 'localhost' || host.endsWith('.localhost')) return true
  if (host === '::1' || host === '0:0:0:0:0:0:0:1') return true
  if (host.startsWith('::ffff:')) return isLoopbackHost(host.slice(7))
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)
}

/** The base URL the client may send the API key to, or a UsageError saying why not. */
export function parseBaseUrl(baseUrl: string): URL {
  let url: URL
  try {
    url = new URL(baseUrl)
  } catch {
    throw new UsageError(`Invalid Apollo base URL: ${JSON.stringify(baseUrl)}`)
  }
  if (url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '') {
    throw new UsageError('The Apollo base URL must not contain credentials, a query string or a fragment', {
      hint: 'Pass the API key through APOLLO_API_KEY; it is sent only in the x-api-key header.',
    })
  }
  if (url.protocol === 'https:') return url
  if (url.protocol === 'http:') {
    if (isLoopbackHost(url.hostname)) return url
    throw new UsageError(`Refusing plain http to ${url.hostname}: the API key would travel unencrypted`, {
      hint: 'Use https, or http only to a loopback address (127.0.0.1, ::1, localhost) such as the emulator.',
    })
  }
  throw new UsageError(`Unsupported protocol in the Apollo base URL: ${url.protocol}`)
}
