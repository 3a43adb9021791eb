// Tiny glob support for the config's `manifests` (Node 20 has no fs.glob): `*`, `**`, `?`, `{a,b}`, `[abc]`.
// Paths are matched in POSIX form relative to the base directory.

export function hasMagic(pattern: string): boolean {
  return /[*?{[]/.test(pattern)
}

export function globToRegExp(pattern: string): RegExp {
  let re = ''
  let braces = 0
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!
    if (ch === '*') {
      if (pattern[i + 1] === '*') {
        const atStart = i === 0 || pattern[i - 1] === '/'
        const slashAfter = pattern[i + 2] === '/'
        i++
        if (atStart && slashAfter) {
          re += '(?:[^/]*/)*' // `**/` : zero or more directories
          i++
        } else re += '.*'
      } else re += '[^/]*'
    } else if (ch === '?') re += '[^/]'
    else if (ch === '{') {
      braces++
      re += '(?:'
    } else if (ch === '}' && braces > 0) {
      braces--
      re += ')'
    } else if (ch === ',' && braces > 0) re += '|'
    else if (ch === '[') {
      const end = pattern.indexOf(']', i + 1)
      if (end === -1) re += '\\['
      else {
        const body = pattern.slice(i + 1, end).replace(/\\/g, '\\\\')
        re += body.startsWith('!') ? `[^/${body.slice(1)}]` : `[${body}]`
        i = end
      }
    } else re += /[.+^$()|\\\]]/.test(ch) ? `\\${ch}` : ch
  }
  return new RegExp(`^${re}$`)
}

/** The leading directories of a pattern that contain no glob characters (`sequences/**\/*.yaml` -> `sequences`). */
export function staticPrefix(pattern: string): string {
  const parts = pattern.split('/')
  const fixed: string[] = []
  for (const part of parts.slice(0, -1)) {
    if (hasMagic(part)) break
    fixed.push(part)
  }
  return fixed.join('/')
}
