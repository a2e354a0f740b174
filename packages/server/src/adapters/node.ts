import type { IncomingMessage, ServerResponse } from 'node:http'
import { errorResponse } from '../errors.ts'
import type { AuthContext, AuthorizeOptions, Latchkey } from '../latchkey.ts'
import { answer, applyCorsNode, sendResponse, toRequest } from './node_bridge.ts'

/**
 * `node:http`: answers the `/auth/*` endpoints itself and resolves `true`; for other requests
 * adds the CORS grant and resolves `false`, leaving the response to the app.
 *
 * @example
 * const auth = createLatchkey(options)
 * const handleAuth = latchkey(auth)
 * const guard = requireAuth(auth)
 * http.createServer(async (req, res) => {
 *   try {
 *     if (await handleAuth(req, res)) return
 *     const user = await guard(req, res)
 *     if (user) res.end(JSON.stringify(user))
 *   } catch (error) {
 *     await jsonErrors(error, res)
 *   }
 * })
 */
export function latchkey(auth: Latchkey) {
  return async function latchkey(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const result = await answer(auth, req)
    if ('response' in result) {
      await sendResponse(res, result.response)
      return true
    }
    applyCorsNode(auth, result.request, res)
    return false
  }
}

/**
 * A guard: resolves the caller when signed in, CSRF-checked on unsafe methods, and holding
 * `role` when one is given; otherwise writes the contract's 401/403 JSON and resolves
 * `undefined`.
 */
export function requireAuth(auth: Latchkey, options?: AuthorizeOptions) {
  return async function requireAuth(
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<AuthContext | undefined> {
    try {
      return await auth.authorize(toRequest(req, auth.origin), options)
    } catch (error) {
      await sendResponse(res, errorResponse(error))
      return undefined
    }
  }
}

/** Writes any error as the contract's JSON (a fixed message, no stack): for the app's own `catch`. */
export function jsonErrors(error: unknown, res: ServerResponse): Promise<void> {
  return sendResponse(res, errorResponse(error))
}
