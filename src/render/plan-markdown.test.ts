import fc from 'fast-check'
import {describe, expect, it} from 'vitest'
import type {Plan} from '../model/plan.js'
import {computePlan} from '../planner/compute-plan.js'
import {desiredSequence, desiredState, liveContact, liveSequence, liveState} from '../../test/helpers/builders.js'
import {samplePlan} from '../../test/helpers/sample-plan.js'
import {chooseFence, escapeMarkdownInline, PLAN_MARKER, renderPlanMarkdown} from './plan-markdown.js'

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
  const withoutOurTags = prose.replace(PLAN_MARKER, '').replace(/<\/?(details|summary)>/g, '')
  expect(withoutOurTags).not.toContain('<')
  expect(prose).not.toContain('@')
  for (const block of code) expect(block).not.toContain('`')
  for (const line of md.split('\n')) {
    expect(line.startsWith('INJECTED')).toBe(false)
    if (line.startsWith('|')) expect(line.split('|').length - 1).toBe(8)
  }
}

describe('renderPlanMarkdown', () => {
  it('renders the PR comment', async () => {
    const md = renderPlanMarkdown(samplePlan(), {maskEmails: false})
    expect(md.startsWith(`${PLAN_MARKER}\n`)).toBe(true)
    expect(md).toContain('**Plan: 4 to add, 1 to remove, 1 to finish, 1 to stop, 2 skips forecast.**')
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
    for (const s of seqs) expect(md).toContain(`| ${s.name} (${s.id}) | 2500 | 2500 | 0 | 0 | 0 | 0 |`)
    expect(md).toMatch(/… \d+ more changes not shown; see the CI log\./)
    expect(md).toContain(`Plan hash: \`${plan.planHash}\``)
    expectSafe(md)
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
