// A consumer's server-side TypeScript: every public entry point of the server-side packages,
// used as their docs show. The @ts-expect-error lines fail the check if a type turns `any`.
import { createServer } from 'node:http'
import { type Io, main } from '@latchkey/cli'
import { createIdentityProvider, type IdentityProvider } from '@latchkey/idp'
import {
  type AuthContext,
  createLatchkey,
  type LatchkeyOptions,
  Unauthenticated,
} from '@latchkey/server'
import { latchkeyExpress, requireAuth } from '@latchkey/server/express'
import { latchkeyFastify, requireAuthFastify } from '@latchkey/server/fastify'
import { type LatchkeyEnv, latchkeyHono, requireAuthHono } from '@latchkey/server/hono'
import { authenticateNode, nodeHandler } from '@latchkey/server/node'
import { memoryStore, openStores, type Store } from '@latchkey/store'
import express from 'express'
import Fastify from 'fastify'
import { Hono } from 'hono'

const store: Store = memoryStore()
const options: LatchkeyOptions = {
  issuer: 'https://id.example.com',
  clientId: 'orders',
  clientSecret: 'a client secret',
  redirectUri: 'https://orders.example.com/auth/callback',
  secrets: ['0123456789abcdef0123456789abcdef'],
  store,
}
const auth = createLatchkey(options)
// @ts-expect-error: secrets are required
createLatchkey({ ...options, secrets: undefined })

const app = express()
app.use(latchkeyExpress(auth))
app.get('/api/me', requireAuth(auth, 'USER'), (req, res) => {
  const user: AuthContext | undefined = req.auth
  // @ts-expect-error: sub is a string
  const wrong: number | undefined = req.auth?.sub
  res.json({ sub: user?.sub, wrong })
})

const fastify = Fastify()
await fastify.register(latchkeyFastify, { auth })
fastify.get('/api/me', { preHandler: requireAuthFastify(auth) }, async (request) => ({
  roles: request.auth?.roles satisfies string[] | undefined,
}))

const hono = new Hono<LatchkeyEnv>()
hono.use(latchkeyHono(auth))
hono.get('/api/me', requireAuthHono(auth), (c) => c.json({ sub: c.get('auth').sub }))

const latchkey = nodeHandler(auth)
createServer(async (req, res) => {
  if (await latchkey(req, res)) return
  const user = await authenticateNode(auth, req, res)
  if (user) res.end(JSON.stringify({ sub: user.sub }))
})

const stores = openStores({ dataDir: './.latchkey' })
const idp: IdentityProvider = await createIdentityProvider({ issuer: options.issuer, stores })
await idp.accounts.add({ username: 'alice', password: 'a long password', roles: ['USER'] })
// @ts-expect-error: an account needs a password
await idp.accounts.add({ username: 'bob' })

const io: Io = { out: console.log, err: console.error, stdin: async () => '' }
const code: number = await main(['users', 'list'], io)
export const checked = [code, new Unauthenticated() instanceof Error]
