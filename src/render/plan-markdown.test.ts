import fc from 'fast-check'
import {describe, expect, it} from 'vitest'
import type {Plan} from '../model/plan.js'
import {computePlan} from '../planner/compute-plan.js'
import {desiredSequence, desiredState, liveContact, liveSequence, liveState} from '../../test/helpers/builders.js'
import {readMarkdown} from '../../test/helpers/markdown-structure.js'
import {samplePlan} from '../../test/helpers/sample-plan.js'
import {chooseFence, escapeMarkdownInline, PLAN_MARKER, renderPlanMarkdown} from './plan-markdown.js'

const LINK_BASE = 'https://github.com/acme/sequences/blob/0123abc'
const TARGET = {
  apiHost: 'api.apollo.io',
  keyOwner: {userId: 'u-key', teamId: 't1', email: 'ops@acme.com', name: 'Ops Bot'},
}

/** Splits Markdown into prose and fenced code blocks; fails on an unclosed fence. */
function splitFences(md: string): {prose: string; code: string[]} {
  const prose: string[] = []
  const code: string[] = []
  let fence: string | null = null
  let block: string[] = []
  for (const line of md.split('\n')) {
    const m = /^(`{3,})/.exec(line)
    if (fence === null && m) {
      fence = m[1]!
      block = []
    } else if (fence !== null && line.startsWith(fence) && line.trim() === fence) {
      code.push(block.join('\n'))
      fence = null
    } else if (fence !== null) {
      block.push(line)
    } else {
      prose.push(line)
    }
  }
  expect(fence, 'unclosed code fence').toBeNull()
  return {prose: prose.join('\n'), code}
}

function hostilePlan(): Plan {
  const name = '<script>alert(1)</script> @here | ``` ```` `x` [link](http://e.vil) *b* \nINJECTED line'
  const seq = liveSequence({id: 's1', name})
  const contacts = [
    liveContact({id: 'c1', email: 'jane@acme.com'}),
    liveContact({id: 'c2', email: '```@evil.com', memberships: {s1: 'active'}}),
    liveContact({id: 'c3', email: 'pipe|x@evil.com\nINJECTED', memberships: {s1: 'active'}}),
    liveContact({id: 'c4', email: 'fin@acme.com'}),
  ]
  return computePlan(
    desiredState(
      desiredSequence({
        id: 's1',
        file: 'ex`<b>@team.yaml',
        prune: 'remove',
        contacts: ['jane@acme.com'],
        finished: ['fin@acme.com'],
      }),
    ),
    liveState({sequences: [seq], contacts}),
  )
}

function expectSafe(md: string): void {
  const {prose, code} = splitFences(md)
  const withoutOurTags = prose.replace(PLAN_MARKER, '').replace(/<\/?(details( open)?|summary)>/g, '')
  expect(withoutOurTags).not.toContain('<')
  expect(prose).not.toContain('@')
  for (const block of code) expect(block).not.toContain('`')
  for (const line of md.split('\n')) expect(line.startsWith('INJECTED')).toBe(false)
  // Through a GFM renderer: no HTML but ours, every table row as wide as its header.
  const structure = readMarkdown(md)
  expect(structure.foreignHtml).toEqual([])
  for (const t of structure.tables) for (const row of t.rows) expect(row).toHaveLength(t.header.length)
}

describe('renderPlanMarkdown', () => {
  it('renders the PR comment', async () => {
    const md = renderPlanMarkdown(samplePlan(), {maskEmails: false})
    expect(md.startsWith(`${PLAN_MARKER}\n`)).toBe(true)
    expect(md).toContain('**Plan: 4 to add, 1 to remove, 1 to finish, 1 to stop, 1 skips forecast. 1 possible skips.**')
    expect(md).toContain(`Plan hash: \`${samplePlan().planHash}\``)
    expectSafe(md)
    await expect(md).toMatchFileSnapshot('./__snapshots__/plan-sample.md')
  })

  it('masks emails on request', async () => {
    const md = renderPlanMarkdown(samplePlan(), {maskEmails: true})
    expect(md).toContain('+ j***@acme.com  # examples/q4.yaml:12')
    expect(md).not.toContain('jane@')
    await expect(md).toMatchFileSnapshot('./__snapshots__/plan-sample-masked.md')
  })

  it('masks emails in Apollo sequence names too', () => {
    const plan = computePlan(
      desiredState(desiredSequence({id: 's1', contacts: ['jane@acme.com']})),
      liveState({
        sequences: [liveSequence({id: 's1', name: "Owner: carol.owner@acme.com's list"})],
        contacts: [liveContact({id: 'c1', email: 'jane@acme.com'})],
      }),
    )
    const md = renderPlanMarkdown(plan, {maskEmails: true})
    expect(md).toContain('c&#42;&#42;&#42;&#64;acme.com')
    expect(md).not.toContain('carol.owner')
    expectSafe(md)
  })

  it('says there are no changes', () => {
    const plan = computePlan(desiredState(), liveState())
    expect(renderPlanMarkdown(plan, {maskEmails: false})).toContain('**No changes.** Apollo matches the manifests.')
  })

  it('keeps hostile names, emails and paths inert', async () => {
    const md = renderPlanMarkdown(hostilePlan(), {maskEmails: false})
    expectSafe(md)
    expect(md).toContain('&lt;script&gt;')
    expect(md).toContain('&#64;here')
    await expect(md).toMatchFileSnapshot('./__snapshots__/plan-hostile.md')
  })

  it('escapes inline text and picks fences longer than any backtick run', () => {
    expect(escapeMarkdownInline('a|b <i> @x `c`\nd')).toBe('a&#124;b &lt;i&gt; &#64;x &#96;c&#96; d')
    expect(chooseFence('no ticks')).toBe('```')
    expect(chooseFence('a ```` b')).toBe('`````')
  })

  it('stays under 60,000 characters with 20,000 changes and keeps every count exact', () => {
    const seqs = Array.from({length: 4}, (_, i) => liveSequence({id: `s${i}`, name: `Big ${i}`}))
    const contacts = Array.from({length: 20_000}, (_, i) =>
      liveContact({
        id: `c${i}`,
        email: `person${i}@example.com`,
        memberships: Math.floor(i / 4) % 2 ? {[`s${i % 4}`]: 'active'} : {},
      }),
    )
    const desired = desiredState(
      ...seqs.map((s, k) =>
        desiredSequence({
          name: s.name,
          file: `m${k}.yaml`,
          prune: 'remove',
          contacts: contacts.filter((_, i) => i % 4 === k && Math.floor(i / 4) % 2 === 0).map((c) => c.email!),
        }),
      ),
    )
    const plan = computePlan(desired, liveState({sequences: seqs, contacts}))
    expect(plan.summary.add + plan.summary.remove).toBe(20_000)
    const md = renderPlanMarkdown(plan, {maskEmails: false})
    expect(md.length).toBeLessThanOrEqual(60_000)
    expect(md.length).toBeGreaterThan(50_000)
    expect(md).toContain('**Plan: 10000 to add, 10000 to remove, 0 to finish, 0 to stop, 0 skips forecast.**')
    for (const s of seqs) expect(md).toContain(`| ${s.name} (${s.id}) | 2500 | 2500 |`)
    expect(md).toMatch(/… \d+ more changes not shown; see the CI log\./)
    expect(md).toContain(`Plan hash: \`${plan.planHash}\``)
    expectSafe(md)
  })

  it('reads as a structured comment through a GFM renderer: target, banner, tables, open sections, links', () => {
    const md = renderPlanMarkdown(samplePlan(), {maskEmails: false, linkBase: LINK_BASE, target: TARGET})
    const doc = readMarkdown(md)
    expect(doc.foreignHtml).toEqual([])
    expect(doc.headings).toEqual(['seqsync plan'])
    // (marked decodes the entities: `&#64;` shows as `@` without pinging anyone)
    expect(doc.text).toContain('Target: api.apollo.io · team t1 · key owner Ops Bot (user u-key, ops@acme.com)')
    expect(doc.text).toContain('[!WARNING]')
    // Every kind occurs here, so every column is shown.
    const [table] = doc.tables
    expect(table?.header).toEqual([
      'Sequence',
      'Remove',
      'Finish',
      'Stop',
      'Add',
      'Create',
      'Skips forecast',
      'Possible skips',
      'Unmanaged',
    ])
    expect(table?.rows.map((r) => r.slice(1))).toEqual([
      ['1', '1', '1', '3', '1', '1', '1', '0'],
      ['0', '0', '0', '1', '0', '0', '0', '7'],
    ])
    // The sequence with removals is open, the other collapsed.
    expect(doc.details.map((d) => [d.summary.split(' (')[0], d.open])).toEqual([
      ['Q4 Enterprise Outreach', true],
      ['Nurture', false],
    ])
    // Destructive lines first in the diff; every fence closed (marked would swallow the rest otherwise).
    expect(doc.code.map((c) => c.lang)).toEqual(['diff', 'diff'])
    expect(doc.code[0]?.text.split('\n').map((l) => l[0])).toEqual(['-', '!', '!', '+', '+', '+', '+'])
    // Words before codes.
    expect(doc.text).toMatch(/Will be skipped by Apollo: active in another sequence/)
    expect(md).toMatch(/^- Will be skipped by Apollo: [^\n]*\(1 contact, `skip-forecast`\)/m)
    // Manifest references link to the file at the head commit.
    expect(doc.links.length).toBeGreaterThan(0)
    for (const link of doc.links)
      expect(link.href).toMatch(
        /^https:\/\/github\.com\/acme\/sequences\/blob\/0123abc\/examples\/[a-z0-9]+\.yaml#L\d+$/,
      )
    expect(doc.links.map((l) => l.text)).toContain('examples/q4.yaml:13')
  })

  it('leaves zero rows and zero columns out of the summary table', () => {
    const plan = computePlan(
      desiredState(
        desiredSequence({name: 'A', contacts: ['jane@acme.com']}),
        desiredSequence({name: 'B', file: 'b.yaml', contacts: ['bo@stark.com']}),
      ),
      liveState({
        sequences: [liveSequence({id: 'sA', name: 'A'}), liveSequence({id: 'sB', name: 'B'})],
        contacts: [
          liveContact({id: 'c1', email: 'jane@acme.com'}),
          liveContact({id: 'c2', email: 'bo@stark.com', memberships: {sB: 'active'}}),
        ],
      }),
    )
    const doc = readMarkdown(renderPlanMarkdown(plan, {maskEmails: false}))
    expect(doc.tables).toEqual([{header: ['Sequence', 'Add'], rows: [['A (sA)', '1']]}])
    expect(doc.text).not.toContain('[!WARNING]')
    expect(doc.details.every((d) => !d.open)).toBe(true)
  })

  it('shows removals first and never truncates them away behind many adds', () => {
    const adds = Array.from({length: 1_500}, (_, i) => liveContact({id: `a${i}`, email: `new${i}@acme.com`}))
    const leaving = [0, 1].map((i) =>
      liveContact({id: `r${i}`, email: `leaving${i}@acme.com`, memberships: {sB: 'active'}}),
    )
    const plan = computePlan(
      desiredState(
        desiredSequence({name: 'Big', contacts: adds.map((c) => c.email!)}),
        desiredSequence({name: 'Small', file: 'b.yaml', removed: ['leaving0@acme.com', 'leaving1@acme.com']}),
      ),
      liveState({
        sequences: [liveSequence({id: 'sA', name: 'Big'}), liveSequence({id: 'sB', name: 'Small'})],
        contacts: [...adds, ...leaving],
      }),
    )
    for (const maxChars of [60_000, 8_000, 3_000]) {
      const md = renderPlanMarkdown(plan, {maskEmails: false, maxChars})
      expect(md.length).toBeLessThanOrEqual(maxChars)
      const doc = readMarkdown(md)
      expect(doc.foreignHtml).toEqual([])
      expect(doc.text).toContain('This plan removes 2 contacts.')
      expect(doc.details[0]).toEqual({open: true, summary: 'Small (sB): 2 to remove'})
      expect(doc.code[0]?.text.split('\n')).toEqual([
        '- leaving0@acme.com  # b.yaml:9',
        '- leaving1@acme.com  # b.yaml:10',
      ])
      expect(md).toContain('**Plan: 1500 to add, 2 to remove, 0 to finish, 0 to stop, 0 skips forecast.**')
    }
  })

  it('groups tens of thousands of warnings into a few exact lines', () => {
    const n = 30_000
    const finished = Array.from({length: n}, (_, i) =>
      liveContact({id: `f${i}`, email: `done${i}@acme.com`, memberships: {s1: 'finished'}}),
    )
    const plan = computePlan(
      desiredState(desiredSequence({name: 'Q4', contacts: finished.map((c) => c.email!)})),
      liveState({sequences: [liveSequence({id: 's1', name: 'Q4'})], contacts: finished}),
    )
    expect(plan.sequences[0]?.warnings).toHaveLength(n)
    const md = renderPlanMarkdown(plan, {maskEmails: false})
    expect(md.length).toBeLessThan(3_000)
    expect(md).toMatch(
      /^- Already finished in this sequence: Apollo cannot re-enroll it \(30000 contacts, `already-finished`\): done0&#64;acme\.com \(examples\/x\.yaml:9\), done10000&#64;acme\.com \(examples\/x\.yaml:10009\), done10001&#64;acme\.com \(examples\/x\.yaml:10010\) and 29997 more$/m,
    )
  })

  it('links only paths that stay inside the repository, with the URL escaped', () => {
    const plan = computePlan(
      desiredState(
        desiredSequence({name: 'A', file: 'teams/(q4) plan.yaml', contacts: ['jane@acme.com']}),
        desiredSequence({name: 'B', file: '../outside.yaml', contacts: ['bo@stark.com']}),
      ),
      liveState({
        sequences: [liveSequence({id: 'sA', name: 'A'}), liveSequence({id: 'sB', name: 'B'})],
        contacts: [liveContact({id: 'c1', email: 'jane@acme.com'}), liveContact({id: 'c2', email: 'bo@stark.com'})],
      }),
    )
    const doc = readMarkdown(renderPlanMarkdown(plan, {maskEmails: false, linkBase: LINK_BASE}))
    expect(doc.links.map((l) => l.href)).toEqual([`${LINK_BASE}/teams/%28q4%29%20plan.yaml#L3`])
    expect(doc.text).toContain('..')
  })

  it('never exceeds any cap and never breaks a fence', () => {
    const plan = hostilePlan()
    const big = samplePlan()
    fc.assert(
      fc.property(fc.integer({min: 800, max: 4000}), fc.boolean(), (maxChars, which) => {
        const md = renderPlanMarkdown(which ? plan : big, {maskEmails: false, maxChars})
        expect(md.length).toBeLessThanOrEqual(maxChars)
        expectSafe(md)
        expect(md).toContain('Plan hash:')
      }),
      {numRuns: 150},
    )
  })
})

describe('safety lines in the comment', () => {
  it('mask the emails of an Apollo sequence name, like every other free text', () => {
    const md = renderPlanMarkdown(samplePlan(), {
      maskEmails: true,
      safety: {
        adds: 0,
        removals: 9,
        violations: [
          {
            code: 'removal-percent',
            sequenceId: 'seq1',
            sequenceName: 'Nurture for jane.doe@acme.example',
            removals: 9,
            liveMembers: 10,
            maxRemovalPercent: 50,
          },
        ],
        required: {allowAdds: null, allowRemovals: 9},
      },
    })
    expect(md).toContain('Nurture for j&#42;&#42;&#42;&#64;acme.example')
    expect(md).not.toContain('jane.doe')
  })
})
