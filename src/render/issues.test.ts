import {describe, expect, it} from 'vitest'
import type {Issue} from '../errors.js'
import {runnerCommands} from '../../test/helpers/github-commands.js'
import {
  escapeGithubData,
  escapeGithubProperty,
  formatIssue,
  renderAnnotations,
  renderIssuesGithub,
  renderIssuesGrouped,
  renderIssuesJson,
  renderIssuesText,
  renderSkippedLine,
  renderSummaryLine,
} from './issues.js'

const err = (line: number, message = 'bad'): Issue => ({
  severity: 'error',
  file: 'a.yaml',
  line,
  col: 3,
  code: 'schema',
  message,
})
const warn: Issue = {severity: 'warning', file: 'b.yaml', line: 1, col: 1, code: 'prune-empty', message: 'careful'}

describe('issue renderers', () => {
  it('renders text lines and summaries', () => {
    expect(
      renderIssuesText({
        files: ['a.yaml', 'b.yaml', 'c.yaml'],
        skipped: [],
        issues: [err(2), err(4), warn],
        sequences: 0,
        contacts: 0,
      }),
    ).toBe(
      'a.yaml:2:3: error: bad\na.yaml:4:3: error: bad\nb.yaml:1:1: warning: careful\n2 errors, 1 warning in 3 files\n',
    )
    expect(renderSummaryLine({files: ['a', 'b', 'c'], skipped: [], issues: [], sequences: 4, contacts: 120})).toBe(
      'OK: 3 files, 4 sequences, 120 contacts',
    )
    expect(renderSummaryLine({files: ['a'], skipped: [], issues: [warn], sequences: 1, contacts: 1})).toBe(
      'OK: 1 file, 1 sequence, 1 contact (1 warning)',
    )
  })

  it('names the skipped files in one line, at most five', () => {
    const skipped = ['.github/workflows/ci.yml', 'a.yml', 'b.yml', 'c.yml', 'd.yml', 'e\u001b[2Jx.yml', 'f.yml']
    expect(
      renderIssuesText({files: ['m.yaml'], skipped: skipped.slice(0, 1), issues: [], sequences: 1, contacts: 2}),
    ).toBe(
      'skipped 1 YAML file that is not a seqsync manifest: .github/workflows/ci.yml\nOK: 1 file, 1 sequence, 2 contacts\n',
    )
    expect(renderSkippedLine(skipped)).toBe(
      'skipped 7 YAML files that are not seqsync manifests: .github/workflows/ci.yml, a.yml, b.yml, c.yml, d.yml and 2 more',
    )
    expect(renderSkippedLine(['e\u001b[2Jx.yml'])).toBe(
      'skipped 1 YAML file that is not a seqsync manifest: e [2Jx.yml',
    )
    expect(renderSkippedLine([])).toBeNull()
  })

  it('renders the stable JSON document', () => {
    const doc = JSON.parse(
      renderIssuesJson({files: ['a.yaml'], skipped: ['ci.yml'], issues: [err(2)], sequences: 0, contacts: 0}),
    )
    expect(doc).toEqual({
      formatVersion: 1,
      valid: false,
      files: ['a.yaml'],
      skipped: ['ci.yml'],
      summary: {errors: 1, warnings: 0, files: 1, sequences: 0, contacts: 0},
      issues: [{severity: 'error', file: 'a.yaml', line: 2, col: 3, code: 'schema', message: 'bad', related: []}],
    })
  })

  it('escapes GitHub annotation data and properties', () => {
    expect(escapeGithubData('100%\r\nx: a, b')).toBe('100%25%0D%0Ax: a, b')
    expect(escapeGithubProperty('dir,x/a:b%.yaml')).toBe('dir%2Cx/a%3Ab%25.yaml')
    const out = renderIssuesGithub({
      files: ['a,b.yaml'],
      skipped: [],
      issues: [{...err(1, 'line1\nline2 50%'), file: 'a,b.yaml'}],
      sequences: 0,
      contacts: 0,
    })
    expect(out.split('\n')[0]).toBe('::error file=a%2Cb.yaml,line=1,col=3::line1%0Aline2 50%25')
  })

  it('caps annotations at 10 per severity with a notice for the rest, then the text', () => {
    const issues = [...Array.from({length: 13}, (_, i) => err(i + 1)), warn]
    const lines = renderIssuesGithub({files: ['a.yaml', 'b.yaml'], skipped: [], issues, sequences: 0, contacts: 0})
      .trimEnd()
      .split('\n')
    expect(lines.filter((l) => l.startsWith('::error '))).toHaveLength(10)
    expect(lines.filter((l) => l.startsWith('::warning '))).toHaveLength(1)
    expect(lines).toContain('::notice::3 more errors; see the log below')
    expect(lines.at(-2)).toBe('13 errors, 1 warning in 2 files')
    expect(lines).toContain('a.yaml:13:3: error: bad')
    expect(lines.at(-1)).toMatch(/^::[0-9a-f]{64}::$/)
  })

  it('annotates without a file when there is no location', () => {
    expect(renderAnnotations([{severity: 'warning', message: 'a: b, c', source: null}])).toEqual(['::warning::a: b, c'])
  })

  it('groups issues per severity and code: three in full, one line counting the rest', () => {
    const many = Array.from({length: 35_000}, (_, i): Issue => ({
      ...warn,
      line: i + 1,
      code: 'active-in-other-sequence',
    }))
    expect(renderIssuesGrouped([err(2), ...many]).split('\n')).toEqual([
      'a.yaml:2:3: error: bad',
      'b.yaml:1:1: warning: careful',
      'b.yaml:2:1: warning: careful',
      'b.yaml:3:1: warning: careful',
      'warning: 34997 more active-in-other-sequence warnings like these (`seqsync validate` lists every one)',
      '',
    ])
    expect(renderIssuesGrouped([])).toBe('')
  })

  describe('untrusted file names and messages', () => {
    const hostile = 'x\n::error::pwned\u001b[2J.yaml'
    const issue: Issue = {...err(1, 'bad ##[warning]forged\n::notice::forged'), file: hostile}

    it('flattens control characters in the text line, which never starts a command', () => {
      const line = formatIssue(issue)
      expect([...line].some((ch) => ch < ' ')).toBe(false)
      expect(line).toBe('x ::error::pwned [2J.yaml:1:3: error: bad ## [warning]forged ::notice::forged')
      expect(runnerCommands(line)).toEqual([])
      // A name that starts like a command is shown as the same file, ./ first.
      expect(formatIssue({...issue, file: '::error::pwned.yaml'})).toMatch(/^\.\/::error::pwned\.yaml:1:3: /)
      expect(formatIssue({...issue, file: '\n::error::pwned.yaml'})).toMatch(/^\.\/ ::error::pwned\.yaml:1:3: /)
      expect(runnerCommands(formatIssue({...issue, file: '::error::pwned.yaml'}))).toEqual([])
    })

    it('runs only its own annotations under GitHub, whatever the names and messages', () => {
      const out = renderIssuesGithub({
        files: [hostile, '::warning::a.yaml'],
        skipped: ['::error::skipped.yaml'],
        issues: [issue, {...warn, file: '::warning::a.yaml', message: '::error::x'}],
        sequences: 0,
        contacts: 0,
      })
      expect(out).not.toContain('\u001b')
      const commands = runnerCommands(out)
      expect(commands.map((c) => c.command)).toEqual(['error', 'warning'])
      expect(commands[0]?.properties).toBe('file=x %3A%3Aerror%3A%3Apwned [2J.yaml,line=1,col=3')
      // The text after the annotations is fenced by stop-commands with a token it does not contain.
      const lines = out.trimEnd().split('\n')
      const stop = lines.find((l) => l.startsWith('::stop-commands::'))
      const token = stop?.slice('::stop-commands::'.length) ?? ''
      expect(token).toMatch(/^[0-9a-f]{32,}$/)
      expect(lines.at(-1)).toBe(`::${token}::`)
      expect(lines.filter((l) => l.includes(token))).toHaveLength(2)
    })
  })
})
