import { once } from 'node:events'
import { createServer, type ServerResponse } from 'node:http'
import { createLatchkey, type LatchkeyOptions } from '@latchkey/server'
import { jsonErrors, latchkey, requireAuth } from '@latchkey/server/node'
import { runExample } from './config.ts'

const json = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body))
}

/** Plain node:http: Latchkey answers /auth/*, the app routes the rest itself. */
export async function start(options: LatchkeyOptions, port: number) {
  const auth = createLatchkey(options)
  const handleAuth = latchkey(auth)
  const signedIn = requireAuth(auth)
  const admin = requireAuth(auth, { role: 'ADMIN' })
  const server = createServer(async (req, res) => {
    // Every error, Latchkey's or the app's, becomes this request's JSON answer: a listener
    // that throws would leave the request hanging (or, rejected, take the process down).
    try {
      if (await handleAuth(req, res)) return
      // Concatenated, not resolved against a base: `//x` is a path, not a host.
      const route = `${req.method} ${new URL(`http://x${req.url}`).pathname}`
      if (route === 'GET /api/me') {
        const user = await signedIn(req, res)
        if (user) json(res, 200, { sub: user.sub, roles: user.roles, framework: 'node:http' })
      } else if (route === 'GET /api/admin') {
        if (await admin(req, res)) json(res, 200, { admin: true })
      } else json(res, 404, { error: 'not_found', message: 'no such route' })
    } catch (error) {
      await jsonErrors(error, res)
    }
  })
  server.listen(port, '127.0.0.1')
  await once(server, 'listening')
  return {
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

if (import.meta.main) await runExample('node:http', start)
