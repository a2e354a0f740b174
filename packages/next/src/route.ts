import type { Latchkey } from '@latchkey/server'
import { failureResponse } from './failure.ts'

/**
 * The `/auth/*` endpoints (login, callback, refresh, logout, me, back-channel logout) as one
 * route handler file: `app/auth/[...latchkey]/route.ts`. Every method goes to the core, so a
 * wrong one gets its 405 JSON with `Allow`, not Next's empty 405.
 *
 * @example
 * export const { GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS } = authRoutes(latchkey)
 */
export function authRoutes(latchkey: Latchkey) {
  const handler = async (request: Request): Promise<Response> =>
    (await latchkey.handle(request)) ??
    failureResponse({ code: 'not_found', status: 404, message: 'no such resource' })
  return {
    GET: handler,
    HEAD: handler,
    POST: handler,
    PUT: handler,
    PATCH: handler,
    DELETE: handler,
    OPTIONS: handler,
  }
}
