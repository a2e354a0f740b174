import { createHmac, randomUUID } from 'node:crypto'
import { redisStore } from '@latchkey/store'
import { base64url, exportJWK, generateKeyPair, importJWK, type JWK, SignJWT } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { HttpBrowser } from '../../../test/support/http_browser.ts'
import { tcpProxy } from '../../../test/support/tcp_proxy.ts'
import { createLatchkey } from '../src/index.ts'
import { call, signIn } from './fixtures/login.ts'
import {
  APP_ORIGIN,
  SECRET,
  startBackend,
  startIdp,
  type TestBackend,
  type TestIdp,
} from './fixtures/stack.ts'

const REDIS = process.env.LATCHKEY_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379'

describe('server: refusing what it must refuse', () => {
  let t: TestIdp
  let backend: TestBackend
  let clientId: string
  let signingJwk: JWK

  beforeAll(async () => {
    t = await startIdp()
    backend = await startBackend(t, 'express', { clientId: 'sec-api', refreshGraceSeconds: 1 })
    clientId = 'sec-api'
    const [key] = await t.idp.keys.active()
    signingJwk = key?.jwk as JWK
  })
  afterAll(async () => {
    await backend.close()
    await t.close()
  })

  const me = (token: string) =>
    fetch(`${backend.url}/api/me`, { headers: { cookie: `__Host-access_token=${token}` } })
  const now = () => Math.floor(Date.now() / 1000)
  const claims = (extra: Record<string, unknown> = {}) => ({
    iss: t.issuer,
    aud: clientId,
    sub: 'user-1',
    sid: 'sid-1',
    client_id: clientId,
    roles: ['USER'],
    jti: randomUUID(),
    iat: now(),
    exp: now() + 300,
    ...extra,
  })
  const sign = async (
    payload: Record<string, unknown>,
    header: Record<string, unknown> = {},
    jwk = signingJwk,
  ) =>
    new SignJWT(payload)
      .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: jwk.kid, ...header })
      .sign(await importJWK(jwk, 'ES256'))

  it('accepts a token the IdP key signed with every claim right (the control case)', async () => {
    const response = await me(await sign(claims()))
    expect(response.status).toBe(200)
  })

  it.each<[string, () => Promise<string>, string]>([
    [
      'alg none',
      async () =>
        `${base64url.encode(JSON.stringify({ alg: 'none', typ: 'at+jwt' }))}.${base64url.encode(JSON.stringify(claims()))}.`,
      'invalid_token',
    ],
    [
      'HS256 keyed with the public key (algorithm confusion)',
      async () => {
        const { d: _d, ...publicJwk } = signingJwk
        const input = `${base64url.encode(JSON.stringify({ alg: 'HS256', typ: 'at+jwt', kid: signingJwk.kid }))}.${base64url.encode(JSON.stringify(claims()))}`
        return `${input}.${createHmac('sha256', JSON.stringify(publicJwk)).update(input).digest('base64url')}`
      },
      'invalid_token',
    ],
    [
      'a key the IdP never published',
      async () => {
        const { privateKey } = await generateKeyPair('ES256', { extractable: true })
        return sign(claims(), {}, { ...(await exportJWK(privateKey)), kid: 'attacker' })
      },
      'invalid_token',
    ],
    [
      "an attacker's key under the IdP's kid",
      async () => {
        const { privateKey } = await generateKeyPair('ES256', { extractable: true })
        return sign(claims(), {}, { ...(await exportJWK(privateKey)), kid: signingJwk.kid })
      },
      'invalid_token',
    ],
    [
      'an expired token',
      () => sign(claims({ iat: now() - 1000, exp: now() - 120 })),
      'token_expired',
    ],
    ['nbf in the future', () => sign(claims({ nbf: now() + 600 })), 'invalid_token'],
    ['another issuer', () => sign(claims({ iss: 'https://evil.example' })), 'invalid_token'],
    ['another audience', () => sign(claims({ aud: 'some-other-api' })), 'invalid_token'],
    [
      'typ JWT instead of at+jwt (an ID token, say)',
      () => sign(claims(), { typ: 'JWT' }),
      'invalid_token',
    ],
    ['no sub', () => sign(claims({ sub: undefined })), 'invalid_token'],
    [
      'a tampered payload',
      async () => {
        const [h, , s] = (await sign(claims())).split('.')
        return `${h}.${base64url.encode(JSON.stringify(claims({ roles: ['ADMIN'] })))}.${s}`
      },
      'invalid_token',
    ],
    ['garbage', async () => 'not.a.jwt', 'invalid_token'],
  ])('refuses %s', async (_name, forge, error) => {
    const response = await me(await forge())
    expect(response.status).toBe(401)
    expect(await response.json()).toMatchObject({ error })
    expect(response.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"')
  })

  it('answers a request without credentials with a bare challenge (RFC 6750 §3.1)', async () => {
    const response = await fetch(`${backend.url}/api/me`)
    expect(response.status).toBe(401)
    expect(await response.json()).toMatchObject({ error: 'unauthenticated' })
    // "If the request lacks any authentication information …, the resource server SHOULD NOT
    // include an error code or other error information."
    expect(response.headers.get('www-authenticate')).toBe('Bearer')
  })

  it('refuses a callback whose transaction cookie is long garbage with 400, not a 500', async () => {
    // Found by the fuzz suite: the cookie's value went into a store key as it was.
    const response = await fetch(`${backend.url}/auth/callback?code=x&state=y`, {
      headers: { cookie: `__Secure-latchkey_tx=${'a.'.repeat(400)}` },
    })
    expect(response.status).toBe(400)
    expect(await response.json()).toMatchObject({ error: 'invalid_request' })
  })

  it('refuses duplicated, malformed and oversized cookies with 4xx JSON, never a 500', async () => {
    const token = await sign(claims())
    const duplicated = await fetch(`${backend.url}/api/me`, {
      headers: { cookie: `__Host-access_token=${token}; __Host-access_token=${token}` },
    })
    expect(duplicated.status).toBe(400)
    expect(await duplicated.json()).toMatchObject({ error: 'invalid_request' })
    const malformed = await fetch(`${backend.url}/api/me`, {
      headers: { cookie: '__Host-access_token="<script>"' },
    })
    expect(malformed.status).toBe(400)
    const big = await fetch(`${backend.url}/auth/me`, {
      headers: { cookie: `x=${'a'.repeat(12_000)}` },
    })
    expect(big.status).toBe(400)
    const huge = await fetch(`${backend.url}/auth/me`, {
      headers: { cookie: `x=${'a'.repeat(20_000)}` },
    })
    expect(huge.status).toBe(431) // Node's own header limit answers before any code runs
  })

  it('refuses a returnTo that leaves the site', async () => {
    for (const returnTo of [
      '//evil.example/x',
      'https://evil.example/',
      '/\\evil.example',
      'javascript:alert(1)',
    ]) {
      const response = await fetch(
        `${backend.url}/auth/login?returnTo=${encodeURIComponent(returnTo)}`,
        { redirect: 'manual' },
      )
      expect(response.status, returnTo).toBe(400)
    }
  })

  it('answers CORS preflights only for allowed origins, and never with *', async () => {
    const preflight = (origin: string) =>
      fetch(`${backend.url}/api/items`, {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'x-csrf-token',
        },
      })
    const allowed = await preflight(APP_ORIGIN)
    expect(allowed.status).toBe(204)
    expect(allowed.headers.get('access-control-allow-origin')).toBe(APP_ORIGIN)
    expect(allowed.headers.get('access-control-allow-credentials')).toBe('true')
    expect(allowed.headers.get('access-control-allow-headers')).toMatch(/x-csrf-token/i)
    expect(allowed.headers.get('vary')).toMatch(/Origin/)
    const evil = await preflight('https://evil.example')
    expect(evil.headers.get('access-control-allow-origin')).toBeNull()
    const get = await fetch(`${backend.url}/auth/me`, {
      headers: { origin: 'https://evil.example' },
    })
    expect(get.headers.get('access-control-allow-origin')).toBeNull()
  })

  it('refuses an unsafe request from a foreign origin even with the right CSRF token', async () => {
    const { browser, csrfToken } = await signIn(backend.url)
    const response = await browser.request(`${backend.url}/api/items`, {
      method: 'POST',
      headers: { origin: 'https://evil.example', 'x-csrf-token': csrfToken },
    })
    expect(response.status).toBe(403)
    expect(await response.json()).toMatchObject({ error: 'csrf_failed' })
  })

  it('treats a refresh-token replay after the grace window as reuse: refused, family revoked', async () => {
    const { browser } = await signIn(backend.url)
    const oldRefresh = browser.cookieHeader(`${backend.url}/auth/refresh`)
    await new Promise((resolve) => setTimeout(resolve, 1100))
    expect((await call(browser, `${backend.url}/auth/refresh`, { method: 'POST' })).status).toBe(
      200,
    )
    await new Promise((resolve) => setTimeout(resolve, 1100))
    const replay = await fetch(`${backend.url}/auth/refresh`, {
      method: 'POST',
      headers: { cookie: oldRefresh, origin: backend.url },
    })
    expect(replay.status).toBe(401)
    await new Promise((resolve) => setTimeout(resolve, 1100))
    const current = await call(browser, `${backend.url}/auth/refresh`, { method: 'POST' })
    expect(current.status).toBe(401)
  })

  it('refuses SameSite=None without Secure at start-up', () => {
    expect(() =>
      createLatchkey({
        issuer: t.issuer,
        clientId,
        clientSecret: SECRET,
        redirectUri: `${backend.url}/auth/callback`,
        secrets: ['x'.repeat(32)],
        cookies: { sameSite: 'None', secure: false },
      }),
    ).toThrow(/SameSite/i)
  })

  it('answers 503 store_unavailable when Redis is down, and recovers when it is back', async () => {
    // A real Redis behind a proxy that drops it while users are signed in.
    const proxy = await tcpProxy(6379)
    const store = () =>
      redisStore({
        url: `redis://127.0.0.1:${proxy.port}`,
        prefix: `latchkey-server-test:${randomUUID()}:`,
      })
    const session = await startBackend(t, 'hono', { store: store(), mode: 'session' })
    const cookie = await startBackend(t, 'express', { store: store() })
    try {
      const users = [await signIn(session.url), await signIn(cookie.url)]
      proxy.cut()
      const during = await call(users[0]?.browser as HttpBrowser, `${session.url}/api/me`)
      expect(during.status).toBe(503)
      expect(await during.json()).toMatchObject({ error: 'store_unavailable' })
      const login = await fetch(`${session.url}/auth/login`, { redirect: 'manual' })
      expect(login.status).toBe(503)
      // Cookie mode verifies on its own: signed-in users keep being served.
      expect((await call(users[1]?.browser as HttpBrowser, `${cookie.url}/api/me`)).status).toBe(
        200,
      )
      proxy.restore()
      await expect
        .poll(
          async () =>
            (await call(users[0]?.browser as HttpBrowser, `${session.url}/api/me`)).status,
          { timeout: 10_000, interval: 250 },
        )
        .toBe(200)
    } finally {
      await session.close()
      await cookie.close()
      await proxy.close()
    }
  })
})

describe('server: back-channel logout across instances sharing Redis', () => {
  it('ends a cookie-mode session on a second instance at once', async () => {
    const t = await startIdp()
    const prefix = `latchkey-server-test:${randomUUID()}:`
    const a = await startBackend(t, 'express', {
      clientId: 'shared-api',
      store: redisStore({ url: REDIS, prefix }),
    })
    const b = await startBackend(t, 'fastify', {
      clientId: 'shared-api',
      store: redisStore({ url: REDIS, prefix }),
    })
    try {
      const { browser } = await signIn(a.url)
      const cookie = browser.cookieHeader(`${a.url}/api/me`)
      expect((await fetch(`${b.url}/api/me`, { headers: { cookie } })).status).toBe(200)
      // This device's session ends at the IdP ("My sessions"): it posts a logout token to
      // instance A.
      const account = await t.idp.accounts.findByUsername('alice')
      const [session] = await t.idp.sessions.list(account?.id ?? '')
      expect(await t.idp.sessions.endOne(account?.id ?? '', session?.id ?? '')).toBe(true)
      await expect
        .poll(async () => (await fetch(`${b.url}/api/me`, { headers: { cookie } })).status, {
          timeout: 5000,
        })
        .toBe(401)
      expect((await fetch(`${a.url}/api/me`, { headers: { cookie } })).status).toBe(401)
    } finally {
      await a.close()
      await b.close()
      await t.close()
    }
  })

  it('catches up with a back-channel logout it missed while its Redis connection was down', async () => {
    const t = await startIdp()
    const prefix = `latchkey-server-test:${randomUUID()}:`
    const proxy = await tcpProxy(6379)
    const a = await startBackend(t, 'express', {
      clientId: 'resync-api',
      store: redisStore({ url: REDIS, prefix }),
    })
    const b = await startBackend(t, 'hono', {
      clientId: 'resync-api',
      store: redisStore({ url: `redis://127.0.0.1:${proxy.port}`, prefix }),
      revocationResyncSeconds: 1,
    })
    try {
      const { browser } = await signIn(a.url)
      const cookie = browser.cookieHeader(`${a.url}/api/me`)
      expect((await fetch(`${b.url}/api/me`, { headers: { cookie } })).status).toBe(200)
      proxy.cut() // instance B loses Redis: it will miss the published revocation
      const account = await t.idp.accounts.findByUsername('alice')
      await t.idp.sessions.endAll(account?.id ?? '') // back-channel logout reaches instance A
      await expect
        .poll(async () => (await fetch(`${a.url}/api/me`, { headers: { cookie } })).status)
        .toBe(401)
      proxy.restore()
      await expect
        .poll(async () => (await fetch(`${b.url}/api/me`, { headers: { cookie } })).status, {
          timeout: 10_000,
          interval: 250,
        })
        .toBe(401)
    } finally {
      await a.close()
      await b.close()
      await proxy.close()
      await t.close()
    }
  })

  it('gets a back-channel logout it could not take during its Redis outage, from the IdP retrying', async () => {
    const t = await startIdp({ backchannelRetryDelays: [0.5, 0.5, 0.5, 0.5, 0.5, 0.5] })
    const proxy = await tcpProxy(6379)
    const backend = await startBackend(t, 'express', {
      store: redisStore({
        url: `redis://127.0.0.1:${proxy.port}`,
        prefix: `latchkey-server-test:${randomUUID()}:`,
      }),
    })
    try {
      const { browser } = await signIn(backend.url)
      proxy.cut() // the backend cannot record a revocation: it answers the logout token 503
      const account = await t.idp.accounts.findByUsername('alice')
      await t.idp.sessions.endAll(account?.id ?? '')
      expect((await call(browser, `${backend.url}/api/me`)).status).toBe(200)
      proxy.restore()
      await expect
        .poll(async () => (await call(browser, `${backend.url}/api/me`)).status, {
          timeout: 10_000,
          interval: 250,
        })
        .toBe(401)
    } finally {
      await backend.close()
      await proxy.close()
      await t.close()
    }
  })
})
