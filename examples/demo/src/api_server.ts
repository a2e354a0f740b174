import type { Latchkey } from '@latchkey/server'
import { latchkey, requireAuth } from '@latchkey/server/express'
import express from 'express'
import { frameworkError, sendError } from './json_errors.ts'
import { ORIGINS } from './origins.ts'

/**
 * The app's backend on Express with @latchkey/server in cookie mode: served at
 * api.localhost:4001 (with CORS for frontends on its site) and, for the demo SPA, also on the
 * app's own origin — see `stack.ts` for why.
 */
export function apiApp(auth: Latchkey, onError: (error: Error) => void): express.Express {
  const app = express()
  app.disable('x-powered-by')
  app.use(latchkey(auth))
  app.get('/api/me', requireAuth(auth), (req, res) => {
    const user = req.auth
    res.json({
      message: `Hello ${user?.name ?? user?.sub}, this came from the API with your cookie.`,
      sub: user?.sub,
      roles: user?.roles,
      accessTokenExpiresAt: user?.expiresAt,
      serverTime: new Date().toISOString(),
    })
  })
  // "My sessions": the IdP's account API, called with the user's own access token, which
  // the browser never sees.
  const relay = (method: 'GET' | 'DELETE', path: (id?: string) => string) =>
    [
      requireAuth(auth),
      async (req: express.Request, res: express.Response) => {
        try {
          const upstream = await fetch(
            `${ORIGINS.idp}${path(req.params.id as string | undefined)}`,
            { method, headers: { authorization: `Bearer ${req.auth?.accessToken}` } },
          )
          if (upstream.status === 204) return res.status(204).end()
          const body: unknown = await upstream.json()
          res.status(upstream.status).json(body)
        } catch {
          // Unreachable, or an answer that is not the account API's JSON.
          res.status(502).json({ error: 'idp_unavailable', message: 'try again later' })
        }
      },
    ] as const
  app.get('/api/sessions', ...relay('GET', () => '/account/sessions'))
  app.delete(
    '/api/sessions/:id',
    ...relay('DELETE', (id) => `/account/sessions/${encodeURIComponent(id ?? '')}`),
  )
  // Anything else, and every error, as the contract's JSON: never Express's default pages,
  // which show the stack and file paths outside production.
  app.use((_req: express.Request, res: express.Response) =>
    sendError(res, 404, 'not_found', 'there is nothing here'),
  )
  app.use(
    (error: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
      if (res.headersSent) return res.destroy()
      const { status, body } = frameworkError(error, onError)
      res.status(status).set('cache-control', 'no-store').json(body)
    },
  )
  return app
}
