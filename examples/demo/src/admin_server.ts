import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import { createServer } from 'node:http'
import type { IdentityProvider } from '@latchkey/idp'
import type { Latchkey } from '@latchkey/server'
import { latchkeyFastify, requireAuthFastify } from '@latchkey/server/fastify'
import Fastify from 'fastify'
import { staticFiles } from './static_files.ts'

/**
 * The admin app at admin.localhost:3001: a BFF on one origin — the SPA and its API side by
 * side on Fastify, the API requiring role ADMIN.
 */
export async function adminServer(
  auth: Latchkey,
  idp: IdentityProvider,
  dist: string,
): Promise<Server> {
  const app = Fastify()
  await app.register(latchkeyFastify, { auth })
  app.get('/api/users', { preHandler: requireAuthFastify(auth, 'ADMIN') }, async () => ({
    users: (await idp.accounts.list()).map(
      ({ username, name, email, roles, disabled, totpEnrolled }) => ({
        username,
        name,
        email,
        roles,
        disabled,
        totpEnrolled,
      }),
    ),
  }))
  const spa = staticFiles(dist)
  app.setNotFoundHandler((request, reply) => {
    reply.hijack()
    spa(new URL(request.url, 'http://x').pathname, reply.raw)
  })
  await app.ready()
  return createServer((req: IncomingMessage, res: ServerResponse) => app.routing(req, res))
}
