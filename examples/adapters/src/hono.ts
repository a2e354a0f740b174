import { once } from 'node:events'
import { createServer } from 'node:http'
import { getRequestListener } from '@hono/node-server'
import { createLatchkey, type LatchkeyOptions } from '@latchkey/server'
import { jsonErrors, type LatchkeyEnv, latchkey, requireAuth } from '@latchkey/server/hono'
import { Hono } from 'hono'
import { HTTPException } from 'hono/http-exception'
import { runExample } from './config.ts'

/**
 * Hono: the same middleware runs on any Fetch runtime (Node here, through
 * @hono/node-server; Bun, Deno and workers as they are).
 */
export async function start(options: LatchkeyOptions, port: number) {
  const auth = createLatchkey(options)
  const app = new Hono<LatchkeyEnv>()
  app.use(latchkey(auth))
  app.get('/api/me', requireAuth(auth), (c) =>
    c.json({ sub: c.get('auth').sub, roles: c.get('auth').roles, framework: 'hono' }),
  )
  app.post('/api/notes', requireAuth(auth), async (c) => {
    const note = await c.req.json().catch(() => {
      throw new HTTPException(400)
    })
    return c.json({ saved: note, by: c.get('auth').sub }, 201)
  })
  app.get('/api/admin', requireAuth(auth, { role: 'ADMIN' }), (c) => c.json({ admin: true }))
  // Unknown routes and the app's own errors as JSON with a fixed message.
  app.notFound((c) => c.json({ error: 'not_found', message: 'no such route' }, 404))
  app.onError(jsonErrors)
  // getRequestListener rather than serve(), which takes no errorHandler: a request no
  // `Request` can be built from (a broken Host or target) gets the JSON 400 too, and one
  // without Host (HTTP/1.0) is served on this backend's own host.
  const server = createServer(
    getRequestListener(app.fetch, {
      hostname: new URL(auth.origin).host,
      errorHandler: jsonErrors,
    }),
  )
  server.listen(port, '127.0.0.1')
  await once(server, 'listening')
  return {
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

if (import.meta.main) await runExample('hono', start)
