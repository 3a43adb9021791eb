// The members of the managed sequences and the declared contacts, by the cheapest complete
// strategy of read-strategy.ts: probe both queries (page 1 of each is data), sample declared
// contacts while the figures do not decide, then SWEEP (+ look-ups of what it did not see) or SCAN.

import type {LiveContact} from '../model/state.js'
import type {DeclaredContacts, DeclaredRef} from './declared-contacts.js'
import {refKey} from './declared-contacts.js'
import type {Endpoint} from './endpoints.js'
import {chooseStrategy, sweepCallsEstimate, twoEndedCalls} from './read-strategy.js'
import type {SearchSession} from './two-ended-read.js'
import {membersOf, readQuery, readSweep} from './two-ended-read.js'
import type {ContactPage, ContactQuery} from './types.js'

/**
 * How a run reads the members and the declared contacts, and what is still to read: told once the
 * strategy is chosen (`pages`), and for a sweep again once it is read (`look-ups`, then exact).
 */
export interface ReadPlan {
  /** `none`: nothing to read (no sequence to sweep, no contact to resolve). */
  readonly strategy: 'sweep' | 'scan' | 'none'
  readonly phase: 'pages' | 'look-ups'
  /** Distinct members of the managed sequences (T) and contacts of the account (N), as probed; null = not probed. */
  readonly members: number | null
  readonly contacts: number | null
  /** Declared contacts neither resolved by the probes nor sampled (U'), and the sample: its size, how many were outside. */
  readonly unresolved: number
  readonly sampled: number
  readonly sampledOutside: number
  /** Calls this phase still makes, per endpoint. */
  readonly remainingCalls: Readonly<Partial<Record<Endpoint, number>>>
}

/** What the contact read found: every contact that matters, members per managed sequence, what is missing. */
export interface ContactsRead {
  readonly contacts: Map<string, LiveContact>
  readonly members: Map<string, string[]>
  readonly missingEmails: Set<string>
  readonly missingContactIds: Set<string>
}

const SCAN: ContactQuery = {sequenceIds: null}

/** Reads the members of `sweepIds` (manifest order) and resolves `declared`; `onReadPlan` hears the strategy. */
export async function readContacts(
  session: SearchSession,
  sweepIds: readonly string[],
  declared: DeclaredContacts,
  onReadPlan?: (plan: ReadPlan) => void | Promise<void>,
): Promise<ContactsRead> {
  return new ContactRead(session, sweepIds, declared, onReadPlan ?? (() => undefined)).run()
}

class ContactRead {
  readonly #managed: ReadonlySet<string>
  /** Declared contacts read outside a complete read (probes, samples, look-ups). */
  readonly #found = new Map<string, LiveContact>()
  /** Look-ups that found nothing (by `refKey`): not looked up again after the sweep. */
  readonly #notFound = new Set<string>()
  readonly #sample = {sampled: 0, outside: 0}
  #scanProbe: ContactPage | null = null
  #sweepProbe: ContactPage | null = null
  #scanRest: number | null = null
  #sweepRest = 0

  constructor(
    readonly session: SearchSession,
    readonly sweepIds: readonly string[],
    readonly declared: DeclaredContacts,
    readonly onReadPlan: (plan: ReadPlan) => void | Promise<void>,
  ) {
    this.#managed = new Set(sweepIds)
  }

  async run(): Promise<ContactsRead> {
    const {client, cap} = this.session
    // The probes: page 1 of each strategy's query (T, N), also the first page of its own read. The
    // scan can only win when there are declared contacts to resolve, two at least (one look-up
    // costs no more than the probe).
    if (this.declared.size >= 2) {
      this.#scanProbe = await client.searchContacts(SCAN, 1, 'asc')
      const calls = twoEndedCalls(this.#scanProbe.totalEntries, cap)
      this.#scanRest = calls === 0 ? null : calls - 1
      // The whole account on the probe page: the scan is complete already.
      if (this.#scanRest === 0) return this.#scan()
    }
    if (this.sweepIds.length > 0) {
      this.#sweepProbe = await client.searchContacts({sequenceIds: this.sweepIds}, 1, 'asc')
      this.#sweepRest = sweepCallsEstimate(this.#sweepProbe.totalEntries, cap) - 1
    }
    for (const c of [...(this.#scanProbe?.items ?? []), ...(this.#sweepProbe?.items ?? [])]) this.#adopt(c)
    if (this.#sweepProbe === null && this.declared.openCount === 0) {
      await this.#announce('none', 'pages', {})
      return this.#result(new Map(this.#found), [])
    }
    for (;;) {
      const choice = chooseStrategy({
        sweepRest: this.#sweepRest,
        scanRest: this.#scanRest,
        unresolved: this.declared.openCount,
        ...this.#sample,
      })
      if (choice.kind === 'scan') return this.#scan()
      if (choice.kind === 'sweep') return this.#sweepAndLookUp()
      const results = await Promise.all(this.declared.sample(choice.count).map((ref) => this.#lookUp(ref)))
      this.#sample.sampled += results.length
      this.#sample.outside += results.filter((found) => !found.some((c) => this.#isMember(c))).length
    }
  }

  /** The scan: every membership and every email -> id mapping at once, so what it does not carry is missing. */
  async #scan(): Promise<ContactsRead> {
    await this.#announce('scan', 'pages', {'contacts/search': this.#scanRest ?? 0})
    const keep = (c: LiveContact): boolean => this.#isMember(c) || this.declared.declares(c)
    const outcome = await readQuery(this.session, SCAN, keep, this.#scanProbe ?? undefined)
    // A cap lower than assumed can make the scan impossible after all: then sweep.
    if (outcome.kind === 'too-large') return this.#sweepAndLookUp()
    const complete = new Map(outcome.contacts.map((c) => [c.id, c]))
    // One moment of Apollo: what the probes and samples saw earlier is superseded.
    return this.#result(complete, this.declared.unresolvedBy(complete.values()))
  }

  /** The sweep, then one look-up per declared contact it did not see. */
  async #sweepAndLookUp(): Promise<ContactsRead> {
    await this.#announce('sweep', 'pages', {'contacts/search': this.#sweepRest})
    const complete = await readSweep(this.session, this.sweepIds, this.#sweepProbe ?? undefined)
    // The sweep is complete for the members: a contact seen earlier as a member but not in it is
    // stale (removed since), and its entries are looked up again.
    for (const [id, c] of this.#found) if (!complete.has(id) && !this.#isMember(c)) complete.set(id, c)
    const open = this.declared.unresolvedBy(complete.values()).filter((ref) => !this.#notFound.has(refKey(ref)))
    const emails = open.filter((ref) => ref.kind === 'email').length
    if (open.length > 0) {
      await this.#announce('sweep', 'look-ups', {'contacts/search': emails, 'contacts/show': open.length - emails})
    }
    // Concurrently; the client bounds how many are in flight.
    const found = await Promise.all(open.map((ref) => this.#lookUp(ref)))
    for (const c of found.flat()) if (!complete.has(c.id)) complete.set(c.id, c)
    // What is still unresolved was looked up (now or as a sample) and not found.
    return this.#result(complete, this.declared.unresolvedBy(complete.values()))
  }

  /** One look-up: the contacts found are adopted; none found = missing. */
  async #lookUp(ref: DeclaredRef): Promise<readonly LiveContact[]> {
    const {client} = this.session
    const found =
      ref.kind === 'email'
        ? await client.findContactsByEmail(ref.email)
        : await client.getContact(ref.id).then((c) => (c === null ? [] : [c]))
    for (const c of found) this.#adopt(c)
    if (found.length === 0) this.#notFound.add(refKey(ref))
    this.declared.close(ref)
    return found
  }

  #isMember(c: LiveContact): boolean {
    return c.memberships.some((m) => this.#managed.has(m.sequenceId))
  }

  #adopt(c: LiveContact): void {
    if (!this.declared.declares(c)) return
    if (!this.#found.has(c.id)) this.#found.set(c.id, c)
    this.declared.resolve(c)
  }

  #result(contacts: Map<string, LiveContact>, missing: readonly DeclaredRef[]): ContactsRead {
    return {
      contacts,
      members: membersOf(contacts.values(), this.sweepIds),
      missingEmails: new Set(missing.flatMap((r) => (r.kind === 'email' ? [r.email] : []))),
      missingContactIds: new Set(missing.flatMap((r) => (r.kind === 'id' ? [r.id] : []))),
    }
  }

  /** Tells the caller the strategy and what this phase still costs. */
  async #announce(
    strategy: ReadPlan['strategy'],
    phase: ReadPlan['phase'],
    calls: Partial<Record<Endpoint, number>>,
  ): Promise<void> {
    const remainingCalls: Partial<Record<Endpoint, number>> = {}
    for (const [endpoint, n] of Object.entries(calls) as [Endpoint, number][]) if (n > 0) remainingCalls[endpoint] = n
    await this.onReadPlan({
      strategy,
      phase,
      members: this.#sweepProbe?.totalEntries ?? null,
      contacts: this.#scanProbe?.totalEntries ?? null,
      unresolved: this.declared.openCount,
      sampled: this.#sample.sampled,
      sampledOutside: this.#sample.outside,
      remainingCalls,
    })
  }
}
