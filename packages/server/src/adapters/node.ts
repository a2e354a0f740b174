import type { IncomingMessage, ServerResponse } from 'node:http'
import { errorResponse } from '../errors.ts'
import type { AuthContext, Latchkey } from '../latchkey.ts'
import { answer, decorateNode, sendResponse, toRequest } from './node_bridge.ts'

/**
 * `node:http`: answers the `/auth/*` endpoints itself and resolves `true`; for other requests
 * adds the CORS grant and resolves `false`, leaving the response to the app.
 *
 * @example
 * const auth = createLatchkey(options)
 * const latchkey = nodeHandler(auth)
 * http.createServer(async (req, res) => {
 *   if (await latchkey(req, res)) return
 *   const user = await authenticateNode(auth, req, res)
 *   if (user) res.end(JSON.stringify(user))
 * })
 */
export function nodeHandler(auth: Latchkey) {
  return async function latchkey(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const result = await answer(auth, req)
    if ('response' in result) {
      await sendResponse(res, result.response)
      return true
    }
    decorateNode(auth.decorate, result.request, res)
    return false
  }
}

/**
 * Authenticates a request (and checks CSRF on unsafe methods); on failure writes the coded
 * JSON error and resolves `undefined`.
 */
export async function authenticateNode(
  auth: Latchkey,
  req: IncomingMessage,
  res: ServerResponse,
  role?: string,
): Promise<AuthContext | undefined> {
  try {
    return await auth.authorize(toRequest(req, auth.options.origin), role)
  } catch (error) {
    await sendResponse(res, errorResponse(error))
    return undefined
  }
}

/** Writes any error as the contract's JSON (a fixed message, no stack): for the app's own `catch`. */
export function sendErrorNode(res: ServerResponse, error: unknown): Promise<void> {
  return sendResponse(res, errorResponse(error))
}
