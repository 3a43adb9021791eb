import type {SourceRef} from '../model/state.js'

/** `file:line:col`, the form every message uses for a manifest location. */
export function describeSource(source: SourceRef): string {
  return `${source.file}:${source.line}:${source.col}`
}
