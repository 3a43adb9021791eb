// Apollo response DTOs, as the API returns them. Every field is optional and loosely typed on
// purpose: Apollo adds fields, omits optional ones, sends numbers as strings and stats as the
// string "loading". The pure mappers in to-live-state.ts turn these into model types.

/** A number Apollo may send as a number, a numeric string or "loading". */
export type WireNumber = number | string | null

export interface PaginationDto {
  readonly page?: WireNumber
  readonly per_page?: WireNumber
  readonly total_entries?: WireNumber
  readonly total_pages?: WireNumber
}

export interface BreadcrumbDto {
  readonly label?: string
  readonly signal_field_name?: string
  readonly value?: unknown
  readonly display_name?: unknown
}

export interface ContactCampaignStatusDto {
  /** Not unique across contacts: never key on it. */
  readonly id?: string
  readonly emailer_campaign_id?: string
  readonly status?: string
  readonly inactive_reason?: string | null
  readonly failure_reason?: string | null
  readonly send_email_from_email_account_id?: string | null
  readonly [extra: string]: unknown
}

export interface ContactDto {
  readonly id?: string
  readonly email?: string | null
  readonly name?: string | null
  readonly first_name?: string | null
  readonly last_name?: string | null
  readonly organization_name?: string | null
  readonly email_status?: string | null
  readonly emailer_campaign_ids?: readonly string[] | null
  readonly contact_emails?: readonly {readonly email?: string | null; readonly position?: WireNumber}[] | null
  readonly contact_campaign_statuses?: readonly ContactCampaignStatusDto[] | null
  readonly [extra: string]: unknown
}

export interface SequenceDto {
  readonly id?: string
  readonly name?: string
  readonly active?: boolean | string | null
  readonly archived?: boolean | string | null
  readonly [extra: string]: unknown
}

export interface EmailAccountDto {
  readonly id?: string
  readonly email?: string
  readonly active?: boolean | string | null
  readonly [extra: string]: unknown
}

export interface ContactsSearchResponseDto {
  readonly pagination?: PaginationDto
  readonly breadcrumbs?: readonly BreadcrumbDto[]
  readonly contacts?: readonly ContactDto[]
}

export interface SequencesSearchResponseDto {
  readonly pagination?: PaginationDto
  readonly breadcrumbs?: readonly BreadcrumbDto[]
  readonly emailer_campaigns?: readonly SequenceDto[]
}

export interface SequenceShowResponseDto {
  readonly emailer_campaign?: SequenceDto
}

export interface EmailAccountsResponseDto {
  readonly email_accounts?: readonly EmailAccountDto[]
}

export interface ContactShowResponseDto {
  readonly contact?: ContactDto
}

export interface BulkCreateResponseDto {
  readonly created_contacts?: readonly ContactDto[]
  readonly existing_contacts?: readonly ContactDto[]
}

export interface AddContactIdsResponseDto {
  readonly contacts?: readonly ContactDto[]
  /** Documented as an object id -> reason code. */
  readonly skipped_contact_ids?: Readonly<Record<string, unknown>> | readonly string[] | null
}

export interface ApiProfileResponseDto {
  readonly id?: string
  readonly email?: string | null
  readonly user?: {readonly id?: string; readonly email?: string | null}
}

/** Error bodies: `{error, error_code}` or `{message}`. */
export interface ErrorBodyDto {
  readonly error?: unknown
  readonly error_code?: unknown
  readonly message?: unknown
}
