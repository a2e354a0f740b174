import {
  createServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
  STATUS_CODES,
} from 'node:http'
import type { Duplex } from 'node:stream'
import { isAuthority, originForm } from '@latchkey/protocol'
import { jsonError, sendError } from './json_errors.ts'

/** The largest request body the demo takes: its forms, token requests and logout tokens are a few KiB. */
export const BODY_LIMIT = 32 * 1024

type Listener = (req: IncomingMessage, res: ServerResponse) => unknown

/** The path of an origin-form request target; `//x` is a path here, not a host. */
export const pathOf = (target = '/') => target.split('?', 1)[0] ?? '/'

/**
 * Refuses a request before its body is read, so the connection cannot carry another one: it
 * closes once the answer is out.
 */
const refuse = (res: ServerResponse, status: number, code: string, message: string) =>
  sendError(res, status, code, message, { connection: 'close' })

/**
 * The request target in origin-form, or `undefined` for one a server cannot take. An
 * absolute-form target's authority replaces `Host` (RFC 9112 §3.2.2).
 */
function originFormOf(req: IncomingMessage): string | undefined {
  const target = originForm(req.url ?? '')
  if (target?.authority) req.headers.host = target.authority
  return target?.path
}

/** RFC 9112 §3.2: a Host that is repeated or not a valid authority is answered with 400. */
function hostIsValid(req: IncomingMessage): boolean {
  let lines = 0
  for (let i = 0; i < req.rawHeaders.length; i += 2)
    if (req.rawHeaders[i]?.toLowerCase() === 'host') lines++
  const host = req.headers.host
  if (lines > 1 || host === undefined) return lines === 0 && req.httpVersion === '1.0'
  return isAuthority(host)
}

/**
 * Wraps a request listener so that no request can take the process down or hold a
 * connection: a target, `Host` or body the demo cannot take is refused up front, and an
 * error the listener lets escape — synchronous or a rejected promise — becomes a 500 for
 * that request alone, reported to `onError` and never shown to the client.
 */
function guarded(listener: Listener, onError: (error: Error) => void): Listener {
  return (req, res) => {
    const target = originFormOf(req)
    if (target === undefined)
      return refuse(res, 400, 'invalid_request', 'the request target is not a URL path')
    if (!hostIsValid(req))
      return refuse(res, 400, 'invalid_request', 'the Host header is missing, repeated or invalid')
    // A body of unknown length could only be bounded while it is read; none of the demo's
    // clients sends one (RFC 9110 §15.5.12).
    if (req.headers['transfer-encoding'] !== undefined)
      return refuse(res, 411, 'length_required', 'send the body with a Content-Length')
    if (Number(req.headers['content-length'] ?? 0) > BODY_LIMIT)
      return refuse(res, 413, 'payload_too_large', `the body is larger than ${BODY_LIMIT} bytes`)
    req.url = target
    const fail = (error: unknown) => {
      onError(error instanceof Error ? error : new Error(String(error)))
      if (res.headersSent) res.destroy()
      else refuse(res, 500, 'server_error', 'something went wrong; try again')
    }
    try {
      Promise.resolve(listener(req, res)).catch(fail)
    } catch (error) {
      fail(error)
    }
  }
}

const CLIENT_ERRORS: Record<string, [number, string]> = {
  HPE_HEADER_OVERFLOW: [431, 'headers_too_large'],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'request_timeout'],
}

/**
 * Framing errors never reach a listener (malformed request line or headers, conflicting
 * lengths): answered here in the same JSON as everything else, then the connection closes.
 */
function answerClientError(error: Error & { code?: string }, socket: Duplex): void {
  const busy = (socket as Duplex & { _httpMessage?: ServerResponse })._httpMessage?.headersSent
  if (error.code === 'ECONNRESET' || !socket.writable || busy) {
    socket.destroy()
    return
  }
  const [status, code] = CLIENT_ERRORS[error.code ?? ''] ?? [400, 'invalid_request']
  endWithError(socket, status, code, STATUS_CODES[status] ?? 'Bad Request')
}

/** Writes a JSON error response straight to a connection no `ServerResponse` owns, and ends it. */
function endWithError(socket: Duplex, status: number, code: string, message: string): void {
  const body = jsonError(code, message)
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\ncache-control: no-store\r\nconnection: close\r\n\r\n${body}`,
  )
}

/**
 * A `node:http` server for one of the demo's origins: every request answered by `listener`
 * through `guarded`, framing errors and CONNECT answered as JSON, and a client that sends
 * its request slowly cut off after 30 s instead of Node's 5 minutes.
 */
export function guardedServer(listener: Listener, onError: (error: Error) => void): Server {
  const server = createServer(
    { requestTimeout: 30_000, headersTimeout: 10_000 },
    guarded(listener, onError),
  )
  server.on('clientError', answerClientError)
  // CONNECT asks a proxy for a tunnel: Node hands it to no listener, and without this would
  // drop the connection unanswered (RFC 9110 §9.3.6, §15.6.2).
  server.on('connect', (_req: IncomingMessage, socket: Duplex) =>
    endWithError(socket, 501, 'not_implemented', 'this server is no proxy'),
  )
  return server
}
