import { generateKeyPair, SignJWT } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { call, signIn } from './fixtures/login.ts'
import { startBackend, startIdp, type TestBackend, type TestIdp } from './fixtures/stack.ts'

const EVERY_COOKIE = [
  '__Host-access_token',
  '__Secure-refresh_token',
  '__Host-csrf_token',
  '__Host-session',
  '__Secure-latchkey_tx',
]

/** A JWT shaped like an access token, signed by a key the IdP never published. */
async function forgedToken() {
  const { privateKey } = await generateKeyPair('ES256')
  return new SignJWT({ sub: 'someone', sid: 'some-session', roles: ['ADMIN'] })
    .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: 'attacker' })
    .setIssuedAt()
    .setExpirationTime('5m')
    .sign(privateKey)
}

/** Every auth cookie is cleared: set empty with Max-Age=0, on the path it was set on. */
function expectEveryCookieCleared(response: Response) {
  const lines = response.headers.getSetCookie()
  for (const name of EVERY_COOKIE) {
    expect(
      lines.find((line) => line.startsWith(`${name}=;`)),
      name,
    ).toMatch(/Max-Age=0/)
  }
}

describe.each(['cookie', 'session'] as const)('logout in %s mode (ASVS 5.0 V7.4.1)', (mode) => {
  let t: TestIdp
  let backend: TestBackend
  // The cookie that names the session: the access JWT, or the opaque session id.
  const sessionCookie = mode === 'cookie' ? '__Host-access_token' : '__Host-session'

  beforeAll(async () => {
    t = await startIdp()
    backend = await startBackend(t, 'express', { mode })
  })
  afterAll(async () => {
    await backend?.close()
    await t?.close()
  })

  it.each<[string, (real: string) => Promise<string>]>([
    ['garbage', async () => 'not.a.jwt'],
    ['cut short', async (real) => real.slice(0, real.length - 20)],
    ['forged with a key the IdP never published', forgedToken],
  ])('signs out with a valid CSRF token when the session cookie is %s', async (_name, bad) => {
    const { browser, csrfToken } = await signIn(backend.url)
    const before = browser.cookieHeader(`${backend.url}/api/me`)
    const refresh = browser.cookieHeader(`${backend.url}/auth/refresh`)
    const real = browser.cookies.get(sessionCookie) ?? ''
    browser.jar.set(sessionCookie, { value: await bad(real), path: '/' })

    const out = await call(browser, `${backend.url}/auth/logout`, {
      method: 'POST',
      csrf: csrfToken,
    })
    expect(out.status).toBe(200)
    expectEveryCookieCleared(out)
    // What could be ended was: the session (named by the CSRF token's binding) at once…
    const replay = await fetch(`${backend.url}/api/me`, { headers: { cookie: before } })
    expect(replay.status).toBe(401)
    // …and the refresh token, revoked at the IdP.
    if (mode === 'cookie') {
      const refreshed = await fetch(`${backend.url}/auth/refresh`, {
        method: 'POST',
        headers: { cookie: refresh, origin: backend.url },
      })
      expect(refreshed.status).toBe(401)
    }
  })

  it('still wants the CSRF token when the cookies name a session', async () => {
    const { browser } = await signIn(backend.url)
    const before = browser.cookieHeader(`${backend.url}/api/me`)
    browser.jar.set(sessionCookie, { value: 'not.a.jwt', path: '/' })
    const out = await call(browser, `${backend.url}/auth/logout`, { method: 'POST' })
    expect([out.status, (await out.json()).error]).toEqual([403, 'csrf_failed'])
    expect(out.headers.getSetCookie()).toEqual([])
    expect((await fetch(`${backend.url}/api/me`, { headers: { cookie: before } })).status).toBe(200)
  })

  it('clears cookies that name no session at all without a token, but never cross-site', async () => {
    const garbage = `${sessionCookie}=not.a.jwt; __Host-csrf_token=sid.not-our-hmac`
    const out = await fetch(`${backend.url}/auth/logout`, {
      method: 'POST',
      headers: { cookie: garbage, origin: backend.url },
    })
    expect(out.status).toBe(200)
    expectEveryCookieCleared(out)
    const crossSite = await fetch(`${backend.url}/auth/logout`, {
      method: 'POST',
      headers: { cookie: garbage, origin: 'https://evil.example' },
    })
    expect([crossSite.status, (await crossSite.json()).error]).toEqual([403, 'csrf_failed'])
  })
})

describe('single logout without the ID token in a URL', () => {
  let t: TestIdp
  let a: TestBackend
  let b: TestBackend

  beforeAll(async () => {
    t = await startIdp()
    a = await startBackend(t, 'express')
    b = await startBackend(t, 'fastify', { mode: 'session' })
  })
  afterAll(async () => {
    await a?.close()
    await b?.close()
    await t?.close()
  })

  it('hands the browser a hint-free logout URL, and the IdP still ends every app', async () => {
    // One browser signs in to A, then to B through the IdP session (no password).
    const { browser, csrfToken } = await signIn(a.url)
    const aCookies = browser.cookieHeader(`${a.url}/api/me`)
    const sso = await browser.follow(
      `${b.url}/auth/login?returnTo=/dashboard`,
      `${b.url}/dashboard`,
    )
    expect(sso.url).toBe(`${b.url}/dashboard`)
    const bCookies = browser.cookieHeader(`${b.url}/api/me`)
    expect((await fetch(`${b.url}/api/me`, { headers: { cookie: bCookies } })).status).toBe(200)

    const out = await fetch(`${a.url}/auth/logout`, {
      method: 'POST',
      headers: { cookie: aCookies, origin: a.url, 'x-csrf-token': csrfToken },
    })
    const text = await out.text()
    expect(text).not.toMatch(/eyJ/) // no JWT of any kind in what JavaScript reads
    const logoutUrl = new URL(JSON.parse(text).logoutUrl)
    expect(`${logoutUrl.origin}${logoutUrl.pathname}`).toBe(`${t.issuer}/session/end`)
    expect(Object.fromEntries(logoutUrl.searchParams)).toEqual({
      client_id: expect.stringMatching(/^backend-/),
      post_logout_redirect_uri: `${a.url}/`,
    })

    // At the IdP the user confirms (RP-Initiated Logout §2 without a hint: it asks).
    const page = await browser.request(logoutUrl.href)
    const html = await page.text()
    expect(html).toMatch(/Sign out/)
    const action = /<form[^>]* action="([^"]+)"/.exec(html)?.[1] ?? ''
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(html)?.[1] ?? ''
    const done = await browser.follow(new URL(action, logoutUrl).href, `${a.url}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ xsrf, logout: 'yes' }),
    })
    expect(done.url).toBe(`${a.url}/`) // back where A asked, so the redirect URI was checked
    // Back-channel logout reached B: its session ended too.
    await expect
      .poll(async () => (await fetch(`${b.url}/api/me`, { headers: { cookie: bCookies } })).status)
      .toBe(401)
    // And the IdP session is gone: signing in to A asks for the password again.
    const again = await browser.follow(`${a.url}/auth/login`)
    expect(await again.response.text()).toMatch(/name="password"/)
  })
})
