import { once } from 'node:events'
import { createServer, type ServerResponse } from 'node:http'
import { createLatchkey } from '@latchkey/server'
import { jsonErrors, latchkey, requireAuth } from '@latchkey/server/node'
import { redisStore } from '@latchkey/store'

// One backend instance of the scale-out harness, in a process of its own: the node:http
// adapter in cookie mode, on the run's Redis prefix and secrets — what makes any instance
// able to finish what another began (login transactions, refresh results, revocations).
// Prints one JSON line once it listens.

const env = (name: string) => {
  const value = process.env[name]
  if (!value) throw new Error(`${name} is not set (test/scale_out/cluster.ts sets it)`)
  return value
}
const name = env('SCALE_INSTANCE')
const origin = env('SCALE_ORIGIN') // nginx's: the only address browsers and the IdP know
const store = redisStore({ url: env('SCALE_REDIS_URL'), prefix: env('SCALE_REDIS_PREFIX') })
const auth = createLatchkey({
  issuer: env('SCALE_ISSUER'),
  clientId: env('SCALE_CLIENT_ID'),
  clientSecret: env('SCALE_CLIENT_SECRET'),
  redirectUri: `${origin}/auth/callback`,
  secrets: [env('SCALE_SECRET')],
  store,
  trustProxy: true,
  // The list of revoked sessions is pushed by pub/sub; a re-read every second bounds how long
  // a message missed while the instance was starting can go unseen.
  revocationResyncSeconds: 1,
})
const handleAuth = latchkey(auth)
const signedIn = requireAuth(auth)
const json = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body))
}

const server = createServer(async (req, res) => {
  try {
    if (await handleAuth(req, res)) return
    const route = `${req.method} ${new URL(`http://x${req.url}`).pathname}`
    if (route === 'GET /api/me') {
      const user = await signedIn(req, res)
      if (user) json(res, 200, { sub: user.sub, instance: name })
    } else if (route === 'GET /api/instance') {
      json(res, 200, { instance: name }) // which instance nginx chose, without a session
    } else json(res, 404, { error: 'not_found', message: 'no such route' })
  } catch (error) {
    await jsonErrors(error, res)
  }
})
server.listen(Number(env('PORT')), '127.0.0.1')
await once(server, 'listening')
process.stdout.write(`${JSON.stringify({ listening: Number(env('PORT')) })}\n`)
process.once('SIGTERM', () => {
  // Graceful: no new connections, requests in flight finish, idle keep-alives close.
  server.close(async () => {
    await store.close()
    process.exit(0)
  })
  server.closeIdleConnections()
  setTimeout(() => server.closeAllConnections(), 2000).unref()
})
