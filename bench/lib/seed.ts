/**
 * Many signed-in users without a sign-in each: access tokens minted against the bench's
 * issuer, Latchkey sessions written through the store API session mode reads them with,
 * express-session records in connect-redis's format, express-openid-connect's encrypted
 * session cookies. Each pool is a JSON file of header values, one per user, for the load
 * generator.
 */
import { createHmac } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import type { CookieNames } from '@latchkey/server'
import { redisStore } from '@latchkey/store'
import { createClient } from 'redis'
import { sealer } from '../../packages/server/src/lib/crypto.ts'
import { sessionStore } from '../../packages/server/src/session_store.ts'
import type { TargetConfig } from '../targets/config.ts'
import { sessionPrefix } from '../targets/peers.ts'
import type { Issuer } from './issuer.ts'

/** A CSRF cookie as a browser holds it beside the access or session cookie. */
const CSRF_VALUE = `sid%3Asid-0.${'c'.repeat(43)}`

/** In batches, so thousands of writes do not all wait at once. */
async function inBatches(count: number, step: (n: number) => Promise<unknown>) {
  for (let n = 0; n < count; n += 200)
    await Promise.all(Array.from({ length: Math.min(200, count - n) }, (_, i) => step(n + i)))
}

export function poolWriter(dir: string) {
  return (name: string, values: string[]) => {
    const file = join(dir, `${name}.json`)
    writeFileSync(file, JSON.stringify(values))
    return file
  }
}

/** Cookie-mode cookies: the access token and the CSRF cookie (the refresh cookie is path-scoped). */
export const accessCookies = (names: CookieNames, tokens: string[]) =>
  tokens.map((token) => `${names.access}=${token}; ${names.csrf}=${CSRF_VALUE}`)

/** Session-mode sessions for `tokens` (user n: tokens[n]), stored as session mode stores them. */
export async function seedLatchkeySessions(
  config: TargetConfig,
  names: CookieNames,
  tokens: string[],
  lifetime: number,
  from = 0,
) {
  const store = redisStore({ url: config.redisUrl, prefix: config.prefix })
  const sessions = sessionStore(store, sealer(config.secrets), { session: 3600, grant: 3600 })
  const now = Math.floor(Date.now() / 1000)
  const ids = tokens.map((_, i) => `bench-session-${from + i}-${'s'.repeat(24)}`)
  await inBatches(tokens.length, (i) =>
    sessions.save(ids[i] as string, {
      tokens: {
        accessToken: tokens[i] as string,
        refreshToken: `refresh-${from + i}-${'r'.repeat(32)}`,
        idTokenSid: `sid-${from + i}`,
        expiresAt: now + lifetime,
        expiresIn: lifetime,
      },
      binding: `sid:sid-${from + i}`,
    }),
  )
  await store.close()
  return ids.map((id) => `${names.session}=${id}; ${names.csrf}=${CSRF_VALUE}`)
}

/** express-session records (connect-redis: JSON under `sess:<id>`) and their signed cookies. */
export async function seedExpressSessions(config: TargetConfig, count: number) {
  const client = createClient({ url: config.redisUrl })
  await client.connect()
  const ids = Array.from({ length: count }, (_, n) => `bench-${n}-${'e'.repeat(24)}`)
  const expires = new Date(Date.now() + 3_600_000).toISOString()
  await inBatches(count, (n) =>
    client.set(
      `${sessionPrefix(config)}${ids[n]}`,
      JSON.stringify({
        cookie: { originalMaxAge: 3_600_000, expires, secure: true, httpOnly: true, path: '/' },
        user: { sub: `user-${n}`, roles: ['USER'] },
      }),
      { EX: 3600 },
    ),
  )
  await client.close()
  // cookie-signature: `s:<id>.<base64 HMAC-SHA256 without padding>`, URL-encoded.
  const sign = (id: string) =>
    `s:${id}.${createHmac('sha256', config.cookieSecret).update(id).digest('base64').replace(/=+$/, '')}`
  return ids.map((id) => `connect.sid=${encodeURIComponent(sign(id))}`)
}

/** express-openid-connect's `appSession` cookies: its own JWE (dir, A256GCM) of its session. */
export async function openidConnectCookies(config: TargetConfig, issuer: Issuer, count: number) {
  const require = createRequire(import.meta.url)
  const { encryption, encryptSync } = require('express-openid-connect/lib/crypto.js') as {
    encryption(secret: string): Uint8Array
    encryptSync(payload: string, key: Uint8Array, headers: Record<string, number>): string
  }
  const key = encryption(config.cookieSecret)
  const idTokens = await issuer.many(count, issuer.idToken)
  const accessTokens = await issuer.many(Math.min(count, 100), issuer.accessToken)
  const now = Math.floor(Date.now() / 1000)
  return idTokens.map((idToken, n) => {
    const session = {
      id_token: idToken,
      access_token: accessTokens[n % accessTokens.length],
      refresh_token: `refresh-${n}-${'r'.repeat(32)}`,
      token_type: 'Bearer',
      expires_at: now + issuer.lifetime,
    }
    const value = encryptSync(JSON.stringify(session), key, {
      iat: now,
      uat: now,
      exp: now + 86_400,
    })
    return `appSession=${value}`
  })
}

/** Deletes every key of this run's prefix. */
export async function dropPrefix(redisUrl: string, prefix: string) {
  const client = createClient({ url: redisUrl })
  await client.connect()
  for await (const keys of client.scanIterator({ MATCH: `${prefix}*`, COUNT: 1000 }))
    if (keys.length) await client.del(keys)
  await client.close()
}
