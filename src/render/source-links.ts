// Links from a PR comment to the manifest lines it talks about (`--link-base URL`, env
// SEQSYNC_LINK_BASE): `https://github.com/OWNER/REPO/blob/SHA` + `/sequences/a.yaml#L12`. The base
// comes from the workflow, the path from the manifest file name: both are checked so neither can
// turn a link into something else. Pure.

import type {SourceRef} from '../model/state.js'

/**
 * The link base as given, checked: an absolute https URL without credentials, query or fragment;
 * returns it without a trailing slash, or the reason it is refused.
 */
export function parseLinkBase(value: string): {readonly base: string} | {readonly refused: string} {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    return {refused: 'it is not an absolute URL'}
  }
  if (url.protocol !== 'https:') return {refused: 'only https URLs are accepted'}
  if (url.username !== '' || url.password !== '') return {refused: 'it must not carry credentials'}
  if (url.search !== '' || url.hash !== '') return {refused: 'it must not have a query or a fragment'}
  return {base: url.href.replace(/\/+$/, '')}
}

/**
 * The URL of a manifest line under `base`, or null when the file cannot be linked safely (an
 * absolute path, or one that climbs out of the directory with `..`). Every path segment is
 * percent-encoded, parentheses too, so the URL cannot end a Markdown link early.
 */
export function sourceUrl(base: string, source: SourceRef): string | null {
  const segments = source.file.split(/[\\/]/).filter((s) => s !== '' && s !== '.')
  if (/^([\\/]|[A-Za-z]:)/.test(source.file) || segments.length === 0 || segments.includes('..')) return null
  const url = `${base}/${segments.map((s) => encodeURIComponent(s)).join('/')}#L${source.line}`
  return url.replace(/\(/g, '%28').replace(/\)/g, '%29')
}
