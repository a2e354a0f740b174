import type { IncomingMessage, ServerResponse } from 'node:http'
import type { IdentityProvider } from '@latchkey/idp'
import type { Latchkey } from '@latchkey/server'
import { latchkey, requireAuth } from '@latchkey/server/fastify'
import Fastify from 'fastify'
import { BODY_LIMIT } from './guarded_server.ts'
import { frameworkError } from './json_errors.ts'
import { staticFiles } from './static_files.ts'

/**
 * The admin app at admin.localhost:3001: a BFF on one origin — the SPA and its API side by
 * side on Fastify, the API requiring role ADMIN. Answers as a `node:http` request listener.
 */
export async function adminApp(
  auth: Latchkey,
  idp: IdentityProvider,
  dist: string,
  onError: (error: Error) => void,
): Promise<(req: IncomingMessage, res: ServerResponse) => void> {
  const app = Fastify({ bodyLimit: BODY_LIMIT })
  await app.register(latchkey, { auth })
  app.get('/api/users', { preHandler: requireAuth(auth, { role: 'ADMIN' }) }, async () => ({
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
  app.setNotFoundHandler(async (request, reply) => {
    reply.hijack()
    await spa(request.raw, reply.raw)
  })
  // Every error as the contract's JSON, with no internal message: Fastify's default handler
  // would pass a 5xx's message on.
  app.setErrorHandler(async (error, _request, reply) => {
    const { status, body } = frameworkError(error, onError)
    return reply.code(status).header('cache-control', 'no-store').send(body)
  })
  await app.ready()
  return (req, res) => app.routing(req, res)
}
