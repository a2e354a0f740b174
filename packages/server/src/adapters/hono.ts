import type { IncomingMessage, ServerResponse } from 'node:http'
import type { MiddlewareHandler } from 'hono'
import { errorResponse, InvalidRequest } from '../errors.ts'
import type { AuthContext, AuthorizeOptions, Latchkey } from '../latchkey.ts'
import { closeAfterResponse } from './node_bridge.ts'

export type LatchkeyEnv = { Variables: { auth: AuthContext } }

/**
 * A response that ends the connection (a refused body): on Node (@hono/node-server's
 * bindings) it is ended in stages, as the other Node adapters do; other runtimes get the
 * `Connection: close` header and do it their way.
 */
function closing(env: unknown, response: Response): Response {
  const outgoing = (env as { outgoing?: ServerResponse; incoming?: IncomingMessage } | undefined)
    ?.outgoing
  if (
    response.headers.get('connection') !== 'close' ||
    typeof outgoing?.removeHeader !== 'function'
  )
    return response
  response.headers.delete('connection')
  closeAfterResponse(outgoing)
  return response
}

/**
 * Hono (any runtime): serves `/auth/*` and adds the CORS grant to the app's responses.
 *
 * @example
 * app.use(latchkey(auth))
 * app.get('/api/me', requireAuth(auth), (c) => c.json(c.get('auth')))
 * app.onError(jsonErrors)
 */
export function latchkey(auth: Latchkey): MiddlewareHandler {
  return async function latchkey(c, next) {
    const response = await auth.handle(c.req.raw).catch(errorResponse)
    if (response) return closing(c.env, response)
    await next()
    auth.applyCors(c.req.raw, c.res.headers)
  }
}

/**
 * Refuses the request with the contract's 401/403 JSON unless signed in, CSRF-checked on
 * unsafe methods, and holding `role` when one is given; sets `c.get('auth')`.
 */
export function requireAuth(
  auth: Latchkey,
  options?: AuthorizeOptions,
): MiddlewareHandler<LatchkeyEnv> {
  return async function requireAuth(c, next) {
    try {
      c.set('auth', await auth.authorize(c.req.raw, options))
    } catch (error) {
      return errorResponse(error)
    }
    await next()
  }
}

/**
 * The app's own errors as the contract's JSON, with a fixed message: for
 * `app.onError(jsonErrors)`, and for @hono/node-server's `errorHandler`, which gets the
 * requests Node received but no `Request` could be built from (a broken Host or target:
 * its `RequestError`) — a 400 JSON instead of an empty 400.
 */
export function jsonErrors(error: unknown): Response {
  // By name: @hono/node-server is optional (Hono runs on other runtimes), so its class can't
  // be imported here.
  const unreadable = error instanceof Error && error.name === 'RequestError'
  return errorResponse(
    unreadable ? new InvalidRequest('the request target or Host header is malformed') : error,
  )
}
