/**
 * `GET /api/me` behind Latchkey on each adapter, through the public API only (what an app
 * writes, as in examples/adapters): the middleware for `/auth/*` and CORS, and the route
 * guard that authenticates the request.
 */
import { createServer, type Server } from 'node:http'
import { getRequestListener } from '@hono/node-server'
import { createLatchkey, type Latchkey, type LatchkeyOptions } from '@latchkey/server'
import * as onExpress from '@latchkey/server/express'
import * as onFastify from '@latchkey/server/fastify'
import * as onHono from '@latchkey/server/hono'
import * as onNode from '@latchkey/server/node'
import { redisStore } from '@latchkey/store'
import express from 'express'
import Fastify from 'fastify'
import { Hono } from 'hono'
import type { TargetConfig } from './config.ts'

export type LatchkeyAdapter = 'node' | 'express' | 'fastify' | 'hono'

export function latchkeyFor(config: TargetConfig, origin: string, mode: 'cookie' | 'session') {
  const options: LatchkeyOptions = {
    issuer: config.issuer,
    clientId: config.clientId,
    clientSecret: config.clientSecret,
    redirectUri: `${origin}/auth/callback`,
    secrets: config.secrets,
    mode,
    // The store matters on every request in session mode only; cookie mode reads it at
    // sign-in, refresh and logout (and the revoked list once, at start).
    store: redisStore({ url: config.redisUrl, prefix: config.prefix }),
  }
  return createLatchkey(options)
}

/** Starts the server of `adapter` on `port`, serving GET /api/me for a signed-in user. */
export async function serveLatchkey(
  adapter: LatchkeyAdapter,
  auth: Latchkey,
  port: number,
): Promise<{ close(): Promise<unknown> }> {
  const listen = (server: Server) =>
    new Promise<Server>((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)))
  switch (adapter) {
    case 'node': {
      const handleAuth = onNode.latchkey(auth)
      const guard = onNode.requireAuth(auth)
      const server = createServer(async (req, res) => {
        try {
          if (await handleAuth(req, res)) return
          const user = await guard(req, res)
          if (!user) return
          res.setHeader('content-type', 'application/json')
          res.end(JSON.stringify({ sub: user.sub, roles: user.roles }))
        } catch (error) {
          await onNode.jsonErrors(error, res)
        }
      })
      return closer(await listen(server))
    }
    case 'express': {
      const app = express()
      app.use(onExpress.latchkey(auth))
      app.get('/api/me', onExpress.requireAuth(auth), (req, res) => {
        res.json({ sub: req.auth?.sub, roles: req.auth?.roles })
      })
      app.use(onExpress.jsonErrors)
      return closer(await listen(createServer(app)))
    }
    case 'fastify': {
      const app = Fastify({ frameworkErrors: onFastify.jsonErrors })
      app.setErrorHandler(onFastify.jsonErrors)
      await app.register(onFastify.latchkey, { auth })
      app.get('/api/me', { preHandler: onFastify.requireAuth(auth) }, async (req) => ({
        sub: req.auth?.sub,
        roles: req.auth?.roles,
      }))
      await app.listen({ port, host: '127.0.0.1' })
      return { close: () => app.close() }
    }
    case 'hono': {
      const app = new Hono<onHono.LatchkeyEnv>()
      app.use(onHono.latchkey(auth))
      app.get('/api/me', onHono.requireAuth(auth), (c) =>
        c.json({ sub: c.get('auth').sub, roles: c.get('auth').roles }),
      )
      app.onError(onHono.jsonErrors)
      return closer(
        await listen(
          createServer(getRequestListener(app.fetch, { errorHandler: onHono.jsonErrors })),
        ),
      )
    }
  }
}

export const closer = (server: Server) => ({
  close: () =>
    new Promise((resolve) => {
      server.closeAllConnections()
      server.close(resolve)
    }),
})
