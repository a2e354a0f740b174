import type { IncomingMessage, ServerResponse } from 'node:http'
import { BodyTooLargeError } from './body_limit.ts'

/**
 * Reads an `application/x-www-form-urlencoded` body (`undefined` for any other type). A body
 * over `maxBytes` throws `BodyTooLargeError` (one with a declared length never gets here).
 */
export async function readForm(
  req: IncomingMessage,
  maxBytes: number,
): Promise<URLSearchParams | undefined> {
  const type = req.headers['content-type']?.split(';')[0]?.trim()
  if (type !== 'application/x-www-form-urlencoded') return undefined
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req) {
    size += (chunk as Buffer).length
    if (size > maxBytes) throw new BodyTooLargeError()
    chunks.push(chunk as Buffer)
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'))
}

/** An HTML page; the security headers are already on every response (security_headers.ts). */
export function sendHtml(
  res: ServerResponse,
  status: number,
  body: string,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', ...headers })
  res.end(body)
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, {
    'content-type': 'application/json',
    'cache-control': 'no-store',
    ...headers,
  })
  res.end(JSON.stringify(body))
}
