import type { IncomingMessage, ServerResponse } from 'node:http'
import { CSRF_HEADER, isAuthority, originForm, REQUEST_ID_HEADER } from '@latchkey/protocol'
import { errorResponse, InvalidRequest } from '../errors.ts'
import type { Latchkey } from '../latchkey.ts'
import { checkMethod } from '../request_checks.ts'

/** How long a connection ended after a refused body is still read (and discarded). */
const LINGER_MS = 2000

const scheme = (req: IncomingMessage) =>
  (req.socket as { encrypted?: boolean }).encrypted === true ? 'https' : 'http'

/**
 * The request's URL, from a request line and Host that make a valid one; anything else is
 * refused (RFC 9112 §3.2: 400), never guessed at or passed on to throw elsewhere:
 * - origin-form (`/path?query`): the Host's `host[:port]`, which must be valid (several Host
 *   lines are the core's to refuse); without Host (HTTP/1.0: Node refuses HTTP/1.1 without
 *   one itself), the backend's configured origin;
 * - absolute-form (`http://host/path`): its own authority, Host ignored (RFC 9112 §3.2.2);
 * - the scheme is always the transport's, never the one a client wrote in the target.
 * The core routes on the path alone; nothing it sends anywhere is built from this host.
 */
function urlOf(req: IncomingMessage, origin: string): string {
  const target = originForm(req.url ?? '')
  if (!target) throw new TypeError('not a path or an absolute URL')
  const host = target.authority ?? (req.headers.host || new URL(origin).host)
  if (!isAuthority(host)) throw new TypeError('not an authority')
  // Concatenated, not resolved: `//x` is a path here, not a host.
  return new URL(`${scheme(req)}://${host}${target.path}`).href
}

/**
 * The body as a stream that touches the Node request only when read. Latchkey reads bodies
 * on its own endpoints only; on the app's routes the framework's parser (or Node, which
 * discards an unread body) must find the request as it came. A stream pulling eagerly would
 * take the first chunks and then pause the request, holding the connection until Node's
 * request timeout — what kept a 64 KiB body on an app route unanswered for minutes.
 */
function lazyBody(req: IncomingMessage): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (req.readableEnded) return controller.close()
        return new Promise<void>((resolve, reject) => {
          const settle = () => {
            req.pause()
            req.off('data', onData)
            req.off('end', onEnd)
            req.off('error', onError)
            resolve()
          }
          const onData = (chunk: Buffer) => {
            settle()
            controller.enqueue(new Uint8Array(chunk))
          }
          const onEnd = () => {
            settle()
            controller.close()
          }
          const onError = (error: Error) => {
            settle()
            reject(error)
          }
          req.on('data', onData).once('end', onEnd).once('error', onError).resume()
        })
      },
    },
    { highWaterMark: 0 },
  )
}

const requests = new WeakMap<IncomingMessage, Request>()

/**
 * The request headers the core reads; a `Request` built for it carries only these. Copying
 * every header a browser sends (a dozen or more, each converted and checked by the Fetch
 * `Headers`) was most of the cost of building one, and the app reads its framework's own
 * request, never this one. `test/core_headers.test.ts` fails when the core reads another.
 */
export const CORE_HEADERS = [
  'host',
  'cookie',
  'origin',
  'sec-fetch-site',
  CSRF_HEADER,
  'content-type',
  'content-length',
  'connection',
  'x-forwarded-proto',
  REQUEST_ID_HEADER,
  'access-control-request-method',
  'access-control-request-headers',
] as const

/**
 * Builds a Fetch `Request` from a Node request (once: the middleware and a route guard share
 * it). Throws the contract's errors for a request no `Request` can be built from: 501 for a
 * method the Fetch API forbids (TRACE…), 400 for a broken Host or request target. A body a
 * framework already parsed (`req.body`) is re-encoded as a form.
 */
export function toRequest(req: IncomingMessage & { body?: unknown }, origin: string): Request {
  const known = requests.get(req)
  if (known) return known
  const method = req.method ?? 'GET'
  checkMethod(method)
  let request: Request
  try {
    const url = urlOf(req, origin)
    const headers = new Headers()
    for (const name of CORE_HEADERS) {
      const value = req.headers[name]
      if (typeof value === 'string') headers.set(name, value)
    }
    // Node keeps only the first of several Host lines: the core must see them all to refuse.
    const hosts: string[] = []
    for (let i = 0; i < req.rawHeaders.length; i += 2)
      if (req.rawHeaders[i]?.toLowerCase() === 'host') hosts.push(req.rawHeaders[i + 1] ?? '')
    if (hosts.length > 1) headers.set('host', hosts.join(', '))
    if (method === 'GET' || method === 'HEAD' || method === 'OPTIONS') {
      request = new Request(url, { method, headers })
    } else {
      const parsed = req.body
      const body =
        parsed && typeof parsed === 'object' && !Buffer.isBuffer(parsed)
          ? new URLSearchParams(parsed as Record<string, string>).toString()
          : req.readableEnded
            ? null
            : lazyBody(req)
      request = new Request(url, { method, headers, body, duplex: 'half' } as RequestInit)
    }
  } catch (error) {
    throw new InvalidRequest('the request target or Host header is malformed', { cause: error })
  }
  requests.set(req, request)
  return request
}

/**
 * Latchkey's part of a Node request, for the middleware of every Node adapter: its answer
 * (an `/auth/*` endpoint, a preflight, a refusal, or the error for a request that cannot be
 * read), or the `Request` the app goes on with. Never throws: Latchkey's errors go to the
 * client as its JSON, never to a framework's default error handler.
 */
export async function answer(
  auth: Latchkey,
  req: IncomingMessage,
): Promise<{ response: Response } | { request: Request }> {
  try {
    const request = toRequest(req, auth.origin)
    const response = await auth.handle(request)
    return response ? { response } : { request }
  } catch (error) {
    return { response: errorResponse(error) }
  }
}

/**
 * Ends the connection after this response without losing the response (RFC 9112 §9.6). A
 * client still sending a body we refused would get an immediate close answered with a TCP
 * reset, which can destroy the response before it is read. So: the response (with no
 * `Connection` header, since Node destroys the socket at once on `close`), a half-close,
 * reading and discarding what still arrives for a moment, then the close.
 */
export function closeAfterResponse(res: ServerResponse): void {
  res.removeHeader('connection')
  const { req, socket } = res
  res.once('finish', () => {
    if (!socket || socket.destroyed) return
    req.resume()
    socket.end()
    const timer = setTimeout(() => socket.destroy(), LINGER_MS)
    timer.unref()
    socket.once('close', () => clearTimeout(timer))
  })
}

/**
 * Writes a Fetch `Response` to a Node response, keeping every Set-Cookie line. A response
 * saying `Connection: close` (a refused body) ends the connection in stages.
 */
export async function sendResponse(res: ServerResponse, response: Response): Promise<void> {
  for (const [name, value] of response.headers) {
    if (name !== 'set-cookie' && name !== 'connection') res.setHeader(name, value)
  }
  const cookies = response.headers.getSetCookie()
  if (cookies.length > 0) res.setHeader('set-cookie', cookies)
  if (response.headers.get('connection') === 'close') closeAfterResponse(res)
  res.statusCode = response.status
  res.end(Buffer.from(await response.arrayBuffer()))
}

/** Copies the CORS grant for this request onto a Node response the app itself will write. */
export function applyCorsNode(auth: Latchkey, request: Request, res: ServerResponse) {
  auth.applyCors(request, {
    set: (name, value) => res.setHeader(name, value),
    append: (name, value) => res.appendHeader(name, value),
  })
}
