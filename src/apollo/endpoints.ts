// Apollo's endpoints as seqsync labels them: call counting, rate-limit tracking, the cost report,
// key scopes. Apollo limits each endpoint separately; `contacts/search` is shared by member
// sweeps, email look-ups and scans. The emulator, the benchmark and the tests use these lists too.

export const ENDPOINTS = [
  'auth/health',
  'users/api_profile',
  'usage_stats/api_usage_stats',
  'emailer_campaigns/search',
  'emailer_campaigns/show',
  'emailer_campaigns/add_contact_ids',
  'emailer_campaigns/remove_or_stop_contact_ids',
  'contacts/search',
  'contacts/show',
  'contacts/bulk_create',
  'email_accounts',
] as const

export type Endpoint = (typeof ENDPOINTS)[number]

/** Endpoints that change Apollo (`contacts/create` is Apollo's single create, which seqsync does not call). */
export const WRITE_ENDPOINTS = [
  'emailer_campaigns/add_contact_ids',
  'emailer_campaigns/remove_or_stop_contact_ids',
  'contacts/bulk_create',
  'contacts/create',
] as const

/** Apollo key scope per endpoint label (403 API_INACCESSIBLE hints, `doctor`). */
export const SCOPES: Readonly<Record<Endpoint, string>> = {
  'auth/health': 'api/v1/auth/health',
  'users/api_profile': 'api/v1/users/api_profile',
  'usage_stats/api_usage_stats': 'api/v1/usage_stats/api_usage_stats',
  'emailer_campaigns/search': 'api/v1/emailer_campaigns/search',
  'emailer_campaigns/show': 'api/v1/emailer_campaigns/show',
  'emailer_campaigns/add_contact_ids': 'api/v1/emailer_campaigns/add_contact_ids',
  'emailer_campaigns/remove_or_stop_contact_ids': 'api/v1/emailer_campaigns/remove_or_stop_contact_ids',
  'contacts/search': 'api/v1/contacts/search',
  'contacts/show': 'api/v1/contacts/show',
  'contacts/bulk_create': 'api/v1/contacts/bulk_create',
  email_accounts: 'api/v1/email_accounts/index',
}

/** The scope a 403 API_INACCESSIBLE names in Apollo's words, else the endpoint's own. */
export function missingScope(endpoint: Endpoint, apolloMessage: string): string {
  return /api\/v1\/[a-z0-9_/]+/i.exec(apolloMessage)?.[0] ?? SCOPES[endpoint]
}
