import type {
  ErrorRequestHandler,
  Request as ExpressRequest,
  Response as ExpressResponse,
  NextFunction,
  RequestHandler,
} from 'express'
import { errorResponse } from '../errors.ts'
import type { AuthContext, AuthorizeOptions, Latchkey } from '../latchkey.ts'
import { answer, applyCorsNode, sendResponse, toRequest } from './node_bridge.ts'

declare global {
  namespace Express {
    interface Request {
      /** Set by `requireAuth()`. */
      auth?: AuthContext
    }
  }
}

/**
 * Express 5: mount before body parsers. Serves `/auth/*` and adds the CORS grant to every
 * other response; guard routes with `requireAuth(auth)` or `requireAuth(auth, { role })`.
 *
 * @example
 * const auth = createLatchkey(options)
 * app.use(latchkey(auth))
 * app.get('/api/me', requireAuth(auth), (req, res) => res.json(req.auth))
 * app.use(jsonErrors)
 */
export function latchkey(auth: Latchkey): RequestHandler {
  return async function latchkey(req: ExpressRequest, res: ExpressResponse, next: NextFunction) {
    const result = await answer(auth, req)
    if ('response' in result) return sendResponse(res, result.response)
    applyCorsNode(auth, result.request, res)
    next()
  }
}

/**
 * Refuses the request with the contract's 401/403 JSON unless signed in, CSRF-checked on
 * unsafe methods, and holding `role` when one is given; sets `req.auth`.
 */
export function requireAuth(auth: Latchkey, options?: AuthorizeOptions): RequestHandler {
  return async function requireAuth(req: ExpressRequest, res: ExpressResponse, next: NextFunction) {
    try {
      req.auth = await auth.authorize(toRequest(req, auth.origin), options)
      next()
    } catch (error) {
      await sendResponse(res, errorResponse(error))
    }
  }
}

/**
 * The app's last middleware: its own errors (a body parser's 400 or 413, a route that throws)
 * as the contract's JSON — a fixed message, never Express's HTML page with a stack.
 *
 * @example
 * app.use(jsonErrors)
 */
export const jsonErrors: ErrorRequestHandler = (error, _req, res, next) => {
  // Mid-response, only closing the connection is left: Express's own handler does that.
  if (res.headersSent) return next(error)
  return sendResponse(res, errorResponse(error))
}
