import type { IncomingMessage, ServerResponse } from 'node:http'
import { Readable } from 'node:stream'

/**
 * Builds a Fetch `Request` from a Node request. The body is streamed only for methods that
 * have one; a body a framework already parsed (`req.body`) is re-encoded as a form.
 */
export function toRequest(req: IncomingMessage & { body?: unknown }): Request {
  const tls = (req.socket as { encrypted?: boolean }).encrypted === true
  const url = `${tls ? 'https' : 'http'}://${req.headers.host ?? 'localhost'}${req.url ?? '/'}`
  const headers = new Headers()
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue
    for (const v of Array.isArray(value) ? value : [value]) headers.append(name, v)
  }
  const method = req.method ?? 'GET'
  if (method === 'GET' || method === 'HEAD' || method === 'OPTIONS')
    return new Request(url, { method, headers })
  const parsed = req.body
  const body =
    parsed && typeof parsed === 'object' && !Buffer.isBuffer(parsed)
      ? new URLSearchParams(parsed as Record<string, string>).toString()
      : req.readableEnded
        ? null
        : (Readable.toWeb(req) as ReadableStream)
  return new Request(url, { method, headers, body, duplex: 'half' } as RequestInit)
}

/** Writes a Fetch `Response` to a Node response, keeping every Set-Cookie line. */
export async function sendResponse(res: ServerResponse, response: Response): Promise<void> {
  for (const [name, value] of response.headers) {
    if (name !== 'set-cookie') res.setHeader(name, value)
  }
  const cookies = response.headers.getSetCookie()
  if (cookies.length > 0) res.setHeader('set-cookie', cookies)
  res.statusCode = response.status
  res.end(Buffer.from(await response.arrayBuffer()))
}

/** Copies the CORS grant for this request onto a Node response the app itself will write. */
export function decorateNode(
  decorate: (request: Request, headers: Headers) => void,
  request: Request,
  res: ServerResponse,
) {
  const headers = new Headers()
  decorate(request, headers)
  for (const [name, value] of headers) res.setHeader(name, value)
}
