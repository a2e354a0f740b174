import type { MiddlewareHandler } from 'hono'
import { errorResponse } from '../errors.ts'
import type { AuthContext, Latchkey } from '../latchkey.ts'

export type LatchkeyEnv = { Variables: { auth: AuthContext } }

/**
 * Hono (any runtime): serves `/auth/*` and adds the CORS grant to the app's responses.
 *
 * @example
 * app.use(latchkeyHono(auth))
 * app.get('/api/me', requireAuthHono(auth), (c) => c.json(c.get('auth')))
 */
export function latchkeyHono(auth: Latchkey): MiddlewareHandler {
  return async function latchkey(c, next) {
    const response = await auth.handle(c.req.raw)
    if (response) return response
    await next()
    auth.decorate(c.req.raw, c.res.headers)
  }
}

export function requireAuthHono(auth: Latchkey, role?: string): MiddlewareHandler<LatchkeyEnv> {
  return async function requireAuthenticated(c, next) {
    try {
      c.set('auth', await auth.authorize(c.req.raw, role))
    } catch (error) {
      return errorResponse(error)
    }
    await next()
  }
}
