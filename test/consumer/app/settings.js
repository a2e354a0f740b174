import { once } from 'node:events'
import { createServer } from 'node:http'

/**
 * A consumer backend's start: it listens on an ephemeral loopback port, then reads what
 * `createLatchkey` needs from its environment (the IdP, its client there, the secret its CSRF
 * tokens are signed with) — its own origin is known only once it listens.
 */
export async function listenWithSettings() {
  const env = process.env
  const server = createServer()
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const origin = `http://${env.PUBLIC_HOST ?? '127.0.0.1'}:${server.address().port}`
  return {
    server,
    options: {
      issuer: env.LATCHKEY_ISSUER,
      clientId: env.LATCHKEY_CLIENT_ID,
      clientSecret: env.LATCHKEY_CLIENT_SECRET,
      redirectUri: `${origin}/auth/callback`,
      postLogoutRedirectUri: `${origin}/`,
      secrets: [env.LATCHKEY_SECRET],
    },
    /** Tells the test where it answers, and on which Node. */
    ready: () => console.log(JSON.stringify({ url: origin, node: process.version })),
  }
}
