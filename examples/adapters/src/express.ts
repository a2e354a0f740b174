import { once } from 'node:events'
import { createLatchkey, type LatchkeyOptions } from '@latchkey/server'
import { jsonErrors, latchkey, requireAuth } from '@latchkey/server/express'
import express from 'express'
import { runExample } from './config.ts'

/** Express 5: the middleware first (before body parsers), then guarded routes. */
export async function start(options: LatchkeyOptions, port: number) {
  const auth = createLatchkey(options)
  const app = express()
  app.disable('x-powered-by')
  app.use(latchkey(auth))
  app.use(express.json())
  app.get('/api/me', requireAuth(auth), (req, res) => {
    res.json({ sub: req.auth?.sub, roles: req.auth?.roles, framework: 'express' })
  })
  // Unsafe methods are CSRF-checked by requireAuth: the SDK sends X-CSRF-Token.
  app.post('/api/notes', requireAuth(auth), (req, res) => {
    res.status(201).json({ saved: req.body, by: req.auth?.sub })
  })
  app.get('/api/admin', requireAuth(auth, { role: 'ADMIN' }), (_req, res) => {
    res.json({ admin: true })
  })
  // Last: unknown routes, then the app's own errors (express.json()'s 400 for a malformed
  // body, a route that throws) as JSON — never Express's HTML page with a stack.
  app.use((_req, res) => {
    res.status(404).json({ error: 'not_found', message: 'no such route' })
  })
  app.use(jsonErrors)
  const server = app.listen(port, '127.0.0.1')
  await once(server, 'listening')
  return {
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

if (import.meta.main) await runExample('express', start)
