// A consumer's server-side TypeScript: every public entry point of the server-side packages,
// used as their docs show. The @ts-expect-error lines fail the check if a type turns `any`.
import { createServer } from 'node:http'
import { type Io, main } from '@latchkey/cli'
import { createIdentityProvider, type IdentityProvider } from '@latchkey/idp'
import {
  type AuthContext,
  AuthError,
  createLatchkey,
  ERROR_CODES,
  type LatchkeyOptions,
  Unauthenticated,
} from '@latchkey/server'
// Every adapter exports the same names: a consumer imports the one of its framework.
import * as forExpress from '@latchkey/server/express'
import * as forFastify from '@latchkey/server/fastify'
import * as forHono from '@latchkey/server/hono'
import * as forNode from '@latchkey/server/node'
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
app.use(forExpress.latchkey(auth))
app.use(forExpress.jsonErrors)
app.get('/api/me', forExpress.requireAuth(auth, { role: 'USER' }), (req, res) => {
  const user: AuthContext | undefined = req.auth
  // @ts-expect-error: sub is a string
  const wrong: number | undefined = req.auth?.sub
  res.json({ sub: user?.sub, wrong })
})

const fastify = Fastify()
await fastify.register(forFastify.latchkey, { auth })
fastify.setErrorHandler(forFastify.jsonErrors)
fastify.get('/api/me', { preHandler: forFastify.requireAuth(auth) }, async (request) => ({
  roles: request.auth?.roles satisfies string[] | undefined,
}))

const hono = new Hono<forHono.LatchkeyEnv>()
hono.use(forHono.latchkey(auth))
hono.onError(forHono.jsonErrors)
hono.get('/api/me', forHono.requireAuth(auth), (c) => c.json({ sub: c.get('auth').sub }))
// @ts-expect-error: a role is given as { role }
forHono.requireAuth(auth, 'ADMIN')

const handleAuth = forNode.latchkey(auth)
const signedIn = forNode.requireAuth(auth)
createServer(async (req, res) => {
  try {
    if (await handleAuth(req, res)) return
    const user = await signedIn(req, res)
    if (user) res.end(JSON.stringify({ sub: user.sub }))
  } catch (error) {
    await forNode.jsonErrors(error, res)
  }
})

const stores = openStores({ dataDir: './.latchkey' })
const idp: IdentityProvider = await createIdentityProvider({ issuer: options.issuer, stores })
await idp.accounts.add({ username: 'alice', password: 'a long password', roles: ['USER'] })
// @ts-expect-error: an account needs a password
await idp.accounts.add({ username: 'bob' })

const io: Io = { out: console.log, err: console.error, stdin: async () => '' }
const code: number = await main(['users', 'list'], io)
const refused: Response = AuthError.from(new Unauthenticated()).toResponse()
export const checked = [code, refused.status satisfies number, ERROR_CODES.token_expired]
