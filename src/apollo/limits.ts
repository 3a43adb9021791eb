// Apollo's documented limits, named once (docs/emulator.md, "What Apollo documents or was seen to do"). Everything that pages,
// chunks or caps a read or a write takes its numbers from here (the pure core gets them injected).

/** Records per search page: Apollo's documented maximum `per_page`. */
export const PAGE_SIZE = 100
/** Contacts per `POST /contacts/bulk_create` (422 above it). */
export const BULK_CREATE_LIMIT = 100
/** Records a search can list: 500 pages x 100. Nothing past it can be read. */
export const DISPLAY_CAP = 50_000

/** Pages of `perPage` records that `total` records take. */
export function pageCount(total: number, perPage: number = PAGE_SIZE): number {
  return Math.ceil(total / perPage)
}

/**
 * Pages to read of a listing, from its first page: whichever of Apollo's two counts asks for more
 * (total_entries is what the completeness checks trust; Apollo may page by fewer than 100).
 */
export function pagesToRead(first: {readonly totalPages: number; readonly totalEntries: number}): number {
  return Math.max(first.totalPages, pageCount(first.totalEntries))
}
