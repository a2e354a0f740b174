import { InvalidRequest, NotImplemented, PayloadTooLarge } from './errors.ts'

/** Methods the Fetch standard forbids: no `Request` can carry them, and TRACE echoes cookies. */
const FORBIDDEN_METHODS = new Set(['CONNECT', 'TRACE', 'TRACK'])

/** Refuses a method this server never implements (RFC 9110 §9.1: 501). */
export function checkMethod(method: string): void {
  if (FORBIDDEN_METHODS.has(method.toUpperCase()))
    throw new NotImplemented(`${method.toUpperCase()} is not supported`)
}

/**
 * What no route should see, refused before any routing — the adapters ask the core first for
 * every request, so the app's routes are covered too:
 * - a forbidden method (a Fetch runtime's lazy `Request` can carry TRACE);
 * - more than one Host (RFC 9112 §3.2: 400), which arrive joined by a comma;
 * - credentials in an absolute-form target (RFC 9110 §4.2.4: "treat its presence as an error");
 * - a declared body larger than `maxBodyBytes`, answered before a byte of it is read;
 * - a path that does not percent-decode (`%zz`, `%FF`): not a valid URI (RFC 3986 §2.1), and
 *   a framework decoding route parameters would fail on it later (RFC 9112 §3: 400).
 */
export function checkRequest(request: Request, url: URL, maxBodyBytes: number): void {
  checkMethod(request.method)
  if (request.headers.get('host')?.includes(','))
    throw new InvalidRequest('more than one Host header')
  if (url.username || url.password) throw new InvalidRequest('credentials in the request target')
  const length = request.headers.get('content-length')
  if (length !== null && /^\d+$/.test(length) && Number(length) > maxBodyBytes)
    throw new PayloadTooLarge(`the body is larger than ${maxBodyBytes} bytes`)
  try {
    decodeURIComponent(url.pathname)
  } catch {
    throw new InvalidRequest('the path is not validly percent-encoded')
  }
}
