import type {
  FastifyPluginAsync,
  FastifyReply,
  FastifyRequest,
  preHandlerAsyncHookHandler,
} from 'fastify'
import fp from 'fastify-plugin'
import { errorResponse } from '../errors.ts'
import type { AuthContext, AuthorizeOptions, Latchkey } from '../latchkey.ts'
import { answer, sendResponse, toRequest } from './node_bridge.ts'

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the `requireAuth()` preHandler. */
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
    const result = await answer(auth, request.raw)
    if ('response' in result) return reply(fastifyReply, result.response)
    // Fastify's `header()` appends to a header already set, as `append` must.
    auth.applyCors(result.request, {
      set: (name, value) => fastifyReply.removeHeader(name).header(name, value),
      append: (name, value) => fastifyReply.header(name, value),
    })
  })
}

/**
 * Fastify 5 plugin: serves `/auth/*` and adds the CORS grant to every other response.
 *
 * @example
 * app.register(latchkey, { auth })
 * app.get('/api/me', { preHandler: requireAuth(auth) }, (request) => request.auth)
 * app.setErrorHandler(jsonErrors)
 */
export const latchkey = fp(plugin, { fastify: '5.x', name: '@latchkey/server' })

/**
 * A preHandler refusing the request with the contract's 401/403 JSON unless signed in,
 * CSRF-checked on unsafe methods, and holding `role` when one is given; sets `request.auth`.
 */
export function requireAuth(
  auth: Latchkey,
  options?: AuthorizeOptions,
): preHandlerAsyncHookHandler {
  return async function requireAuth(request: FastifyRequest, fastifyReply: FastifyReply) {
    try {
      request.auth = await auth.authorize(toRequest(request.raw, auth.origin), options)
    } catch (error) {
      return reply(fastifyReply, errorResponse(error))
    }
  }
}

/**
 * The app's own errors as the contract's JSON, with a fixed message: for
 * `app.setErrorHandler(jsonErrors)` (Fastify's default puts a 500's internal message
 * in the response), and for `Fastify({ frameworkErrors: jsonErrors })`, the requests
 * Fastify's router refuses before any plugin runs (a path that does not percent-decode).
 */
export function jsonErrors(error: unknown, _request: FastifyRequest, fastifyReply: FastifyReply) {
  return reply(fastifyReply, errorResponse(error))
}
