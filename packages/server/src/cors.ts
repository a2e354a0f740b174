import { CSRF_HEADER } from '@latchkey/protocol'

/** Where response headers go: a `Headers`, or a framework's response (no copy needed). */
export interface HeaderSink {
  set(name: string, value: string): unknown
  append(name: string, value: string): unknown
}

/**
 * CORS for the frontends on other origins (Fetch standard §3.2): an exact allow-list, with
 * credentials, never `*`; `Vary: Origin` so caches keep answers per origin. Preflights are
 * answered before any authentication — browsers send them without cookies.
 */
export function cors(origins: Set<string>) {
  const allowed = (request: Request) => {
    const origin = request.headers.get('origin')
    return origin !== null && origins.has(origin) ? origin : undefined
  }
  return {
    /** Whether the request comes from a trusted frontend's origin. */
    allows: (request: Request) => allowed(request) !== undefined,
    isPreflight: (request: Request) =>
      request.method === 'OPTIONS' && request.headers.has('access-control-request-method'),
    preflight(request: Request): Response {
      const response = new Response(null, {
        status: 204,
        headers: { vary: 'Origin', 'content-length': '0' },
      })
      const origin = allowed(request)
      if (origin) {
        response.headers.set('access-control-allow-origin', origin)
        response.headers.set('access-control-allow-credentials', 'true')
        response.headers.set('access-control-allow-methods', 'GET, POST, PUT, PATCH, DELETE')
        response.headers.set('access-control-allow-headers', `Content-Type, ${CSRF_HEADER}`)
        response.headers.set('access-control-max-age', '600')
      }
      return response
    },
    /** Adds the grant to a response for an allowed origin; always varies on Origin. */
    decorate(request: Request, headers: HeaderSink): void {
      headers.append('vary', 'Origin')
      const origin = allowed(request)
      if (origin) {
        headers.set('access-control-allow-origin', origin)
        headers.set('access-control-allow-credentials', 'true')
      }
    },
  }
}
