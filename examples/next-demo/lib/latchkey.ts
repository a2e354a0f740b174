import { latchkeyNext, sharedLatchkey } from '@latchkey/next'
import { createLatchkey } from '@latchkey/server'
import { openStores } from '@latchkey/store'

const env = (name: string): string => {
  const value = process.env[name]
  if (!value) throw new Error(`${name} is not set: the demo stack (npm start) sets it`)
  return value
}

export const ORIGIN = process.env.LATCHKEY_NEXT_ORIGIN ?? 'http://next.localhost:3002'
export const IDP = process.env.LATCHKEY_ISSUER ?? 'http://idp.localhost:4000'

// One core and one store for the proxy's bundle and the routes' bundle alike.
export const latchkey = sharedLatchkey('next-demo', () => {
  const accessTokenTtl = Number(process.env.LATCHKEY_ACCESS_TTL ?? 60)
  return createLatchkey({
    issuer: IDP,
    clientId: env('LATCHKEY_CLIENT_ID'),
    clientSecret: env('LATCHKEY_CLIENT_SECRET'),
    redirectUri: `${ORIGIN}/auth/callback`,
    // Session mode: the refresh token stays in the store, so the proxy can refresh before
    // rendering on any page request (in cookie mode it rides only to /auth/refresh).
    mode: 'session',
    store: openStores({
      dataDir: env('LATCHKEY_NEXT_DATA_DIR'),
      redisUrl: process.env.REDIS_URL || undefined,
    }).ephemeral,
    secrets: [env('LATCHKEY_SECRET')],
    cookies: { accessMaxAge: accessTokenTtl },
  })
})

// The IdP's UserInfo and account API are the API backends this app calls as the user.
export const { auth, action, serverFetch } = latchkeyNext(latchkey, { apis: [IDP] })
