import { once } from 'node:events'
import { createServer, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Latchkey } from '@latchkey/server'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { actionGuard } from '../src/action.ts'
import { authReader } from '../src/auth.ts'
import { serverFetcher } from '../src/server_fetch.ts'
import { type NextLikeApp, signIn, startApp, startIdp, type TestIdp } from './fixtures.ts'

const TTL = 60

/** The core with its `authenticate` calls counted (the real core underneath). */
const counted = (latchkey: Latchkey) => {
  const counter = { calls: 0 }
  const wrapped = Object.create(latchkey) as Latchkey
  wrapped.authenticate = (request) => {
    counter.calls++
    return latchkey.authenticate(request)
  }
  return { latchkey: wrapped, counter }
}

/** The headers of one incoming request, as Next's `headers()` returns them for it. */
const requestHeaders = (init: Record<string, string>) => new Headers(init)

describe('auth(), server actions and serverFetch on the Fetch core', () => {
  let t: TestIdp
  let app: NextLikeApp
  let cookie: string
  let csrfToken: string
  const api = { headers: [] as IncomingHttpHeaders[], url: '', close: async () => {} }

  beforeAll(async () => {
    t = await startIdp({ accessTokenTtl: TTL })
    app = await startApp(t)
    const signedIn = await signIn(app.url, 'alice')
    cookie = signedIn.browser.cookieHeader(`${app.url}/`)
    csrfToken = signedIn.csrfToken
    // An API backend that records what it is sent and accepts what the IdP's UserInfo accepts.
    const server = createServer(async (req, res) => {
      api.headers.push(req.headers)
      const upstream = await fetch(`${t.issuer}/me`, {
        headers: { authorization: req.headers.authorization ?? '' },
      })
      res.writeHead(upstream.status, { 'content-type': 'application/json' })
      res.end(await upstream.text())
    })
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    api.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    api.close = () => new Promise((resolve) => server.close(() => resolve()))
  })
  afterAll(async () => {
    await api.close()
    await app?.close()
    await t?.close()
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('auth() verifies once per request and hands out the user without any token', async () => {
    const { latchkey, counter } = counted(app.latchkey)
    const one = requestHeaders({ cookie })
    const reader = authReader(latchkey, async () => one)
    const [a, b, c] = await Promise.all([reader.auth(), reader.auth(), reader.auth()])
    expect(counter.calls).toBe(1)
    expect(a).toEqual(b)
    expect(c?.user.roles).toEqual(['USER'])
    expect(Object.keys(a ?? {}).sort()).toEqual(['expiresAt', 'user'])
    const context = await reader.context()
    expect(JSON.stringify(a)).not.toContain(context?.accessToken)
    // Another request is verified on its own.
    const other = authReader(latchkey, async () => requestHeaders({ cookie }))
    await other.auth()
    expect(counter.calls).toBe(2)
  })

  it('auth() is null signed out, and for a forged or unknown session', async () => {
    for (const headers of [{}, { cookie: '__Host-session=forged.value' }] as Record<
      string,
      string
    >[]) {
      const reader = authReader(app.latchkey, async () => requestHeaders(headers))
      expect(await reader.auth()).toBeNull()
    }
  })

  const guardFor = (headers: Record<string, string>) => {
    const h = requestHeaders(headers)
    const reader = authReader(app.latchkey, async () => h)
    return actionGuard(app.latchkey, reader.context, async () => h)
  }
  const publish = (headers: Record<string, string>, role?: string) =>
    guardFor(headers).action(
      { role },
      async (session, text: string) => `${session.user.sub}:${text}`,
    )('hi')

  it('runs a server action for a signed-in user from its own origin', async () => {
    const result = await publish({ cookie, origin: app.url })
    expect(result).toMatchObject({ ok: true })
  })

  it('refuses a server action: cross-origin, signed out, without the role, a bad CSRF token', async () => {
    expect(await publish({ cookie, origin: 'http://evil.test' })).toEqual({
      ok: false,
      error: { code: 'csrf_failed', message: 'request origin is not allowed' },
    })
    expect(await publish({ cookie, 'sec-fetch-site': 'cross-site' })).toMatchObject({
      ok: false,
      error: { code: 'csrf_failed' },
    })
    expect(await publish({ origin: app.url })).toMatchObject({
      ok: false,
      error: { code: 'unauthenticated' },
    })
    expect(await publish({ cookie, origin: app.url }, 'ADMIN')).toEqual({
      ok: false,
      error: { code: 'forbidden', message: 'requires role ADMIN' },
    })
    expect(await publish({ cookie, origin: app.url, 'x-csrf-token': 'x.y' })).toMatchObject({
      ok: false,
      error: { code: 'csrf_failed' },
    })
    // The CSRF token the session was given passes where one is sent.
    expect(await publish({ cookie, origin: app.url, 'x-csrf-token': csrfToken })).toMatchObject({
      ok: true,
    })
  })

  const fetcherFor = (headers: Record<string, string>) => {
    const h = requestHeaders(headers)
    const reader = authReader(app.latchkey, async () => h)
    return serverFetcher(app.latchkey, reader, async () => h, { apis: [api.url] })
  }

  it("serverFetch sends the user's token and nothing else of the request", async () => {
    api.headers.length = 0
    const response = await fetcherFor({ cookie, 'x-forwarded-for': '10.0.0.1' })(`${api.url}/me`)
    expect(response.status).toBe(200)
    expect(await response.json()).toMatchObject({ email: 'alice@example.com' })
    expect(api.headers[0]?.authorization).toMatch(/^Bearer ey/)
    expect(api.headers[0]?.cookie).toBeUndefined()
    expect(api.headers[0]?.['x-forwarded-for']).toBeUndefined()
  })

  it('serverFetch refuses to send credentials to an origin not configured', async () => {
    await expect(fetcherFor({ cookie })(`${t.issuer}/me`)).rejects.toThrow(
      /only to the configured apis/,
    )
  })

  it('serverFetch answers a 401 by refreshing once and trying again', async () => {
    const serverFetch = fetcherFor({ cookie })
    const before = t.rotations()
    vi.useFakeTimers({ toFake: ['Date'], shouldAdvanceTime: true })
    // Nearly expired for the app, already expired for the API (no clock tolerance at the IdP).
    vi.setSystemTime(Date.now() + (TTL + 1) * 1000)
    api.headers.length = 0
    const response = await serverFetch(`${api.url}/me`)
    expect(response.status).toBe(200)
    expect(api.headers).toHaveLength(2)
    expect(api.headers[0]?.authorization).not.toBe(api.headers[1]?.authorization)
    expect(t.rotations()).toBe(before + 1)
  })
})
