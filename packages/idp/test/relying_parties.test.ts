import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { addAlice, Browser, confirmLogout, startIdp, type TestIdp } from './support.ts'
import { type Apache, apacheMissing, freePort, startApache } from './third_party/apache.ts'
import { type Answer, authlibMissing, startAuthlib } from './third_party/authlib.ts'

// The IdP driven by relying parties nobody here wrote: Apache httpd with mod_auth_openidc
// (OpenID-certified) and Python's Authlib, both from Debian (.ci/run installs them). Each goes
// through sign-in, refresh with offline_access (repeating its scope), UserInfo by form POST,
// introspection and logout. Where a package is missing the suite says so and is skipped.

const password = 'correct horse battery staple'
const secret = () => randomBytes(24).toString('base64url')

const apacheReason = apacheMissing()
if (apacheReason) console.warn(`relying_parties: mod_auth_openidc tests skipped: ${apacheReason}`)

describe.skipIf(apacheReason !== undefined)(
  'identity provider with mod_auth_openidc in Apache',
  () => {
    let t: TestIdp
    let apache: Apache
    let base = ''
    const browser = new Browser()
    const clientSecret = secret()
    let info: { access_token: string; refresh_token: string; userinfo: Record<string, unknown> }

    const sessionInfo = async (query = '') => {
      const response = await browser.request(`${base}/protected/redirect_uri?info=json${query}`)
      expect(response.status, apache.log()).toBe(200)
      return (await response.json()) as typeof info
    }
    const api = (token: string) =>
      fetch(`${base}/api/index.html`, { headers: { authorization: `Bearer ${token}` } })

    beforeAll(async () => {
      t = await startIdp()
      await addAlice(t, password)
      const port = await freePort()
      base = `http://127.0.0.1:${port}`
      await t.idp.clients.add({
        id: 'apache',
        secret: clientSecret,
        redirectUris: [`${base}/protected/redirect_uri`],
        postLogoutRedirectUris: [`${base}/signed-out.html`],
        backchannelLogoutUri: `${base}/protected/redirect_uri?logout=backchannel`,
      })
      apache = await startApache(
        port,
        `
OIDCProviderMetadataURL ${t.issuer}/.well-known/openid-configuration
OIDCClientID apache
OIDCClientSecret ${clientSecret}
OIDCRedirectURI ${base}/protected/redirect_uri
OIDCCryptoPassphrase ${secret()}
OIDCScope "openid profile email offline_access"
OIDCPKCEMethod S256
OIDCUserInfoTokenMethod post_param
OIDCInfoHook iat access_token access_token_expires id_token userinfo refresh_token
OIDCDefaultLoggedOutURL ${base}/signed-out.html
OIDCOAuthServerMetadataURL ${t.issuer}/.well-known/openid-configuration
OIDCOAuthClientID apache
OIDCOAuthClientSecret ${clientSecret}
OIDCOAuthTokenIntrospectionInterval -1
<Location /protected>
  AuthType openid-connect
  Require valid-user
  # The test's browser is fetch(), whose Sec-Fetch-Mode (cors) reads as an XHR: sign it in.
  OIDCUnAuthAction auth true
</Location>
<Location /api>
  AuthType oauth20
  Require valid-user
</Location>
`,
        {
          'protected/index.html': 'the protected page',
          'api/index.html': 'the protected API',
          'signed-out.html': 'signed out',
        },
      )
    })
    afterAll(async () => {
      await apache?.close()
      await t?.close()
    })

    it('signs in with code + PKCE and gets the claims, roles included, from UserInfo by POST', async () => {
      const login = await browser.follow(`${base}/protected/index.html`)
      expect(login.url, apache.log()).toMatch(`${t.issuer}/interaction/`)
      const page = await browser.submit(login, { username: 'alice', password })
      expect(page.url, apache.log()).toBe(`${base}/protected/index.html`)
      expect(await page.response.text()).toBe('the protected page')
      info = await sessionInfo()
      // OIDCUserInfoTokenMethod post_param: the token went in the form body (RFC 6750 §2.2).
      expect(info.userinfo).toMatchObject({ roles: ['ADMIN', 'USER'], email: 'alice@example.com' })
      expect(info.refresh_token).toBeTruthy()
    })

    it('refreshes the access token with offline_access, repeating its scope', async () => {
      const refreshed = await sessionInfo('&access_token_refresh_interval=0')
      expect(refreshed.access_token, apache.log()).not.toBe(info.access_token)
      expect(refreshed.refresh_token).not.toBe(info.refresh_token)
      // Still signed in (mod_auth_openidc signs the user out when a refresh fails).
      expect((await browser.request(`${base}/protected/index.html`)).status).toBe(200)
      info = refreshed
    })

    it('lets an introspecting location accept the access token, and refuse a forged one', async () => {
      expect((await api(info.access_token)).status, apache.log()).toBe(200)
      expect((await api(`${info.access_token.slice(0, -4)}AAAA`)).status).toBe(401)
    })

    it('signs out through end_session, after which its access token is refused', async () => {
      const confirm = await browser.follow(
        `${base}/protected/redirect_uri?logout=${encodeURIComponent(`${base}/signed-out.html`)}`,
      )
      expect(confirm.url.startsWith(`${t.issuer}/session/end`), apache.log()).toBe(true)
      const done = await confirmLogout(browser, confirm, `${base}/signed-out.html`)
      expect(done.url).toBe(`${base}/signed-out.html`)
      // The IdP ended the session and revoked its grant: introspection says inactive.
      expect((await api(info.access_token)).status).toBe(401)
    })

    it('ends its session when the IdP sends a back-channel logout', async () => {
      const login = await browser.follow(`${base}/protected/index.html`)
      const page = await browser.submit(login, { username: 'alice', password })
      expect(page.url, apache.log()).toBe(`${base}/protected/index.html`)
      const account = await t.idp.accounts.findByUsername('alice')
      expect(await t.idp.sessions.endAll(account?.id ?? '')).toBe(1)
      const after = await browser.request(`${base}/protected/index.html`)
      expect(after.status, apache.log()).toBe(302)
      expect(after.headers.get('location')).toContain(`${t.issuer}/auth`)
    })
  },
)

const authlibReason = authlibMissing()
if (authlibReason) console.warn(`relying_parties: Authlib tests skipped: ${authlibReason}`)

describe.skipIf(authlibReason !== undefined)('identity provider with Authlib (Python)', () => {
  let t: TestIdp
  let rp: ReturnType<typeof startAuthlib>
  const browser = new Browser()
  const redirectUri = 'https://authlib.example/callback'
  const postLogout = 'https://authlib.example/'
  let first: Answer
  let current: Answer

  const ok = (answer: Answer) => {
    expect(answer.error, answer.message).toBeUndefined()
    return answer
  }
  const scopes = (answer: Answer) => String(answer.scope).split(' ').sort()

  beforeAll(async () => {
    t = await startIdp()
    await addAlice(t, password)
    const clientSecret = secret()
    await t.idp.clients.add({
      id: 'authlib',
      secret: clientSecret,
      redirectUris: [redirectUri],
      postLogoutRedirectUris: [postLogout],
    })
    rp = startAuthlib({
      issuer: t.issuer,
      client_id: 'authlib',
      client_secret: clientSecret,
      redirect_uri: redirectUri,
      post_logout_redirect_uri: postLogout,
      scope: 'openid profile email offline_access',
    })
  })
  afterAll(async () => {
    rp?.close()
    await t?.close()
  })

  it('signs in with code + PKCE and validates the ID token', async () => {
    const { url } = ok(await rp.call('authorize'))
    const login = await browser.follow(String(url), redirectUri)
    const page = await browser.submit(login, { username: 'alice', password }, redirectUri)
    first = ok(await rp.call('callback', { url: page.url }))
    expect(scopes(first)).toEqual(['email', 'offline_access', 'openid', 'profile'])
    expect(first.refresh_token).toBeTruthy()
    expect(first.id_token_claims).toMatchObject({ iss: t.issuer, aud: 'authlib' })
    current = first
  })

  it('refreshes with offline_access, repeating its scope', async () => {
    current = ok(await rp.call('refresh'))
    expect(current.access_token).not.toBe(first.access_token)
    expect(scopes(current)).toEqual(['email', 'offline_access', 'openid', 'profile'])
  })

  it('reads UserInfo by form POST, roles included', async () => {
    const answer = ok(await rp.call('userinfo', { token: current.access_token }))
    expect(answer).toMatchObject({
      status: 200,
      body: { roles: ['ADMIN', 'USER'], email: 'alice@example.com', name: 'Alice' },
    })
  })

  it('introspects its access token, and revokes one', async () => {
    const introspected = ok(await rp.call('introspect', { token: current.access_token }))
    expect(introspected).toMatchObject({
      status: 200,
      body: { active: true, client_id: 'authlib' },
    })
    expect(ok(await rp.call('revoke', { token: first.access_token }))).toEqual({ status: 200 })
    const revoked = ok(await rp.call('introspect', { token: first.access_token }))
    expect(revoked).toEqual({ status: 200, body: { active: false } })
  })

  it('signs out, after which its tokens are inactive and refused', async () => {
    const { url } = ok(await rp.call('end_session', { id_token: current.id_token }))
    const done = await confirmLogout(browser, await browser.follow(String(url)), postLogout)
    expect(done.url).toBe(postLogout)
    const introspected = ok(await rp.call('introspect', { token: current.access_token }))
    expect(introspected).toEqual({ status: 200, body: { active: false } })
    const userinfo = ok(await rp.call('userinfo', { token: current.access_token }))
    expect(userinfo).toMatchObject({
      status: 401,
      www_authenticate: `Bearer realm="${t.issuer}", error="invalid_token"`,
    })
    expect(await rp.call('refresh')).toMatchObject({ error: 'OAuthError' })
  })
})
