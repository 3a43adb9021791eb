// `seqsync doctor` (issue 14.6): read-only checks, one per line, of what a first plan depends on:
// the key (who it acts as), every endpoint's scope, the mailboxes of the manifests, the Apollo
// behaviours the reads rely on (the emailer_campaign_ids filter, both sort orders, the display cap),
// the account's size, the quota per endpoint, and what a full plan costs under it. Nothing is
// written: write endpoints get requests that cannot change anything (apollo/client.ts, probeScope).
// Without manifests the manifest-specific checks are skipped with a note. No printing.

import {DISPLAY_CAP, PAGE_SIZE} from '../apollo/limits.js'
import {DeclaredContacts} from '../apollo/declared-contacts.js'
import {ENDPOINTS} from '../apollo/endpoints.js'
import {chooseStrategy, sweepCallsEstimate, twoEndedCalls} from '../apollo/read-strategy.js'
import {resolveSequences} from '../apollo/resolve-sequences.js'
import {SearchSession} from '../apollo/two-ended-read.js'
import type {ApolloClient, ContactPage, MailboxAccount} from '../apollo/types.js'
import type {ResolvedConfig} from '../config/config-schema.js'
import {DisplayCapError, ManifestError, SeqsyncError, UsageError} from '../errors.js'
import type {DoctorCheck, DoctorReport} from '../model/doctor-report.js'
import {formatDuration} from '../model/duration.js'
import type {DesiredState} from '../model/state.js'
import {normalizeEmail, selectorKey} from '../model/state.js'
import {describeQuotaShortfall} from '../render/read-cost.js'
import {loadDesiredState} from './load-desired-state.js'
import {assessReadPlan} from './read-cost.js'

export interface DoctorInput {
  readonly client: ApolloClient
  readonly config: ResolvedConfig
  /** Manifest paths (default: the config's globs); none at all = the manifest checks are skipped. */
  readonly paths: readonly string[]
  readonly now: number
}

const count = (n: number): string => n.toLocaleString('en-US')

export async function runDoctor(input: DoctorInput): Promise<DoctorReport> {
  const checks: DoctorCheck[] = []
  const report = (): DoctorReport => ({checks, ok: checks.every((c) => c.status !== 'fail')})
  const {client} = input
  /** Runs a check; an Apollo error becomes its failing line instead of ending the run. */
  const attempt = async (check: string, run: () => Promise<DoctorCheck | DoctorCheck[]>): Promise<void> => {
    try {
      const result = await run()
      checks.push(...(Array.isArray(result) ? result : [result]))
    } catch (error) {
      if (!(error instanceof SeqsyncError)) throw error
      checks.push({check, status: 'fail', message: error.message, ...(error.hint ? {hint: error.hint} : {})})
    }
  }

  // The key: nothing else can be checked without it.
  const health = await client.probeScope('auth/health')
  if (health.kind === 'unknown') {
    checks.push({
      check: 'key',
      status: 'fail',
      message: `could not check the key: Apollo gave no answer to auth/health (${health.reason})`,
      hint: 'Check --api-url (SEQSYNC_API_URL) and the network, then run doctor again.',
    })
    return report()
  }
  if (health.kind !== 'ok') {
    checks.push({
      check: 'key',
      status: 'fail',
      message: `Apollo does not accept the key (auth/health: ${health.kind})`,
      hint: 'Check APOLLO_API_KEY: an Apollo API key (Settings → Integrations → API Keys), sent as x-api-key.',
    })
    return report()
  }
  await attempt('key', async () => {
    const owner = await client.getApiProfile()
    const who = [owner.name, owner.email === null ? null : `<${owner.email}>`].filter((x) => x !== null).join(' ')
    return {
      check: 'key',
      status: 'ok',
      message: `acts as ${who || 'an unnamed user'} (user ${owner.userId}, team ${owner.teamId ?? 'unknown'})`,
    }
  })
  await attempt('scopes', async () => scopeChecks(client))

  const desired = await loadManifests(input, checks)
  if (desired === null) {
    checks.push({check: 'mailboxes', status: 'skip', message: 'no manifests: the mailboxes they name are not checked'})
  } else {
    await attempt('mailboxes', async () => mailboxChecks(desired, await client.listMailboxes()))
  }

  // The reads: the filter, both sort orders, the display cap, the account's size.
  let scan: ContactPage | null = null
  let sweep: ContactPage | null = null
  await attempt('sort', async () => {
    scan = await client.searchContacts({sequenceIds: null}, 1, 'asc')
    const newest = await client.searchContacts({sequenceIds: null}, 1, 'desc')
    return sortCheck(scan, newest)
  })
  await attempt('filter', async () => {
    const ids = await sequenceIdsToProbe(client, desired)
    if (ids.length === 0) return {check: 'filter', status: 'skip', message: 'no sequence in Apollo to filter by'}
    sweep = await client.searchContacts({sequenceIds: ids}, 1, 'asc')
    return {
      check: 'filter',
      status: 'ok',
      message: `Apollo applies emailer_campaign_ids (breadcrumbs echo all ${ids.length} sequence id${ids.length === 1 ? '' : 's'}, every contact is a member)`,
    }
  })
  // The cap a plan's reads would learn: what the display cap check shows.
  const session = new SearchSession(client)
  await attempt('display cap', async () => displayCapCheck(session, scan))
  checks.push(sizeCheck(scan, desired === null ? null : sweep))
  await attempt('plan cost', async () =>
    planCostCheck(session, input.now, scan, desired === null ? null : sweep, desired),
  )
  await attempt('quota', async () => quotaChecks(client))
  return report()
}

async function loadManifests(input: DoctorInput, checks: DoctorCheck[]): Promise<DesiredState | null> {
  if (input.paths.length === 0 && input.config.manifests.length === 0) {
    checks.push({
      check: 'manifests',
      status: 'skip',
      message: 'no manifests (no PATH and no `manifests` in the config): manifest-specific checks are skipped',
    })
    return null
  }
  try {
    const {desired, files} = await loadDesiredState(input.paths, input.config)
    checks.push({
      check: 'manifests',
      status: 'ok',
      message: `${files.length} file${files.length === 1 ? '' : 's'}, ${desired.sequences.length} managed sequence${desired.sequences.length === 1 ? '' : 's'}`,
    })
    return desired
  } catch (error) {
    if (error instanceof ManifestError) {
      const n = error.issues.filter((i) => i.severity === 'error').length
      checks.push({
        check: 'manifests',
        status: 'fail',
        message: `${n} error${n === 1 ? '' : 's'} in the manifests: manifest-specific checks are skipped`,
        hint: 'Run `seqsync validate` for every error with its file:line:col.',
      })
      return null
    }
    if (error instanceof UsageError) {
      checks.push({
        check: 'manifests',
        status: 'skip',
        message: `${error.message}: manifest-specific checks are skipped`,
      })
      return null
    }
    throw error
  }
}

/** One line per endpoint the key may or may not call (auth/health and api_profile are checked above). */
async function scopeChecks(client: ApolloClient): Promise<DoctorCheck[]> {
  const endpoints = ENDPOINTS.filter((e) => e !== 'auth/health' && e !== 'users/api_profile')
  const answers = await Promise.all(endpoints.map(async (e) => [e, await client.probeScope(e)] as const))
  return answers.map(([endpoint, answer]): DoctorCheck => {
    const check = `scope ${endpoint}`
    if (answer.kind === 'ok') return {check, status: 'ok', message: 'the key may call it'}
    if (answer.kind === 'unknown') {
      return {
        check,
        status: 'warn',
        message: `could not check: Apollo gave no answer about the scope (${answer.reason})`,
        hint: 'Run doctor again later; if it persists, check the Apollo URL and the network.',
      }
    }
    // Without usage stats seqsync reads the quota from the rate-limit headers: not needed.
    const optional = endpoint === 'usage_stats/api_usage_stats'
    const message =
      answer.kind === 'missing-scope'
        ? `the key lacks the scope ${answer.scope}`
        : `Apollo refused: ${answer.kind === 'refused' ? answer.message : 'the key'}`
    return {
      check,
      status: optional ? 'warn' : 'fail',
      message,
      hint: optional
        ? 'Optional: seqsync then reads the quota from the rate-limit headers.'
        : "Add it to the key's configured scopes (Settings → Integrations → API Keys) or use a master key.",
    }
  })
}

function mailboxChecks(desired: DesiredState, mailboxes: readonly MailboxAccount[]): DoctorCheck[] {
  const named = [...new Set(desired.sequences.map((s) => s.mailbox))]
  return named.map((name): DoctorCheck => {
    const check = `mailbox ${name}`
    const found = mailboxes.find((m) => m.id === name || normalizeEmail(m.email) === normalizeEmail(name))
    if (found === undefined) {
      return {
        check,
        status: 'fail',
        message: 'no such email account in Apollo',
        hint: "Fix `mailbox:` in the manifests (an email account's email or id).",
      }
    }
    if (!found.active) {
      return {
        check,
        status: 'fail',
        message: `email account ${found.id} is not active`,
        hint: 'Reactivate it in Apollo, or name another mailbox.',
      }
    }
    if (found.revokedAt !== null) {
      return {
        check,
        status: 'fail',
        message: `email account ${found.id} was revoked at ${found.revokedAt}: contacts enrolled with it are not sent to`,
        hint: 'Reconnect the mailbox in Apollo (Settings → Mailboxes), or name another one.',
      }
    }
    return {check, status: 'ok', message: `email account ${found.id}, active`}
  })
}

function sortCheck(oldest: ContactPage, newest: ContactPage): DoctorCheck {
  // Within each page the client checked the order already; across them the ends must differ.
  const ends = oldest.first !== null && newest.first !== null && oldest.totalEntries > 1
  if (ends && oldest.first.createdMs > newest.first.createdMs) {
    return {
      check: 'sort',
      status: 'fail',
      message: 'the oldest-first page starts after the newest-first one: Apollo ignored a sort parameter',
    }
  }
  if (oldest.totalEntries < 2) {
    return {check: 'sort', status: 'warn', message: 'fewer than 2 contacts: the sort orders cannot be checked yet'}
  }
  return {
    check: 'sort',
    status: 'ok',
    message: 'Apollo sorts contacts/search by contact_created_at both ways (ties by id)',
  }
}

/** The managed sequences (with manifests), else the first sequence Apollo lists. */
async function sequenceIdsToProbe(client: ApolloClient, desired: DesiredState | null): Promise<string[]> {
  if (desired !== null) {
    const resolved = await resolveSequences(
      client,
      desired.sequences.map((s) => s.selector),
    )
    return [
      ...new Set(
        desired.sequences.flatMap((s) =>
          (resolved.get(selectorKey(s.selector)) ?? []).filter((l) => !l.archived).map((l) => l.id),
        ),
      ),
    ]
  }
  const first = await client.searchSequences({page: 1})
  return first.items.slice(0, 1).map((s) => s.id)
}

/** Probes the page past the documented cap; what it shows of the real cap is recorded in `session`. */
async function displayCapCheck(session: SearchSession, scan: ContactPage | null): Promise<DoctorCheck> {
  const past = DISPLAY_CAP / PAGE_SIZE + 1
  const check = 'display cap'
  try {
    const page = await session.client.searchContacts({sequenceIds: null}, past, 'asc')
    if (page.items.length > 0) {
      return {
        check,
        status: 'warn',
        message: `Apollo listed page ${past}, past its documented cap of ${count(DISPLAY_CAP)}: seqsync still reads at most 2 x ${count(DISPLAY_CAP)} per query`,
      }
    }
    const total = scan?.totalEntries ?? page.totalEntries
    return total > DISPLAY_CAP
      ? {
          check,
          status: 'ok',
          message: `pages past ${count(DISPLAY_CAP)} records come back empty with true totals (seqsync reads around it)`,
        }
      : {
          check,
          status: 'ok',
          message: `not observable: the account has ${count(total)} contacts, fewer than the documented ${count(DISPLAY_CAP)}`,
        }
  } catch (error) {
    if (!(error instanceof DisplayCapError)) throw error
    session.learnCap(past, error.cap)
    if (error.cap !== null && error.cap < DISPLAY_CAP) {
      return {
        check,
        status: 'warn',
        message: `Apollo's display cap is ${count(error.cap)} records, not the documented ${count(DISPLAY_CAP)}: one query reaches 2 x ${count(error.cap)}, larger ones are split or read otherwise`,
      }
    }
    return {
      check,
      status: 'ok',
      message: `Apollo refuses pages past ${count(error.cap ?? DISPLAY_CAP)} records with a 422 naming its display cap`,
    }
  }
}

function sizeCheck(scan: ContactPage | null, sweep: ContactPage | null): DoctorCheck {
  if (scan === null) return {check: 'account', status: 'skip', message: 'contacts/search could not be read'}
  const members = sweep === null ? '' : `, ${count(sweep.totalEntries)} distinct members in the managed sequences`
  return {check: 'account', status: 'ok', message: `${count(scan.totalEntries)} contacts${members}`}
}

/**
 * A full plan's read as a plan would make it (read-contacts.ts): its probes (page 1 of the scan and of
 * the sweep, the pages doctor read too, which resolve the declared contacts they carry), the
 * strategy chosen under the display cap Apollo showed, and the look-ups at their upper bound (by
 * email on contacts/search, by id on contacts/show); against the quota.
 */
async function planCostCheck(
  session: SearchSession,
  now: number,
  scan: ContactPage | null,
  sweep: ContactPage | null,
  desired: DesiredState | null,
): Promise<DoctorCheck> {
  const check = 'plan cost'
  if (scan === null || sweep === null || desired === null) {
    return {check, status: 'skip', message: 'needs manifests and a readable contacts/search'}
  }
  const {client, cap} = session
  const declared = new DeclaredContacts(desired)
  // The scan is probed only when it can win: two declared contacts at least.
  const scanProbed = declared.size >= 2
  const scanCalls = twoEndedCalls(scan.totalEntries, cap)
  const sweepCalls = sweepCallsEstimate(sweep.totalEntries, cap)
  let strategy: 'scan' | 'sweep'
  let calls: {search: number; show: number}
  let how: string
  if (scanProbed && scanCalls === 1) {
    // The whole account on the probe page: the plan reads nothing more.
    strategy = 'scan'
    calls = {search: 1, show: 0}
    how = `scan of ${count(scan.totalEntries)} contacts`
  } else {
    for (const c of [...(scanProbed ? scan.items : []), ...sweep.items]) if (declared.declares(c)) declared.resolve(c)
    const probes = (scanProbed ? 1 : 0) + 1
    const scanRest = scanProbed && scanCalls > 0 ? scanCalls - 1 : null
    const choice = chooseStrategy({
      sweepRest: sweepCalls - 1,
      scanRest,
      unresolved: declared.openCount,
      sampled: 0,
      outside: 0,
    })
    const emails = declared.openEmailCount
    const ids = declared.openCount - emails
    const bySweep = {search: probes + sweepCalls - 1 + emails, show: ids}
    // A sample looks up at most a quarter of the pages the sweep would save before a scan (read-strategy.ts).
    const byScan = {search: probes + (scanRest ?? 0) + Math.floor(((scanRest ?? 0) - sweepCalls + 1) / 4), show: 0}
    strategy = choice.kind === 'scan' ? 'scan' : 'sweep'
    calls =
      choice.kind === 'scan'
        ? {search: probes + (scanRest ?? 0), show: 0}
        : choice.kind === 'sweep'
          ? bySweep
          : {search: Math.max(bySweep.search, byScan.search), show: bySweep.show}
    how =
      strategy === 'scan'
        ? `scan of ${count(scan.totalEntries)} contacts`
        : `sweep of ${count(sweep.totalEntries)} members${choice.kind === 'sample' ? ' or scan (a sample decides)' : ''}${declared.openCount === 0 ? '' : `, look-ups of at most ${count(declared.openCount)} declared contacts`}`
  }
  const remainingCalls = {'contacts/search': calls.search, ...(calls.show > 0 ? {'contacts/show': calls.show} : {})}
  const cost = await assessReadPlan(
    {
      strategy,
      phase: 'pages',
      members: sweep.totalEntries,
      contacts: scan.totalEntries,
      unresolved: declared.openCount,
      sampled: 0,
      sampledOutside: 0,
      remainingCalls,
    },
    client,
    now,
  )
  const hourly = client.quotaStatus()['contacts/search']?.hour.limit ?? null
  const duration =
    hourly === null || hourly <= 0
      ? ''
      : calls.search <= hourly
        ? `, within one hour of Apollo's ${count(hourly)}`
        : `; at Apollo's ${count(hourly)} an hour that is ${formatDuration((calls.search / hourly) * client.windowLengthMs('hour'))} of its quota`
  const show = calls.show > 0 ? ` and ~${count(calls.show)} contacts/show calls` : ''
  const message = `a full plan reads by ${how}: ~${count(calls.search)} contacts/search calls${show}${duration}`
  if (cost.shortfalls.length === 0) return {check, status: 'ok', message}
  return {
    check,
    status: 'warn',
    message: `${message}; it ${cost.shortfalls.map(describeQuotaShortfall).join('; ')}`,
    hint: 'Run plan with --wait-for-quota (and --max-wait) to let it wait for the windows, or run it later.',
  }
}

async function quotaChecks(client: ApolloClient): Promise<DoctorCheck[]> {
  const usage = await client.getUsageStats()
  const headers = client.quotaStatus()
  const checks: DoctorCheck[] = []
  for (const endpoint of ENDPOINTS) {
    const hour = usage?.[endpoint]?.hour ?? headers[endpoint]?.hour
    const day = usage?.[endpoint]?.day ?? headers[endpoint]?.day
    const part = (w: Window | undefined, when: string): string | null =>
      w === undefined || w.left === null
        ? null
        : `${count(w.left)}${w.limit === null ? '' : ` of ${count(w.limit)}`} left ${when}`
    const parts = [part(hour, 'this hour'), part(day, 'today')].filter((x): x is string => x !== null)
    if (parts.length === 0) continue
    const exhausted = hour?.left === 0 || day?.left === 0
    checks.push({
      check: `quota ${endpoint}`,
      status: exhausted ? 'warn' : 'ok',
      message: parts.join(', '),
      ...(exhausted ? {hint: 'Used up: runs stop (or wait with --wait-for-quota) until the window resets.'} : {}),
    })
  }
  if (usage === null) {
    checks.push({
      check: 'quota',
      status: 'ok',
      message:
        'usage stats are unknown (not readable by this key, or Apollo did not answer): the quota above comes from the rate-limit headers',
    })
  }
  return checks
}

interface Window {
  readonly left: number | null
  readonly limit: number | null
}
