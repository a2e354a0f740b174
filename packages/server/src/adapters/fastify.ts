import type {
  FastifyPluginAsync,
  FastifyReply,
  FastifyRequest,
  preHandlerAsyncHookHandler,
} from 'fastify'
import fp from 'fastify-plugin'
import { errorResponse } from '../errors.ts'
import type { AuthContext, Latchkey } from '../latchkey.ts'
import { sendResponse, toRequest } from './node_bridge.ts'

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the `requireAuth` preHandler. */
    auth?: AuthContext
  }
}

async function reply(fastifyReply: FastifyReply, response: Response) {
  fastifyReply.hijack()
  await sendResponse(fastifyReply.raw, response)
}

const plugin: FastifyPluginAsync<{ auth: Latchkey }> = async (fastify, { auth }) => {
  // onRequest, before body parsing and before any authentication: preflights and the
  // /auth/* endpoints are answered from the raw request.
  fastify.addHook('onRequest', async function latchkey(request, fastifyReply) {
    const fetchRequest = toRequest(request.raw)
    const response = await auth.handle(fetchRequest)
    if (response) return reply(fastifyReply, response)
    const headers = new Headers()
    auth.decorate(fetchRequest, headers)
    for (const [name, value] of headers) fastifyReply.header(name, value)
  })
}

/**
 * Fastify 5 plugin: `app.register(latchkeyFastify, { auth })`, then guard routes with
 * `{ preHandler: requireAuthFastify(auth) }` and read `request.auth`.
 */
export const latchkeyFastify = fp(plugin, { fastify: '5.x', name: '@latchkey/server' })

export function requireAuthFastify(auth: Latchkey, role?: string): preHandlerAsyncHookHandler {
  return async function requireAuthenticated(request: FastifyRequest, fastifyReply: FastifyReply) {
    try {
      request.auth = await auth.authorize(toRequest(request.raw), role)
    } catch (error) {
      return reply(fastifyReply, errorResponse(error))
    }
  }
}
