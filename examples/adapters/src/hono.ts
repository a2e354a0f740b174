import { serve } from '@hono/node-server'
import { createLatchkey, type LatchkeyOptions } from '@latchkey/server'
import { type LatchkeyEnv, latchkeyHono, requireAuthHono } from '@latchkey/server/hono'
import { Hono } from 'hono'
import { runExample } from './config.ts'

/**
 * Hono: the same middleware runs on any Fetch runtime (Node here, through
 * @hono/node-server; Bun, Deno and workers as they are).
 */
export async function start(options: LatchkeyOptions, port: number) {
  const auth = createLatchkey(options)
  const app = new Hono<LatchkeyEnv>()
  app.use(latchkeyHono(auth))
  app.get('/api/me', requireAuthHono(auth), (c) =>
    c.json({ sub: c.get('auth').sub, roles: c.get('auth').roles, framework: 'hono' }),
  )
  app.post('/api/notes', requireAuthHono(auth), async (c) =>
    c.json({ saved: await c.req.json(), by: c.get('auth').sub }, 201),
  )
  app.get('/api/admin', requireAuthHono(auth, 'ADMIN'), (c) => c.json({ admin: true }))
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve({ fetch: app.fetch, port, hostname: '127.0.0.1' }, () => resolve(s))
  })
  return {
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

if (import.meta.main) await runExample('hono', start)
