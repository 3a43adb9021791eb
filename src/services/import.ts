// `seqsync import`: write manifests from live state so existing sequences can be adopted.
// The manifests it writes validate clean and plan to zero changes against the state they came from.

import {access, mkdir} from 'node:fs/promises'
import {join} from 'node:path'
import {Document} from 'yaml'

import {resolveSequences, sweepSequenceMembers} from '../apollo/read-live-state.js'
import type {ReadCost} from '../model/plan.js'
import {reportReadCost} from './read-cost.js'
import type {ApolloClient} from '../apollo/types.js'
import {PlanError, UsageError} from '../errors.js'
import {isManifestEmail} from '../manifest/parse-manifest.js'
import type {LiveContact, LiveMailbox, LiveSequence, MemberStatus, SequenceSelector} from '../model/state.js'
import {contactEmails, APOLLO_ID_PATTERN, normalizeEmail, selectorKey} from '../model/state.js'
import {flattenText} from '../render/plan-text.js'
import {writeFileAtomic} from './write-output.js'

export interface ImportInput {
  readonly client: ApolloClient
  /** Sequence names (exact) or ids. */
  readonly sequences: readonly string[]
  readonly outDir: string
  readonly force: boolean
  /** The quota preflight of the member sweep, before its bulk (as plan's). */
  readonly onReadCost?: (cost: ReadCost) => void
}

export interface ImportedFile {
  readonly path: string
  readonly sequence: LiveSequence
  readonly members: number
}

export async function importSequences(input: ImportInput): Promise<ImportedFile[]> {
  const sequences = await findSequences(input.client, input.sequences)
  // seqsync cannot manage an archived sequence (plan refuses it), so its manifest would never plan clean.
  const archived = sequences.filter((s) => s.archived)
  if (archived.length > 0) {
    throw new PlanError(
      `Archived in Apollo, so seqsync cannot manage ${archived.length === 1 ? 'it' : 'them'}: ${archived.map((s) => `"${flattenText(s.name)}" (${s.id})`).join(', ')}`,
      [],
      {hint: 'Nothing was written. Unarchive the sequence in Apollo first, or leave it out.'},
    )
  }
  const mailboxes = await input.client.listMailboxes()
  const sweep = await sweepSequenceMembers(
    input.client,
    sequences.map((s) => s.id),
    input.onReadCost ? {onReadPlan: reportReadCost(input.client, input.onReadCost)} : {},
  )
  // An email identifies a contact only when no other contact read carries it (indexed once).
  const emailOwners = new Map<string, Set<string>>()
  for (const c of sweep.contacts.values()) {
    for (const e of contactEmails(c)) emailOwners.set(e, (emailOwners.get(e) ?? new Set<string>()).add(c.id))
  }
  const files: (ImportedFile & {text: string})[] = []
  const usedNames = new Set<string>()
  for (const sequence of sequences) {
    const memberIds = sweep.members.get(sequence.id) ?? []
    const members = memberIds.map((id) => sweep.contacts.get(id)).filter((c): c is LiveContact => c !== undefined)
    const text = renderManifest(sequence, members, mailboxes, emailOwners)
    const path = join(input.outDir, uniqueFileName(sequence, usedNames))
    files.push({path, sequence, members: members.length, text})
  }
  // Refuse before writing anything: never leave half an import behind.
  if (!input.force) {
    const existing: string[] = []
    for (const f of files) if (await exists(f.path)) existing.push(f.path)
    if (existing.length > 0) {
      throw new UsageError(
        `${existing.join(', ')} already exist${existing.length === 1 ? 's' : ''}; nothing was written`,
        {
          hint: 'Pass --force to overwrite, or choose another --out-dir.',
        },
      )
    }
  }
  await mkdir(input.outDir, {recursive: true})
  for (const f of files) await writeFileAtomic(f.path, f.text, 0o644)
  return files.map(({text: _text, ...f}) => f)
}

/** Each NAME_OR_ID as one sequence (an Apollo id by id, anything else by exact name), in the order given. */
async function findSequences(client: ApolloClient, wanted: readonly string[]): Promise<LiveSequence[]> {
  const selectors = wanted.map((key): SequenceSelector => (APOLLO_ID_PATTERN.test(key) ? {id: key} : {name: key}))
  const found = await resolveSequences(client, selectors)
  const result = new Map<string, LiveSequence>()
  selectors.forEach((selector, i) => {
    const key = JSON.stringify(wanted[i])
    const matches = found.get(selectorKey(selector)) ?? []
    if (matches.length === 0) {
      throw new PlanError(`No sequence ${'id' in selector ? 'with id' : 'named'} ${key} in Apollo`, [], {
        hint: 'Names must match exactly. Archived sequences are not returned by Apollo search: import them by id.',
      })
    }
    if (matches.length > 1) {
      throw new PlanError(`Several sequences are named ${key}: ${matches.map((m) => m.id).join(', ')}`, [], {
        hint: 'Import by id instead.',
      })
    }
    result.set(matches[0]!.id, matches[0]!)
  })
  return [...result.values()]
}

/** Which list a live status belongs in so that the next plan is empty. */
const LIST_FOR_STATUS: Record<MemberStatus, 'contacts' | 'finished'> = {
  active: 'contacts',
  paused: 'contacts',
  // contacts + failed only warns (Apollo cannot re-enroll a bounced contact); keeping it declared
  // stops prune from touching it.
  failed: 'contacts',
  finished: 'finished',
}

function renderManifest(
  sequence: LiveSequence,
  members: readonly LiveContact[],
  mailboxes: readonly LiveMailbox[],
  emailOwners: ReadonlyMap<string, ReadonlySet<string>>,
): string {
  // An email identifies a contact only when a manifest accepts it and no other contact read carries
  // it; otherwise the contact is pinned by id, with its email in a comment.
  const lists: Record<'contacts' | 'finished', {key: string; value: string | {id: string}; comment?: string}[]> = {
    contacts: [],
    finished: [],
  }
  const mailboxCounts = new Map<string, number>()
  for (const contact of members) {
    const membership = contact.memberships.find((m) => m.sequenceId === sequence.id)
    if (!membership) continue
    if (membership.mailboxId && (membership.status === 'active' || membership.status === 'paused')) {
      mailboxCounts.set(membership.mailboxId, (mailboxCounts.get(membership.mailboxId) ?? 0) + 1)
    }
    const email = contact.email?.trim() || null
    const shared = email !== null && emailOwners.get(normalizeEmail(email))!.size > 1
    const byEmail = email !== null && !shared && isManifestEmail(email)
    const notes = [
      membership.status === 'failed' ? `failed${membership.failureReason ? `: ${membership.failureReason}` : ''}` : '',
      !byEmail && email !== null
        ? `${email} (${shared ? 'shared by several Apollo contacts' : 'not an email a manifest accepts'})`
        : '',
    ].filter((note) => note !== '')
    const entry = {
      key: byEmail ? normalizeEmail(email) : `~${contact.id}`,
      value: byEmail ? email : {id: contact.id},
      ...(notes.length === 0 ? {} : {comment: ` ${flattenText(notes.join('; '))}`}),
    }
    lists[LIST_FOR_STATUS[membership.status]].push(entry)
  }
  for (const list of Object.values(lists)) list.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))

  const mailbox = pickMailbox(mailboxCounts, mailboxes)
  const doc = new Document({
    apiVersion: 'seqsync/v1',
    kind: 'SequenceMembership',
    sequence: {id: sequence.id},
    mailbox,
    prune: 'none',
    missingContacts: 'error',
    contacts: lists.contacts.map((e) => e.value),
    ...(lists.finished.length > 0 ? {finished: lists.finished.map((e) => e.value)} : {}),
  })
  doc.commentBefore =
    ` Imported by seqsync from Apollo sequence "${flattenText(sequence.name)}"` +
    `${sequence.active ? '' : ' (inactive)'}.\n prune: none leaves members added outside git alone; set remove|finish|stop to enforce.`
  const seqNode = doc.getIn(['sequence', 'id'], true) as {comment?: string} | undefined
  if (seqNode) seqNode.comment = ` ${flattenText(sequence.name)}`
  for (const listName of ['contacts', 'finished'] as const) {
    lists[listName].forEach((entry, i) => {
      if (!entry.comment) return
      // On the email, or on the id of `{id: …}`: either way, at the end of the entry's line.
      const path = typeof entry.value === 'string' ? [listName, i] : [listName, i, 'id']
      const node = doc.getIn(path, true) as {comment?: string} | undefined
      if (node) node.comment = entry.comment
    })
  }
  return doc.toString({lineWidth: 0})
}

function pickMailbox(counts: ReadonlyMap<string, number>, mailboxes: readonly LiveMailbox[]): string {
  const active = mailboxes.filter((m) => m.active)
  const ranked = [...counts.entries()]
    .filter(([id]) => active.some((m) => m.id === id))
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
  const chosen = ranked.length > 0 ? active.find((m) => m.id === ranked[0]![0]) : active[0]
  if (!chosen) throw new PlanError('Apollo has no active email account to name as the mailbox', [])
  // By email, unless another email account has the same one (the id names exactly this one).
  const sameEmail = mailboxes.filter((m) => normalizeEmail(m.email) === normalizeEmail(chosen.email))
  return sameEmail.length === 1 ? chosen.email : chosen.id
}

function uniqueFileName(sequence: LiveSequence, used: Set<string>): string {
  const slug =
    sequence.name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 60) || sequence.id
  let name = `${slug}.yaml`
  if (used.has(name)) name = `${slug}-${sequence.id}.yaml`
  used.add(name)
  return name
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path)
    return true
  } catch {
    return false
  }
}
