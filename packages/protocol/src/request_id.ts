/** The header a request's id travels in: from a load balancer, to the backend, to the IdP. */
export const REQUEST_ID_HEADER = 'x-request-id'

// What an id may be made of: enough for UUIDs and the ids proxies mint, nothing that could
// break a log line or smuggle a field into it.
const REQUEST_ID = /^[\w.:-]{1,128}$/

/** The id a request came with, if it is a sane one; `undefined` means "mint a new one". */
export const acceptableRequestId = (value: string | null | undefined): string | undefined =>
  value && REQUEST_ID.test(value) ? value : undefined
