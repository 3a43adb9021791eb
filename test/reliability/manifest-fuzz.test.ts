// Property tests of the manifest loader on random and mutated YAML: it either returns a valid
// DesiredState or throws ManifestError whose every issue has a file, line >= 1 and col >= 1.
// Never another exception, never a hang.
import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import fc from 'fast-check'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {generateCase} from '../../scripts/bench/generate.js'
import {ManifestError} from '../../src/errors.js'
import {loadDesiredState} from '../../src/services/load-desired-state.js'

const RICH = `# yaml-language-server: $schema=../schemas/manifest.schema.json
apiVersion: seqsync/v1
kind: SequenceMembership
sequence:
  name: Q4 Enterprise Outreach
mailbox: sdr@acme.com
prune: remove
missingContacts: create
enroll:
  unverifiedEmail: true
  activeInOtherSequences: false
contacts:
  - jane@acme.com
  - email: raj@globex.com
    firstName: Raj
    lastName: Patel
    organization: Globex
    title: CTO
  - id: "5f0d9de3a1b2c3d4e5f60718"
  - list: enterprise-champions
finished:
  - carol@acme.com
stopped:
  - dan@initech.com
removed:
  - eve@hooli.com
---
apiVersion: seqsync/v1
kind: ContactList
name: enterprise-champions
contacts:
  - ana@umbrella.com
  - bo@stark.com
---
apiVersion: seqsync/v1
kind: SequenceMembership
sequence: {id: "66f0c1e2a4b5c6d7e8f90123"}
mailbox: "66f0c1e2a4b5c6d7e8f90999"
prune: none
contacts: [x@y.io, "Z@Y.IO "]
`

const SMALL = generateCase({sequences: 2, contactsPerSequence: 6, drift: 0.5, seed: 9, groupSize: 2}).manifests[0]!.text
const BASES = [RICH, SMALL]
const NASTY = [
  ':',
  '-',
  ' ',
  '  ',
  '\n',
  '\t',
  '[',
  ']',
  '{',
  '}',
  '&a',
  '*a',
  '!!binary',
  '!tag',
  '#',
  '"',
  "'",
  '|',
  '>',
  '? ',
  '%YAML 1.2\n',
  '---\n',
  '...\n',
  '\0',
  '\uFEFF',
  '\u2028',
  '\ud800',
  '<<: *a',
  'é',
  '0x1F',
  '1e3',
  'null',
  '~',
  'apiKey: x',
]

let dir: string
let counter = 0
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'seqsync-fuzz-'))
})
afterAll(async () => {
  await rm(dir, {recursive: true, force: true})
})

const HANG_MS = 5_000

/** Loads `bytes` as one manifest file and checks the loader's contract. Returns 'ok' | 'issues'. */
async function checkLoader(bytes: Uint8Array): Promise<'ok' | 'issues'> {
  const name = `m${counter++}.yaml`
  await writeFile(join(dir, name), bytes)
  let timer: NodeJS.Timeout | undefined
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`loader hung for ${HANG_MS} ms`)), HANG_MS)
  })
  try {
    const {desired} = await Promise.race([
      loadDesiredState([name], {manifests: [], manifestSources: [], baseDir: dir}, dir),
      hang,
    ])
    for (const s of desired.sequences) {
      expect(s.source.line).toBeGreaterThanOrEqual(1)
      for (const e of s.entries) {
        expect(e.source.line).toBeGreaterThanOrEqual(1)
        expect(e.source.col).toBeGreaterThanOrEqual(1)
        if (e.ref.kind === 'email') expect(e.ref.email).toBe(e.ref.email.trim().toLowerCase())
      }
    }
    return 'ok'
  } catch (error) {
    if (!(error instanceof ManifestError)) throw error
    expect(error.issues.length).toBeGreaterThan(0)
    for (const issue of error.issues) {
      expect(issue.file, JSON.stringify(issue)).toBeTruthy()
      expect(Number.isInteger(issue.line) && issue.line >= 1, JSON.stringify(issue)).toBe(true)
      expect(Number.isInteger(issue.col) && issue.col >= 1, JSON.stringify(issue)).toBe(true)
      expect(typeof issue.message === 'string' && issue.message.length > 0).toBe(true)
    }
    return 'issues'
  } finally {
    clearTimeout(timer)
  }
}

const encoder = new TextEncoder()

type Mutation =
  | {kind: 'insert'; at: number; text: string}
  | {kind: 'delete'; at: number; length: number}
  | {kind: 'byte'; at: number; value: number}
  | {kind: 'dupLine'; line: number}
  | {kind: 'dropLine'; line: number}
  | {kind: 'swapLines'; a: number; b: number}
  | {kind: 'indent'; line: number; delta: number}
  | {kind: 'truncate'; at: number}

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({
    kind: fc.constant('insert' as const),
    at: fc.nat(),
    text: fc.oneof(fc.constantFrom(...NASTY), fc.string({maxLength: 8})),
  }),
  fc.record({kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({min: 1, max: 12})}),
  fc.record({kind: fc.constant('byte' as const), at: fc.nat(), value: fc.integer({min: 0, max: 255})}),
  fc.record({kind: fc.constant('dupLine' as const), line: fc.nat()}),
  fc.record({kind: fc.constant('dropLine' as const), line: fc.nat()}),
  fc.record({kind: fc.constant('swapLines' as const), a: fc.nat(), b: fc.nat()}),
  fc.record({kind: fc.constant('indent' as const), line: fc.nat(), delta: fc.integer({min: -4, max: 4})}),
  fc.record({kind: fc.constant('truncate' as const), at: fc.nat()}),
)

function applyMutations(base: string, mutations: readonly Mutation[]): Uint8Array {
  let bytes = encoder.encode(base)
  for (const m of mutations) {
    const n = bytes.length
    if (m.kind === 'insert') {
      const at = n === 0 ? 0 : m.at % (n + 1)
      const ins = encoder.encode(m.text)
      bytes = new Uint8Array([...bytes.subarray(0, at), ...ins, ...bytes.subarray(at)])
    } else if (m.kind === 'delete' && n > 0) {
      const at = m.at % n
      bytes = new Uint8Array([...bytes.subarray(0, at), ...bytes.subarray(Math.min(n, at + m.length))])
    } else if (m.kind === 'byte' && n > 0) {
      bytes = bytes.slice()
      bytes[m.at % n] = m.value
    } else if (m.kind === 'truncate') {
      bytes = bytes.subarray(0, n === 0 ? 0 : m.at % n)
    } else {
      const text = new TextDecoder().decode(bytes)
      const lines = text.split('\n')
      const L = lines.length
      if (m.kind === 'dupLine') lines.splice(m.line % L, 0, lines[m.line % L]!)
      else if (m.kind === 'dropLine') lines.splice(m.line % L, 1)
      else if (m.kind === 'swapLines') {
        const a = m.a % L
        const b = m.b % L
        ;[lines[a], lines[b]] = [lines[b]!, lines[a]!]
      } else if (m.kind === 'indent') {
        const i = m.line % L
        const line = lines[i]!
        lines[i] = m.delta >= 0 ? ' '.repeat(m.delta) + line : line.replace(new RegExp(`^ {0,${-m.delta}}`), '')
      }
      bytes = encoder.encode(lines.join('\n'))
    }
  }
  return bytes
}

describe('manifest loader fuzzing', () => {
  it('accepts the unmutated bases', async () => {
    for (const base of BASES) expect(await checkLoader(encoder.encode(base))).toBe('ok')
  })

  it('mutated valid manifests: a valid DesiredState or located ManifestError issues', async () => {
    const seen = {ok: 0, issues: 0}
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...BASES),
        fc.array(mutationArb, {minLength: 1, maxLength: 6}),
        async (base, mutations) => {
          seen[await checkLoader(applyMutations(base, mutations))]++
        },
      ),
      {numRuns: 200, seed: 20240601},
    )
    // Both outcomes occur (the mutations are neither all harmless nor all fatal).
    expect(seen.ok).toBeGreaterThan(0)
    expect(seen.issues).toBeGreaterThan(0)
  }, 60_000)

  it('random bytes and random YAML-ish text', async () => {
    const yamlish = fc
      .array(
        fc.oneof(
          fc.constantFrom(
            ...NASTY,
            'apiVersion: seqsync/v1\n',
            'kind: SequenceMembership\n',
            'contacts:\n',
            '  - a@b.co\n',
          ),
          fc.string({maxLength: 6}),
        ),
        {maxLength: 30},
      )
      .map((parts) => encoder.encode(parts.join('')))
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.uint8Array({maxLength: 300}), yamlish), async (bytes) => {
        await checkLoader(bytes)
      }),
      {numRuns: 200, seed: 7},
    )
  }, 60_000)

  it('hostile shapes: alias bomb, deep nesting, huge line, NUL, BOM, CRLF', async () => {
    const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x"]']
    for (let i = 1; i < 12; i++)
      bomb.push(
        `${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [*${String.fromCharCode(96 + i)},*${String.fromCharCode(96 + i)},*${String.fromCharCode(96 + i)},*${String.fromCharCode(96 + i)}]`,
      )
    const cases = [
      bomb.join('\n'),
      '['.repeat(20_000) + ']'.repeat(20_000),
      '- '.repeat(5_000) + 'x',
      'a:\n' + '  '.repeat(3_000) + 'b: 1',
      `apiVersion: seqsync/v1\nkind: SequenceMembership\nsequence: {name: "${'n'.repeat(200_000)}"}\nmailbox: a@b.co\n`,
      'apiVersion: seqsync/v1\0\nkind: SequenceMembership\n',
      '\uFEFF' + RICH,
      RICH.replace(/\n/g, '\r\n'),
      RICH + '\n' + RICH, // duplicate sequence declarations
    ]
    for (const text of cases) await checkLoader(encoder.encode(text))
  }, 60_000)
})
