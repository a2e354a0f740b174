import type { IncomingMessage, ServerResponse } from 'node:http'
import { sendJson } from './http.ts'

/** Thrown by a body reader when a body sent without a length outgrows the limit. */
export class BodyTooLargeError extends Error {
  override name = 'BodyTooLargeError'
}

/** Whether the declared `Content-Length` is over the limit: refused before a byte is read. */
export const declaredTooLarge = (req: IncomingMessage, maxBytes: number) =>
  Number(req.headers['content-length'] ?? 0) > maxBytes

/**
 * RFC 9110 §15.5.14: 413 at once, and the connection closed after it, so the rest of the body
 * is never read and no socket is held open waiting for it.
 */
export function sendTooLarge(res: ServerResponse, maxBytes: number): void {
  sendJson(
    res,
    413,
    { error: 'request_too_large', message: `a request body may be at most ${maxBytes} bytes` },
    { connection: 'close' },
  )
}
