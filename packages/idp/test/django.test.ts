import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  addAlice,
  Browser,
  confirmLogout,
  login,
  relyingParty,
  startIdp,
  type TestIdp,
} from './support.ts'
import { type DjangoApp, djangoMissing, startDjango } from './third_party/django.ts'

// docs/recipes/django.md run for real: Debian's Django and Authlib as a client of the IdP
// (sign-in with code + PKCE through the IdP's form, refresh, RP-initiated logout) and as a
// resource server verifying access tokens by the IdP's JWKS. .ci/run installs the packages;
// without them the suite says so and is skipped.

const password = 'correct horse battery staple'
const reason = djangoMissing()
if (reason) console.warn(`django: Django recipe tests skipped: ${reason}`)

describe.skipIf(reason !== undefined)('the Django recipe on the identity provider', () => {
  let t: TestIdp
  let django: DjangoApp
  const clientSecret = randomBytes(24).toString('base64url')
  const browser = new Browser()
  let signedIn: Record<string, unknown>

  const profile = async () => {
    const response = await browser.request(`${django.base}/profile`)
    return { response, body: response.ok ? ((await response.json()) as ProfilePage) : undefined }
  }
  const post = async (path: string) => {
    // What a form on the page sends: Django's CSRF token beside its cookie.
    const csrf = ((await profile()).body as ProfilePage).csrf
    return browser.request(`${django.base}${path}`, {
      method: 'POST',
      headers: { 'x-csrftoken': csrf, origin: django.base },
    })
  }
  const tokens = () => django.sessionTokens(browser.cookies.get('sessionid') ?? '')
  const api = (authorization?: string) =>
    fetch(`${django.base}/api/me`, { headers: authorization ? { authorization } : {} })
  const tokenEndpoint = (body: Record<string, string>) =>
    fetch(`${t.issuer}/token`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`django:${clientSecret}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams(body),
    })

  beforeAll(async () => {
    t = await startIdp()
    await addAlice(t, password)
    django = await startDjango({ issuer: t.issuer, clientId: 'django', clientSecret })
    await t.idp.clients.add({
      id: 'django',
      secret: clientSecret,
      redirectUris: [`${django.base}/auth/callback`],
      postLogoutRedirectUris: [`${django.base}/signed-out`],
    })
  })
  afterAll(async () => {
    await django?.close()
    await t?.close()
  })

  it('signs in with code + PKCE through the IdP form and keeps the tokens server-side', async () => {
    const form = await browser.follow(`${django.base}/auth/login`)
    expect(form.url, django.log()).toMatch(`${t.issuer}/interaction/`)
    const page = await browser.submit(form, { username: 'alice', password })
    expect(page.url, django.log()).toBe(`${django.base}/profile`)
    // The page called the API with the access token, which Django verified by the JWKS.
    const body = (await page.response.json()) as ProfilePage
    expect(body.api).toMatchObject({ roles: ['ADMIN', 'USER'] })
    signedIn = tokens() ?? {}
    expect(signedIn.scope).toBe('openid profile email offline_access')
    expect(signedIn.refresh_token).toBeTruthy()
    expect(signedIn.userinfo).toMatchObject({ iss: t.issuer, aud: 'django', sub: body.api.sub })
    // The browser holds Django's session id and CSRF cookie, no token.
    for (const value of browser.cookies.values()) {
      expect(value).not.toContain(String(signedIn.access_token))
      expect(value).not.toContain(String(signedIn.refresh_token))
    }
  })

  it('accepts only ES256 access tokens (typ at+jwt) of this issuer and audience at its API', async () => {
    const access = String(signedIn.access_token)
    expect(await (await api(`Bearer ${access}`)).json()).toMatchObject({ roles: ['ADMIN', 'USER'] })
    const refused = async (authorization?: string) => {
      const response = await api(authorization)
      expect(response.status, authorization).toBe(401)
      return response.headers.get('www-authenticate')
    }
    expect(await refused()).toBe('Bearer')
    expect(await refused(`Bearer ${access.slice(0, -4)}AAAA`)).toBe('Bearer error="invalid_token"')
    // The ID token is signed by the same key: only its typ (JWT, not at+jwt) tells it apart.
    expect(await refused(`Bearer ${signedIn.id_token}`)).toBe('Bearer error="invalid_token"')
    // alg none with the same claims (RFC 8725 §3.1: the verifier fixes the algorithm).
    const [, payload] = access.split('.')
    const none = Buffer.from(JSON.stringify({ alg: 'none', typ: 'at+jwt' })).toString('base64url')
    await refused(`Bearer ${none}.${payload}.`)
    // An access token the same IdP issued to another client: wrong audience.
    const other = await relyingParty(t, 'other')
    const { tokens: foreign } = await login(other, new Browser(), { username: 'alice', password })
    expect(await refused(`Bearer ${foreign.access_token}`)).toBe('Bearer error="invalid_token"')
  })

  it('refreshes: a rotated refresh token and a new access token the API accepts', async () => {
    expect((await post('/auth/refresh')).status, django.log()).toBe(200)
    const refreshed = tokens() ?? {}
    expect(refreshed.access_token).not.toBe(signedIn.access_token)
    expect(refreshed.refresh_token).not.toBe(signedIn.refresh_token)
    // Logout needs it: kept from the sign-in should a refresh response leave it out (OIDC
    // Core §12.2 makes it optional there).
    expect(refreshed.id_token).toBeTruthy()
    expect((await api(`Bearer ${refreshed.access_token}`)).status).toBe(200)
    expect((await profile()).body?.api).toMatchObject({ roles: ['ADMIN', 'USER'] })
  })

  it('signs out through the IdP (RP-initiated), after which the refresh token is refused', async () => {
    const { refresh_token, id_token } = tokens() ?? {}
    const start = await post('/auth/logout')
    expect(start.status, django.log()).toBe(302)
    const endSession = new URL(start.headers.get('location') ?? '')
    expect(endSession.href.startsWith(`${t.issuer}/session/end`)).toBe(true)
    expect(endSession.searchParams.get('id_token_hint')).toBe(id_token)
    const confirm = await browser.follow(endSession.href)
    const done = await confirmLogout(browser, confirm, `${django.base}/signed-out`)
    expect(done.url).toBe(`${django.base}/signed-out`)
    // Django's session is gone, and so is the IdP's: the next sign-in asks for the password.
    const again = await browser.request(`${django.base}/profile`)
    expect(again.headers.get('location')).toBe('/auth/login')
    const form = await browser.follow(`${django.base}/auth/login`)
    expect(form.url).toMatch(`${t.issuer}/interaction/`)
    // The IdP revoked the grant: the last refresh token is refused.
    const replay = await tokenEndpoint({
      grant_type: 'refresh_token',
      refresh_token: String(refresh_token),
    })
    expect(replay.status).toBe(400)
    expect(await replay.json()).toMatchObject({ error: 'invalid_grant' })
  })

  it('ends its own session when the IdP refuses a refresh (signed out elsewhere)', async () => {
    const form = await browser.follow(`${django.base}/auth/login`)
    const page = await browser.submit(form, { username: 'alice', password })
    expect(page.url, django.log()).toBe(`${django.base}/profile`)
    const account = await t.idp.accounts.findByUsername('alice')
    expect(await t.idp.sessions.endAll(account?.id ?? '')).toBeGreaterThan(0)
    const refresh = await post('/auth/refresh')
    expect(refresh.status).toBe(401)
    expect(await refresh.json()).toEqual({ error: 'session_ended' })
    expect((await browser.request(`${django.base}/profile`)).headers.get('location')).toBe(
      '/auth/login',
    )
  })
})

interface ProfilePage {
  api: { sub: string; roles: string[]; jti: string }
  csrf: string
}
