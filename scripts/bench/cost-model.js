// The theoretical minimum API cost of a generated case, per PRODUCT.md §7's cost model:
// - plan: one contacts/search sweep over the distinct members of all managed sequences
//   (ceil(distinct / 100) pages, plus one wasted probe page per split needed to stay under the
//   50,000-record display cap), the sequence list (ceil(sequences / 100) pages, or per-name
//   searches + per-id reads when fewer), one email_accounts call, and for emails not seen in the
//   sweep min(one look-up each, a full scan when the account has <= 50,000 contacts);
// - apply writes: ceil(n / batchSize) per (sequence, mailbox, switches) add group and per
//   (sequence, mode) removal group.

export const PER_PAGE = 100
export const DISPLAY_CAP = 50_000

/** Distinct contacts that are live members of at least one managed sequence. */
export function countDistinctMembers(caseData) {
  const distinct = new Set()
  for (const ids of Object.values(caseData.expected.liveMembers)) for (const id of ids) distinct.add(id)
  return distinct.size
}

/**
 * @returns {{plan: Record<string, number>, apply: Record<string, number>, detail: object}}
 */
export function computeMinimumCalls(caseData, options = {}) {
  const batchSize = options.batchSize ?? 100
  const cap = options.displayCap ?? DISPLAY_CAP
  const e = caseData.expected
  const distinct = countDistinctMembers(caseData)
  const chunks = Math.max(1, Math.ceil(distinct / cap))
  const sweep = Math.ceil(distinct / PER_PAGE) + (chunks - 1)
  const lookups = e.outsideEmails.length
  const scanPages = e.totalContacts <= cap ? Math.ceil(e.totalContacts / PER_PAGE) : Number.POSITIVE_INFINITY
  const emailCost = Math.min(lookups, scanPages)
  const sequencePages = Math.max(1, Math.ceil(e.totalSequences / PER_PAGE))

  const plan = {'contacts/search': sweep + emailCost, email_accounts: 1}
  if (sequencePages <= e.namePinned + e.idPinned) plan['emailer_campaigns/search'] = sequencePages
  else {
    if (e.namePinned > 0) plan['emailer_campaigns/search'] = e.namePinned
    if (e.idPinned > 0) plan['emailer_campaigns/show'] = e.idPinned
  }

  const groups = new Map()
  for (const c of e.changes) {
    const key = c.kind === 'add' ? `add ${c.sequenceId}` : `${c.kind} ${c.sequenceId}`
    groups.set(key, (groups.get(key) ?? 0) + 1)
  }
  let adds = 0
  let removals = 0
  for (const [key, n] of groups) {
    if (key.startsWith('add ')) adds += Math.ceil(n / batchSize)
    else removals += Math.ceil(n / batchSize)
  }
  const apply = {}
  if (adds > 0) apply['emailer_campaigns/add_contact_ids'] = adds
  if (removals > 0) apply['emailer_campaigns/remove_or_stop_contact_ids'] = removals

  return {
    plan,
    apply,
    detail: {
      distinct,
      chunks,
      sweep,
      lookups,
      scanPages: Number.isFinite(scanPages) ? scanPages : null,
      emailCost,
      sequencePages,
    },
  }
}

export function sumCalls(counts) {
  return Object.values(counts).reduce((a, b) => a + b, 0)
}

export const WRITE_ENDPOINTS = [
  'emailer_campaigns/add_contact_ids',
  'emailer_campaigns/remove_or_stop_contact_ids',
  'contacts/bulk_create',
]
