import type {
  Request as ExpressRequest,
  Response as ExpressResponse,
  NextFunction,
  RequestHandler,
} from 'express'
import { errorResponse } from '../errors.ts'
import type { AuthContext, Latchkey } from '../latchkey.ts'
import { decorateNode, sendResponse, toRequest } from './node_bridge.ts'

declare global {
  namespace Express {
    interface Request {
      /** Set by `requireAuth()` / `requireRole()`. */
      auth?: AuthContext
    }
  }
}

/**
 * Express 5: mount before body parsers. Serves `/auth/*` and adds the CORS grant to every
 * other response; guard routes with `requireAuth(auth)` or `requireRole(auth, 'ADMIN')`.
 *
 * @example
 * const auth = createLatchkey(options)
 * app.use(latchkeyExpress(auth))
 * app.get('/api/me', requireAuth(auth), (req, res) => res.json(req.auth))
 */
export function latchkeyExpress(auth: Latchkey): RequestHandler {
  return async function latchkey(req: ExpressRequest, res: ExpressResponse, next: NextFunction) {
    try {
      const request = toRequest(req)
      const response = await auth.handle(request)
      if (response) return sendResponse(res, response)
      decorateNode(auth.decorate, request, res)
      next()
    } catch (error) {
      next(error)
    }
  }
}

/** Refuses the request with the contract's 401/403 JSON unless signed in (and CSRF-checked on unsafe methods). */
export function requireAuth(auth: Latchkey, role?: string): RequestHandler {
  return async function requireAuthenticated(
    req: ExpressRequest,
    res: ExpressResponse,
    next: NextFunction,
  ) {
    try {
      req.auth = await auth.authorize(toRequest(req), role)
      next()
    } catch (error) {
      await sendResponse(res, errorResponse(error))
    }
  }
}

export const requireRole = (auth: Latchkey, role: string) => requireAuth(auth, role)
