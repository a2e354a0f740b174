/** What Next's `headers()` gives: enough to read a header. */
export type HeadersLike = Pick<Headers, 'get'>

// The headers the core reads to identify a caller and check an unsafe request's origin and
// CSRF token; nothing else of the incoming request is carried over.
const FORWARDED = ['cookie', 'origin', 'sec-fetch-site', 'x-csrf-token'] as const

/**
 * A Fetch `Request` that stands for the current one where Next exposes only its headers
 * (server components, server actions): the core needs no more than the headers above.
 */
export function requestFrom(headers: HeadersLike, origin: string, method = 'GET'): Request {
  const copy = new Headers()
  for (const name of FORWARDED) {
    const value = headers.get(name)
    if (value !== null) copy.set(name, value)
  }
  return new Request(new URL('/', origin), { method, headers: copy })
}
