// The live-state reader (README: What a plan costs; BENCHMARKS.md): who the key acts as, the managed sequences, the mailboxes,
// then the members of the managed sequences and the declared contacts by the cheapest complete
// strategy (read-strategy.ts: sweep + look-ups, or a scan of every contact), each query read from
// both ends of its order (two-ended-read.ts). Fails closed: a read that may be incomplete never
// reaches the planner as "absent".

import type {DesiredState, LiveContact, LiveState} from '../model/state.js'
import {contactEmails, selectorKey} from '../model/state.js'
import {DeclaredContacts} from './declared-contacts.js'
import type {ReadPlan} from './read-contacts.js'
import {readContacts} from './read-contacts.js'
import {resolveSequences} from './resolve-sequences.js'
import {SearchSession} from './two-ended-read.js'
import type {ApolloClient} from './types.js'

export type {ReadPlan} from './read-contacts.js'
export {findSequencesByName, resolveSequences} from './resolve-sequences.js'

export interface ReadOptions {
  /** Told the strategy and its cost once chosen, before the bulk of the read (the quota preflight; awaited). */
  readonly onReadPlan?: (plan: ReadPlan) => void | Promise<void>
}

export interface SweepResult {
  readonly contacts: Map<string, LiveContact>
  /** Managed sequence id -> ids (sorted) of contacts having a membership in it. */
  readonly members: Map<string, string[]>
}

/** The members of `sequenceIds` (distinct), with their contacts: the sweep alone (import); `onReadPlan` hears its cost. */
export async function sweepSequenceMembers(
  client: ApolloClient,
  sequenceIds: readonly string[],
  options: ReadOptions = {},
): Promise<SweepResult> {
  const ids = [...new Set(sequenceIds)]
  const read = await readContacts(
    new SearchSession(client),
    ids,
    new DeclaredContacts({sequences: []}),
    options.onReadPlan,
  )
  return {contacts: read.contacts, members: read.members}
}

function indexEmails(contacts: Iterable<LiveContact>): Map<string, string[]> {
  const index = new Map<string, Set<string>>()
  for (const c of contacts) {
    for (const key of contactEmails(c)) {
      let set = index.get(key)
      if (!set) index.set(key, (set = new Set()))
      set.add(c.id)
    }
  }
  return new Map([...index].map(([k, set]) => [k, [...set].sort()]))
}

/**
 * Everything the planner needs (README: What a plan costs; BENCHMARKS.md). `desired` may be a reduction of the manifests (the
 * stale check of apply reads only what a plan touched).
 */
export async function readLiveState(
  client: ApolloClient,
  desired: DesiredState,
  options: ReadOptions = {},
): Promise<LiveState> {
  if (desired.sequences.length === 0) {
    return {
      keyOwner: null,
      sequences: new Map(),
      mailboxes: [],
      contacts: new Map(),
      contactsByEmail: new Map(),
      members: new Map(),
      missingEmails: new Set(),
      missingContactIds: new Set(),
    }
  }
  // Who the key acts as (plan headers, pruneScope: owned), the sequences, the mailboxes.
  const keyOwner = await client.getApiProfile()
  const sequences = await resolveSequences(
    client,
    desired.sequences.map((s) => s.selector),
  )
  const mailboxes = await client.listMailboxes()
  // In MANIFEST order, not resolution order (names first, then ids): when the sweep must split,
  // contiguous halves then keep a team's overlapping campaigns together (BENCHMARKS.md note 1).
  const sweepIds = new Set<string>()
  for (const seq of desired.sequences) {
    for (const s of sequences.get(selectorKey(seq.selector)) ?? []) if (!s.archived) sweepIds.add(s.id)
  }
  const read = await readContacts(
    new SearchSession(client),
    [...sweepIds],
    new DeclaredContacts(desired),
    options.onReadPlan,
  )
  return {
    keyOwner,
    sequences,
    mailboxes,
    contacts: read.contacts,
    contactsByEmail: indexEmails(read.contacts.values()),
    members: read.members,
    missingEmails: read.missingEmails,
    missingContactIds: read.missingContactIds,
  }
}
