import { once } from 'node:events'
import { createServer } from 'node:http'
import { createLatchkey, type LatchkeyOptions } from '@latchkey/server'
import { authenticateNode, nodeHandler } from '@latchkey/server/node'
import { runExample } from './config.ts'

/** Plain node:http: Latchkey answers /auth/*, the app routes the rest itself. */
export async function start(options: LatchkeyOptions, port: number) {
  const auth = createLatchkey(options)
  const latchkey = nodeHandler(auth)
  const json = (res: import('node:http').ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body))
  }
  const server = createServer(async (req, res) => {
    if (await latchkey(req, res)) return
    const route = `${req.method} ${new URL(req.url ?? '/', 'http://x').pathname}`
    if (route === 'GET /api/me') {
      const user = await authenticateNode(auth, req, res)
      if (user) json(res, 200, { sub: user.sub, roles: user.roles, framework: 'node:http' })
    } else if (route === 'GET /api/admin') {
      if (await authenticateNode(auth, req, res, 'ADMIN')) json(res, 200, { admin: true })
    } else json(res, 404, { error: 'not_found', message: 'no such route' })
  })
  server.listen(port, '127.0.0.1')
  await once(server, 'listening')
  return {
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

if (import.meta.main) await runExample('node:http', start)
