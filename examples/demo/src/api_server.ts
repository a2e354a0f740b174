import type { Latchkey } from '@latchkey/server'
import { latchkeyExpress, requireAuth } from '@latchkey/server/express'
import express from 'express'
import { ORIGINS } from './origins.ts'

/**
 * The app's backend on Express with @latchkey/server in cookie mode: served at
 * api.localhost:4001 (with CORS for frontends on its site) and, for the demo SPA, also on the
 * app's own origin — see `stack.ts` for why.
 */
export function apiApp(auth: Latchkey): express.Express {
  const app = express()
  app.disable('x-powered-by')
  app.use(latchkeyExpress(auth))
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
        let upstream: Response
        try {
          upstream = await fetch(`${ORIGINS.idp}${path(req.params.id as string | undefined)}`, {
            method,
            headers: { authorization: `Bearer ${req.auth?.accessToken}` },
          })
        } catch {
          return res.status(502).json({ error: 'idp_unavailable', message: 'try again later' })
        }
        res.status(upstream.status)
        if (upstream.status === 204) return res.end()
        res.json(await upstream.json())
      },
    ] as const
  app.get('/api/sessions', ...relay('GET', () => '/account/sessions'))
  app.delete(
    '/api/sessions/:id',
    ...relay('DELETE', (id) => `/account/sessions/${encodeURIComponent(id ?? '')}`),
  )
  return app
}
