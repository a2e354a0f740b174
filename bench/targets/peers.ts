/**
 * The peers Latchkey is measured against, written the way the seeds and their docs write
 * them, each on Express 5:
 * - `jsonwebtoken`: `Authorization: Bearer`, ES256 verified on every request (with the key
 *   parsed once, the peer's best case: the seeds' pattern passes a key string);
 * - `express-session` + `connect-redis` (node-redis): the seeds' options (resave and
 *   saveUninitialized off, a secure HttpOnly cookie), so a request is a session read plus the
 *   TTL touch express-session does on every request;
 * - `express-openid-connect`: the BFF middleware, its session in an encrypted cookie (its
 *   default), `requiresAuth()` on the route.
 */
import { createPublicKey } from 'node:crypto'
import { createServer } from 'node:http'
import { RedisStore } from 'connect-redis'
import express from 'express'
import openidConnectPackage from 'express-openid-connect'
import session from 'express-session'
import jwt from 'jsonwebtoken'
import { createClient } from 'redis'
import type { TargetConfig } from './config.ts'
import { closer } from './latchkey.ts'

// CommonJS whose named exports Node cannot see statically.
const { auth: openidConnect, requiresAuth } = openidConnectPackage

export type Peer = 'express-jsonwebtoken' | 'express-session-redis' | 'express-openid-connect'

declare module 'express-session' {
  interface SessionData {
    user: { sub: string; roles: string[] }
  }
}

/** express-session's key prefix in Redis, under the run's prefix. */
export const sessionPrefix = (config: TargetConfig) => `${config.prefix}sess:`

export async function servePeer(peer: Peer, config: TargetConfig, port: number) {
  const app = express()
  const cleanup: (() => Promise<unknown>)[] = []
  switch (peer) {
    case 'express-jsonwebtoken': {
      const key = createPublicKey(config.publicKeyPem)
      const options = {
        algorithms: ['ES256' as const],
        issuer: config.issuer,
        audience: config.clientId,
      }
      app.get('/api/me', (req, res) => {
        const token = req.headers.authorization?.split(' ')[1]
        if (!token) return void res.sendStatus(401)
        jwt.verify(token, key, options, (error, payload) => {
          if (error || !payload || typeof payload === 'string') return void res.sendStatus(401)
          res.json({ sub: payload.sub, roles: payload.roles })
        })
      })
      break
    }
    case 'express-session-redis': {
      const client = createClient({ url: config.redisUrl })
      await client.connect()
      cleanup.push(() => client.close())
      app.use(
        session({
          store: new RedisStore({ client, prefix: sessionPrefix(config), ttl: 3600 }),
          secret: config.cookieSecret,
          resave: false,
          saveUninitialized: false,
          cookie: { secure: true, httpOnly: true, maxAge: 3_600_000 },
        }),
      )
      app.get('/api/me', (req, res) => {
        const user = req.session.user
        if (!user) return void res.status(401).json({ error: 'unauthenticated' })
        res.json({ sub: user.sub, roles: user.roles })
      })
      break
    }
    case 'express-openid-connect': {
      app.use(
        openidConnect({
          issuerBaseURL: config.issuer,
          baseURL: `http://127.0.0.1:${port}`,
          clientID: config.clientId,
          clientSecret: config.clientSecret,
          secret: config.cookieSecret,
          authRequired: false,
          idpLogout: false,
          auth0Logout: false,
        }),
      )
      app.get('/api/me', requiresAuth(), (req, res) => {
        res.json({ sub: req.oidc.user?.sub, roles: ['USER'] })
      })
      break
    }
  }
  const server = createServer(app)
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve))
  const { close } = closer(server)
  return {
    close: async () => {
      await close()
      for (const step of cleanup) await step()
    },
  }
}
