// `seqsync import`: write manifests from live state so existing sequences can be adopted.
// The manifests it writes validate clean and plan to zero changes against the state they came from.

import {mkdir, writeFile, access} from 'node:fs/promises'
import {join} from 'node:path'
import {Document} from 'yaml'

import {findSequencesByName, sweepSequenceMembers} from '../apollo/read-live-state.js'
import type {ApolloClient} from '../apollo/types.js'
import {PlanError, UsageError} from '../errors.js'
import type {LiveContact, LiveMailbox, LiveSequence, MemberStatus} from '../model/state.js'
import {APOLLO_ID_PATTERN, normalizeEmail} from '../model/state.js'

export interface ImportInput {
  readonly client: ApolloClient
  /** Sequence names (exact) or ids. */
  readonly sequences: readonly string[]
  readonly outDir: string
  readonly force: boolean
}

export interface ImportedFile {
  readonly path: string
  readonly sequence: LiveSequence
  readonly members: number
}

export async function importSequences(input: ImportInput): Promise<ImportedFile[]> {
  const sequences = await resolveSequences(input.client, input.sequences)
  // seqsync cannot manage an archived sequence (plan refuses it), so its manifest would never plan clean.
  const archived = sequences.filter((s) => s.archived)
  if (archived.length > 0) {
    throw new PlanError(
      `Archived in Apollo, so seqsync cannot manage ${archived.length === 1 ? 'it' : 'them'}: ${archived.map((s) => `"${oneLine(s.name)}" (${s.id})`).join(', ')}`,
      [],
      {hint: 'Nothing was written. Unarchive the sequence in Apollo first, or leave it out.'},
    )
  }
  const mailboxes = await input.client.listMailboxes()
  const sweep = await sweepSequenceMembers(
    input.client,
    sequences.map((s) => s.id),
  )
  const files: (ImportedFile & {text: string})[] = []
  const usedNames = new Set<string>()
  for (const sequence of sequences) {
    const memberIds = sweep.members.get(sequence.id) ?? []
    const members = memberIds.map((id) => sweep.contacts.get(id)).filter((c): c is LiveContact => c !== undefined)
    const text = renderManifest(sequence, members, mailboxes, sweep.contacts)
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
  for (const f of files) await writeFile(f.path, f.text, 'utf8')
  return files.map(({text: _text, ...f}) => f)
}

async function resolveSequences(client: ApolloClient, wanted: readonly string[]): Promise<LiveSequence[]> {
  const result: LiveSequence[] = []
  for (const key of wanted) {
    const byId = APOLLO_ID_PATTERN.test(key) ? await client.getSequence(key) : null
    if (byId) {
      result.push(byId)
      continue
    }
    const matches = await findSequencesByName(client, key)
    if (matches.length === 0) {
      throw new PlanError(`No sequence named or with id ${JSON.stringify(key)} in Apollo`, [], {
        hint: 'Names must match exactly. Archived sequences are not returned by Apollo search: import them by id.',
      })
    }
    if (matches.length > 1) {
      throw new PlanError(
        `Several sequences are named ${JSON.stringify(key)}: ${matches.map((m) => m.id).join(', ')}`,
        [],
        {hint: 'Import by id instead.'},
      )
    }
    result.push(matches[0]!)
  }
  const seen = new Set<string>()
  return result.filter((s) => (seen.has(s.id) ? false : (seen.add(s.id), true)))
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
  everyone: ReadonlyMap<string, LiveContact>,
): string {
  // An email identifies a contact only when no other contact read carries it; otherwise pin the id.
  const emailOwners = new Map<string, number>()
  for (const c of everyone.values()) {
    for (const e of [c.email, ...c.otherEmails]) {
      if (e) emailOwners.set(normalizeEmail(e), (emailOwners.get(normalizeEmail(e)) ?? 0) + 1)
    }
  }
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
    const email = contact.email ? normalizeEmail(contact.email) : null
    const byEmail = email !== null && emailOwners.get(email) === 1
    const entry = {
      key: byEmail ? email : `~${contact.id}`,
      value: byEmail ? contact.email!.trim() : {id: contact.id},
      ...(membership.status === 'failed'
        ? {comment: ` failed${membership.failureReason ? `: ${membership.failureReason}` : ''}`}
        : !byEmail && contact.email
          ? {comment: ` ${contact.email} (shared by several Apollo contacts)`}
          : {}),
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
    ` Imported by seqsync from Apollo sequence "${oneLine(sequence.name)}"` +
    `${sequence.active ? '' : ' (inactive)'}.\n prune: none leaves members added outside git alone; set remove|finish|stop to enforce.`
  const seqNode = doc.getIn(['sequence', 'id'], true) as {comment?: string} | undefined
  if (seqNode) seqNode.comment = ` ${oneLine(sequence.name)}`
  for (const listName of ['contacts', 'finished'] as const) {
    lists[listName].forEach((entry, i) => {
      if (!entry.comment) return
      const node = doc.getIn([listName, i], true) as {comment?: string} | undefined
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
  return chosen.email
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

function oneLine(text: string): string {
  return text.replace(/[\r\n]+/g, ' ')
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path)
    return true
  } catch {
    return false
  }
}
