import { once } from 'node:events'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { HttpBrowser } from '../../../test/support/http_browser.ts'
import { jsonErrors, latchkey, requireAuth } from '../src/adapters/node.ts'
import { createLatchkey, type LatchkeyOptions } from '../src/index.ts'
import { type Glewlwyd, glewlwydMissing, startGlewlwyd } from './fixtures/glewlwyd.ts'
import { call } from './fixtures/login.ts'
import { csrfOf, expectReplaysRefusedAfterLogout, refreshTwice } from './fixtures/replays.ts'

// The backend against an identity provider nobody here wrote: Debian's glewlwyd (C, sqlite),
// set up by its admin API (fixtures/glewlwyd.ts). What makes it foreign: access tokens with
// no `sid` and the granted scope string as `aud`, `sid` only in ID tokens, roles only in ID
// tokens and UserInfo, refresh tokens that are not rotated (RFC 6749 §6: the response has no
// new one), client credentials in HTTP Basic that it does not form-decode (so this client id
// with a `-` must use client_secret_post), and an empty-body 400 for a revoked refresh token.
// The backend is configured by discovery plus the options docs/server.md lists for it.

const reason = glewlwydMissing()
if (reason) console.warn(`glewlwyd.test: skipped, glewlwyd cannot run here: ${reason}`)

const SCOPE = 'openid profile email offline_access'
const PASSWORD = 'dora-password-0123'

describe.skipIf(reason !== undefined)('server with glewlwyd (Debian package, sqlite)', () => {
  let glewlwyd: Glewlwyd
  const servers: ReturnType<typeof createServer>[] = []

  beforeAll(async () => {
    glewlwyd = await startGlewlwyd()
    await glewlwyd.addUser({
      username: 'dora',
      password: PASSWORD,
      scopes: SCOPE.split(' '),
      roles: ['USER', 'AUDITOR'],
    })
  })
  afterAll(async () => {
    for (const server of servers) {
      server.closeAllConnections()
      server.close()
    }
    await glewlwyd?.close()
  })

  /**
   * A node:http backend registered at glewlwyd as its own client, with GET /api/me; `issued`
   * collects the refresh tokens glewlwyd hands it (seen through its `fetch`), to replay them.
   */
  async function backend(clientId: string, options: Partial<LatchkeyOptions>) {
    const issued = new Set<string>()
    const seeing: typeof fetch = async (input, init) => {
      const response = await fetch(input, init)
      if (String(input).endsWith('/token') && response.ok) {
        const body = (await response.clone().json()) as { refresh_token?: string }
        if (body.refresh_token) issued.add(body.refresh_token)
      }
      return response
    }
    const server = createServer()
    servers.push(server)
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    const clientSecret = `${clientId}-secret-0123456789`
    await glewlwyd.addClient({
      clientId,
      clientSecret,
      redirectUri: `${url}/auth/callback`,
      postLogoutRedirectUri: `${url}/`,
      tokenEndpointAuthMethods: ['client_secret_post'],
    })
    const auth = createLatchkey({
      issuer: glewlwyd.issuer,
      clientId,
      clientSecret,
      redirectUri: `${url}/auth/callback`,
      secrets: ['glewlwyd-backend-secret-0123456789abcdef'],
      // glewlwyd puts the granted scope string in `aud`, and does not form-decode client
      // credentials sent in HTTP Basic (RFC 6749 §2.3.1): with a `-` in the id, only
      // client_secret_post works.
      audience: SCOPE,
      clientAuthentication: 'client_secret_post',
      // Every refresh reaches glewlwyd (no shared result to answer the next one), so what
      // it accepts is the refresh token the backend kept.
      refreshGraceSeconds: 0.001,
      fetch: seeing,
      ...options,
    })
    const handleAuth = latchkey(auth)
    server.on('request', async (req, res) => {
      try {
        if (await handleAuth(req, res)) return
        const user = await requireAuth(auth)(req, res)
        if (!user) return
        res.setHeader('content-type', 'application/json')
        res.end(JSON.stringify({ sub: user.sub, sid: user.sid, roles: user.roles }))
      } catch (error) {
        await jsonErrors(error, res)
      }
    })
    return { url, issued, clientSecret }
  }

  /** A request to glewlwyd as the client itself, authenticated by client_secret_post. */
  const asClient = (
    endpoint: string,
    clientId: string,
    clientSecret: string,
    form: Record<string, string>,
  ) =>
    fetch(`${glewlwyd.issuer}/${endpoint}`, {
      method: 'POST',
      body: new URLSearchParams({ ...form, client_id: clientId, client_secret: clientSecret }),
    })

  /** RFC 7009 §2.2: after logout, glewlwyd refuses every refresh token it gave this client. */
  async function expectRevoked(clientId: string, clientSecret: string, tokens: Set<string>) {
    expect(tokens.size).toBeGreaterThan(0)
    for (const token of tokens) {
      const response = await asClient('token', clientId, clientSecret, {
        grant_type: 'refresh_token',
        refresh_token: token,
      })
      expect(response.status).toBe(400)
    }
  }

  /** A backend for `clientId` and dora signed in to it, with what `/api/me` first says. */
  async function signedIn(clientId: string, options: Partial<LatchkeyOptions>) {
    const backendOf = await backend(clientId, options)
    const browser = new HttpBrowser()
    const done = await glewlwyd.signIn(browser, backendOf.url, {
      username: 'dora',
      password: PASSWORD,
      clientId,
      scope: SCOPE,
    })
    expect(done.url, glewlwyd.log()).toBe(`${backendOf.url}/dashboard`)
    const me = await call(browser, `${backendOf.url}/api/me`)
    expect(me.status).toBe(200)
    const user = (await me.json()) as { sub: string; sid?: string; roles: string[] }
    // Roles glewlwyd gives only in the ID token and UserInfo.
    expect(user.roles).toEqual(['USER', 'AUDITOR'])
    return { ...backendOf, browser, user }
  }

  it('cookie mode: signs in, refreshes twice without rotation, logs out; the old access and refresh cookies are refused', async () => {
    const { url, browser, user, issued, clientSecret } = await signedIn('latchkey-cookie', {
      mode: 'cookie',
      roles: { from: 'userinfo' },
    })
    expect(await refreshTwice(url, browser)).toEqual([user, user])
    const logout = await expectReplaysRefusedAfterLogout(url, browser, 'cookie')
    expect((await logout.json()).logoutUrl).toMatch(/\/end_session\?/)
    await expectRevoked('latchkey-cookie', clientSecret, issued)
  })

  it('session mode: signs in, refreshes twice without rotation, logs out; the old session cookie is refused', async () => {
    const { url, browser, user, issued, clientSecret } = await signedIn('latchkey-session', {
      mode: 'session',
      roles: { from: 'id_token' },
    })
    // The session is bound to the IdP session the ID token names.
    expect(user.sid).toMatch(/^[A-Za-z0-9]{32}$/)
    // glewlwyd's refresh response has no ID token: its sid and roles are kept.
    expect(await refreshTwice(url, browser)).toEqual([user, user])
    await expectReplaysRefusedAfterLogout(url, browser, 'session')
    await expectRevoked('latchkey-session', clientSecret, issued)
  })

  it('a refresh glewlwyd refuses (its empty-body 400 for a token revoked there) ends the session: 401 unauthenticated, cookies cleared', async () => {
    const { url, browser, issued, clientSecret } = await signedIn('latchkey-refused', {
      roles: { from: 'userinfo' },
    })
    // Revoked at the IdP, not through this backend (an administrator, the user's profile page).
    for (const token of issued) {
      const revoked = await asClient('revoke', 'latchkey-refused', clientSecret, { token })
      expect(revoked.status).toBe(200)
    }
    const refreshed = await call(browser, `${url}/auth/refresh`, {
      method: 'POST',
      csrf: csrfOf(browser),
    })
    // RFC 6749 §5.2: the grant is refused; the browser must sign in again, not retry.
    expect(refreshed.status).toBe(401)
    expect(((await refreshed.json()) as { error: string }).error).toBe('unauthenticated')
    const cleared = refreshed.headers.getSetCookie().join('\n')
    for (const name of ['access_token', 'refresh_token', 'csrf_token'])
      expect(cleared).toMatch(new RegExp(`${name}=;[^\n]*Max-Age=0`))
    expect((await call(browser, `${url}/api/me`)).status).toBe(401)
  })
})
