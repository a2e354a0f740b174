import { readFile } from 'node:fs/promises'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { extname, join, normalize } from 'node:path'
import { pathOf } from './guarded_server.ts'
import { sendError } from './json_errors.ts'

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
}

/**
 * Headers of the SPA's pages: a strict CSP (scripts only from this origin, API calls only to
 * `connect`), no framing, no sniffing. The app never handles a token, so nothing here needs
 * to be readable by script but the CSRF token the backend hands over.
 */
const pageHeaders = (connect: string[]) => ({
  'content-security-policy': `default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self' ${connect.join(' ')}; frame-ancestors 'none'; base-uri 'none'; form-action 'self'`,
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'strict-origin-when-cross-origin',
})

/**
 * Serves a built single-page app: files from `dir`, and `index.html` for every other path so
 * client-side routes work on reload. Paths can't climb out of `dir`.
 */
export function staticFiles(dir: string, connect: string[] = []) {
  const headers = pageHeaders(connect)
  return async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'HEAD')
      // RFC 9110 §15.5.6: a 405 names the methods that are allowed.
      return sendError(res, 405, 'method_not_allowed', 'only GET and HEAD here', {
        allow: 'GET, HEAD',
      })
    let safe: string
    try {
      safe = normalize(decodeURIComponent(pathOf(req.url))).replace(/^(\.\.[/\\])+/, '')
    } catch {
      return sendError(res, 400, 'invalid_request', 'the path is not valid percent-encoding')
    }
    const file = join(dir, safe)
    const inside = file.startsWith(dir) && extname(file) !== ''
    let body: Buffer
    try {
      body = await readFile(inside ? file : join(dir, 'index.html'))
    } catch {
      return sendError(res, 404, 'not_found', 'there is no such file')
    }
    const type = TYPES[inside ? extname(file) : '.html'] ?? 'application/octet-stream'
    res.writeHead(200, {
      ...headers,
      'content-type': type,
      'cache-control':
        inside && safe.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
    })
    res.end(body)
  }
}
