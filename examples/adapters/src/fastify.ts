import { createLatchkey, type LatchkeyOptions } from '@latchkey/server'
import { jsonErrors, latchkey, requireAuth } from '@latchkey/server/fastify'
import Fastify from 'fastify'
import { runExample } from './config.ts'

/** Fastify 5: register the plugin, guard routes with a preHandler, read `request.auth`. */
export async function start(options: LatchkeyOptions, port: number) {
  const auth = createLatchkey(options)
  // The app's own errors as JSON with a fixed message (Fastify's default shows a 500's
  // internal message), also for what its router refuses before any plugin runs.
  const app = Fastify({ frameworkErrors: jsonErrors })
  app.setErrorHandler(jsonErrors)
  app.setNotFoundHandler((_request, reply) =>
    reply.code(404).send({ error: 'not_found', message: 'no such route' }),
  )
  await app.register(latchkey, { auth })
  app.get('/api/me', { preHandler: requireAuth(auth) }, async (request) => ({
    sub: request.auth?.sub,
    roles: request.auth?.roles,
    framework: 'fastify',
  }))
  app.post('/api/notes', { preHandler: requireAuth(auth) }, async (request, reply) =>
    reply.code(201).send({ saved: request.body, by: request.auth?.sub }),
  )
  app.get('/api/admin', { preHandler: requireAuth(auth, { role: 'ADMIN' }) }, async () => ({
    admin: true,
  }))
  await app.listen({ port, host: '127.0.0.1' })
  return { close: () => app.close() }
}

if (import.meta.main) await runExample('fastify', start)
