import { once } from 'node:events'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { decodeJwt, exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose'
import Provider from 'oidc-provider'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { HttpBrowser } from '../../../test/support/http_browser.ts'
import { latchkey, requireAuth } from '../src/adapters/node.ts'
import { createLatchkey, type LatchkeyOptions } from '../src/index.ts'
import { call } from './fixtures/login.ts'
import { csrfOf, expectReplaysRefusedAfterLogout, refreshTwice } from './fixtures/replays.ts'
import { SECRET } from './fixtures/stack.ts'

// "Works with any standard OIDC provider found by discovery": a plain oidc-provider — not
// Latchkey's IdP — set up the way other IdPs commonly are: RS256 keys, the user's roles in
// `realm_access.roles` (Keycloak's place), its own login and consent screens. The backend
// is told so through its `accessToken` and `roles` options; everything else is discovery.
// A second one is set up like glewlwyd (glewlwyd.test.ts runs the real one where installed).

const CLIENT = 'other-idp-app'

const listen = async (server: Server) => {
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

/** Posts the first form of a page (oidc-provider's development screens) with `fields`. */
async function submitForm(
  browser: HttpBrowser,
  page: { url: string; response: Response },
  fields: Record<string, string>,
  stopAt: string,
) {
  const html = await page.response.text()
  const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1]
  if (!action) throw new Error(`no form on ${page.url}: ${html.slice(0, 200)}`)
  const hidden = [...html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)]
  return browser.follow(new URL(action, page.url).href, stopAt, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      ...Object.fromEntries(hidden.map((m) => [m[1], m[2]])),
      ...fields,
    }),
  })
}

describe('server with another OIDC provider (plain oidc-provider, RS256, Keycloak-style roles)', () => {
  const idpServer = createServer()
  const appServer = createServer()
  let app = ''

  beforeAll(async () => {
    const issuer = await listen(idpServer)
    app = await listen(appServer)
    const { privateKey } = await generateKeyPair('RS256', { extractable: true })
    const provider = new Provider(issuer, {
      clients: [
        {
          client_id: CLIENT,
          client_secret: SECRET,
          redirect_uris: [`${app}/auth/callback`],
          post_logout_redirect_uris: [`${app}/`],
          grant_types: ['authorization_code', 'refresh_token'],
          id_token_signed_response_alg: 'RS256',
        },
      ],
      jwks: {
        keys: [{ ...(await exportJWK(privateKey)), alg: 'RS256', use: 'sig', kid: 'rsa-1' }],
      },
      findAccount: (_ctx, sub) => ({
        accountId: sub,
        claims: () => ({ sub, name: `User ${sub}` }),
      }),
      extraTokenClaims: () => ({ realm_access: { roles: ['USER', 'AUDITOR'] } }),
      issueRefreshToken: () => true,
      features: {
        devInteractions: { enabled: true },
        resourceIndicators: {
          enabled: true,
          defaultResource: () => 'urn:other:api',
          useGrantedResource: () => true,
          getResourceServerInfo: () => ({
            scope: 'api',
            audience: CLIENT,
            accessTokenFormat: 'jwt',
            jwt: { sign: { alg: 'RS256' } },
          }),
        },
      },
    })
    idpServer.on('request', provider.callback())

    const auth = createLatchkey({
      issuer,
      clientId: CLIENT,
      clientSecret: SECRET,
      redirectUri: `${app}/auth/callback`,
      secrets: ['another-idp-secret-0123456789abcdef0123456789'],
      accessToken: { algorithms: ['RS256'] },
      roles: { claim: (claims) => (claims.realm_access as { roles?: unknown } | undefined)?.roles },
    })
    const handleAuth = latchkey(auth)
    appServer.on('request', async (req, res) => {
      if (await handleAuth(req, res)) return
      const user = await requireAuth(auth)(req, res)
      if (user) res.end(JSON.stringify({ sub: user.sub, roles: user.roles }))
    })
  })
  afterAll(() => {
    for (const server of [idpServer, appServer]) {
      server.closeAllConnections()
      server.close()
    }
  })

  it('signs in through its screens, verifies its RS256 tokens, maps roles, refreshes and logs out', async () => {
    const browser = new HttpBrowser()
    const login = await browser.follow(`${app}/auth/login?returnTo=/dashboard`)
    const consent = await submitForm(browser, login, { login: 'carol', password: 'x' }, app)
    const back = await submitForm(browser, consent, {}, `${app}/dashboard`)
    expect(back.url).toBe(`${app}/dashboard`)

    const me = await call(browser, `${app}/api/me`)
    expect(await me.json()).toEqual({ sub: 'carol', roles: ['USER', 'AUDITOR'] })

    await refreshTwice(app, browser)
    const logout = await expectReplaysRefusedAfterLogout(app, browser, 'cookie')
    expect((await logout.json()).logoutUrl).toMatch(/\/session\/end\?/)
  })

  it('refuses an HMAC or `none` algorithm in the allow-list at start-up', () => {
    const base = {
      issuer: 'http://127.0.0.1:1',
      clientId: 'x',
      clientSecret: 'y',
      redirectUri: 'http://127.0.0.1:2/auth/callback',
      secrets: ['another-idp-secret-0123456789abcdef0123456789'],
    }
    for (const algorithms of [['HS256'], ['none'], []])
      expect(() => createLatchkey({ ...base, accessToken: { algorithms } })).toThrow(
        /asymmetric JWS algorithms only/,
      )
  })

  it('refuses client authentication, refresh and roles options that cannot work, at start-up', async () => {
    const base = {
      issuer: 'http://127.0.0.1:1',
      clientId: 'x',
      redirectUri: 'http://127.0.0.1:2/auth/callback',
      secrets: ['another-idp-secret-0123456789abcdef0123456789'],
    }
    const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true })
    const key = { ...(await exportJWK(privateKey)), alg: 'ES256' }
    const refused: [Partial<LatchkeyOptions>, RegExp][] = [
      [{}, /clientSecret is required/],
      [{ clientAuthentication: 'client_secret_post' }, /clientSecret is required/],
      [{ clientAuthentication: 'private_key_jwt' }, /private_key_jwt needs clientPrivateKey/],
      [
        {
          clientAuthentication: 'private_key_jwt',
          clientPrivateKey: { ...(await exportJWK(publicKey)), alg: 'ES256' },
        },
        /private_key_jwt needs clientPrivateKey/,
      ],
      [
        { clientSecret: 'y', clientAuthentication: 'tls_client_auth' as never },
        /clientAuthentication must be/,
      ],
      [{ clientSecret: 'y', refreshGraceSeconds: 0 }, /refreshGraceSeconds must be a positive/],
      [{ clientSecret: 'y', roles: { from: 'header' as never } }, /roles.from must be/],
    ]
    for (const [options, message] of refused)
      expect(() => createLatchkey({ ...base, ...options } as LatchkeyOptions)).toThrow(message)
    // A key instead of a secret is enough for private_key_jwt.
    expect(() =>
      createLatchkey({ ...base, clientAuthentication: 'private_key_jwt', clientPrivateKey: key }),
    ).not.toThrow()
  })
})

describe('server with an oidc-provider set up like glewlwyd (no refresh rotation, no sid in access tokens, client_secret_post, private_key_jwt)', () => {
  const idpServer = createServer()
  const servers: Server[] = [idpServer]
  let issuer = ''
  let signingKey: CryptoKey
  const clientKey = generateKeyPair('ES256', { extractable: true })
  /** Each backend is a client of its own, told nothing but discovery and these options. */
  const specs = {
    // Roles only in the ID token, as glewlwyd gives them (and in UserInfo, which refuses the
    // JWT access tokens this provider makes for its resource server: glewlwyd.test.ts reads
    // them there).
    cookie: { roles: { from: 'id_token' } },
    session: { mode: 'session', roles: { from: 'id_token' } },
    backchannel: {},
    keyed: { clientAuthentication: 'private_key_jwt' },
    refused: { mode: 'session' },
  } satisfies Record<string, Partial<LatchkeyOptions>>
  const backends = {} as Record<
    keyof typeof specs,
    { app: string; idTokens: string[]; refreshTokens: string[] }
  >

  beforeAll(async () => {
    issuer = await listen(idpServer)
    const { privateKey } = await generateKeyPair('ES256', { extractable: true })
    signingKey = privateKey
    const clientPrivateKey: JWK = {
      ...(await exportJWK((await clientKey).privateKey)),
      alg: 'ES256',
    }
    const apps = Object.fromEntries(
      await Promise.all(
        Object.keys(specs).map(async (name) => {
          const server = createServer()
          servers.push(server)
          return [name, { server, app: await listen(server) }] as const
        }),
      ),
    )
    const clientId = (name: string) => `glewlwyd-like-${name}`
    const provider = new Provider(issuer, {
      clients: await Promise.all(
        Object.entries(apps).map(async ([name, { app }]) => ({
          client_id: clientId(name),
          ...(name === 'keyed'
            ? {
                token_endpoint_auth_method: 'private_key_jwt',
                jwks: { keys: [await exportJWK((await clientKey).publicKey)] },
              }
            : { client_secret: SECRET, token_endpoint_auth_method: 'client_secret_post' }),
          redirect_uris: [`${app}/auth/callback`],
          post_logout_redirect_uris: [`${app}/`],
          grant_types: ['authorization_code', 'refresh_token'],
          id_token_signed_response_alg: 'ES256',
          // With back-channel logout, oidc-provider puts `sid` in ID tokens (glewlwyd does so
          // with session management) — and never in access tokens.
          backchannel_logout_uri: `${app}/auth/backchannel-logout`,
          backchannel_logout_session_required: true,
        })),
      ),
      jwks: { keys: [{ ...(await exportJWK(privateKey)), alg: 'ES256', use: 'sig', kid: 'ec-1' }] },
      findAccount: (_ctx, sub) => ({ accountId: sub, claims: () => ({ sub, roles: ['USER'] }) }),
      claims: { profile: ['roles'] },
      // The scope's claims in the ID token too, not only in UserInfo (glewlwyd's "mandatory").
      conformIdTokenClaims: false,
      issueRefreshToken: () => true,
      // RFC 6749 §6: the refresh response carries no new refresh token.
      rotateRefreshToken: false,
      // No client_secret_basic to choose: the backend must pick another from discovery.
      clientAuthMethods: ['client_secret_post', 'private_key_jwt'],
      enabledJWA: { clientAuthSigningAlgValues: ['ES256'] },
      features: {
        devInteractions: { enabled: true },
        revocation: { enabled: true },
        backchannelLogout: { enabled: true },
        resourceIndicators: {
          enabled: true,
          defaultResource: () => 'urn:other:api',
          useGrantedResource: () => true,
          getResourceServerInfo: (_ctx, _resource, client) => ({
            scope: 'api',
            audience: client.clientId,
            accessTokenFormat: 'jwt',
            jwt: { sign: { alg: 'ES256' } },
          }),
        },
      },
    })
    // glewlwyd's behaviours oidc-provider has no setting for, added as its own middleware:
    // - HTTP Basic client credentials are refused (glewlwyd does not form-decode them; here
    //   none are accepted: discovery lists no client_secret_basic);
    // - a refresh response carries no refresh token when it is not rotated (RFC 6749 §6
    //   allows it) and no ID token (OIDC Core §12.2 allows it);
    // - a refused refresh is an empty-body 400, not an RFC 6749 §5.2 error object.
    provider.use(async (ctx, next) => {
      if (ctx.path === '/token' && /^basic /i.test(ctx.get('authorization'))) {
        ctx.status = 401
        ctx.body = { error: 'invalid_client', error_description: 'use client_secret_post' }
        return
      }
      await next()
      if (ctx.path !== '/token' || ctx.oidc?.params?.grant_type !== 'refresh_token') return
      const body = ctx.body as { refresh_token?: string; id_token?: string } | undefined
      if (ctx.status === 400) {
        ctx.body = ''
        ctx.remove('content-type')
      } else if (body) {
        delete body.refresh_token
        delete body.id_token
      }
    })
    idpServer.on('request', provider.callback())

    for (const [name, { server, app }] of Object.entries(apps)) {
      const keyed = name === 'keyed'
      // The tokens the IdP hands this backend, seen through its `fetch`.
      const idTokens: string[] = []
      const refreshTokens: string[] = []
      const seeing: typeof fetch = async (input, init) => {
        const response = await fetch(input, init)
        if (String(input).endsWith('/token') && response.ok) {
          const body = (await response.clone().json()) as {
            id_token?: string
            refresh_token?: string
          }
          if (body.id_token) idTokens.push(body.id_token)
          if (body.refresh_token) refreshTokens.push(body.refresh_token)
        }
        return response
      }
      const auth = createLatchkey({
        issuer,
        clientId: clientId(name),
        ...(keyed ? { clientPrivateKey } : { clientSecret: SECRET }),
        redirectUri: `${app}/auth/callback`,
        secrets: ['glewlwyd-like-secret-0123456789abcdef0123456789'],
        // Every refresh reaches the IdP (no shared result answers the next one).
        refreshGraceSeconds: 0.001,
        fetch: seeing,
        ...specs[name as keyof typeof specs],
      } as LatchkeyOptions)
      const handleAuth = latchkey(auth)
      server.on('request', async (req, res) => {
        if (await handleAuth(req, res)) return
        const user = await requireAuth(auth)(req, res)
        if (user)
          res.end(JSON.stringify({ sub: user.sub, sid: user.sid ?? null, roles: user.roles }))
      })
      backends[name as keyof typeof specs] = { app, idTokens, refreshTokens }
    }
  })
  afterAll(() => {
    for (const server of servers) {
      server.closeAllConnections()
      server.close()
    }
  })

  async function signIn(app: string, user: string) {
    const browser = new HttpBrowser()
    const login = await browser.follow(`${app}/auth/login?returnTo=/dashboard`)
    const consent = await submitForm(browser, login, { login: user, password: 'x' }, app)
    const back = await submitForm(browser, consent, {}, `${app}/dashboard`)
    expect(back.url, await back.response.text()).toBe(`${app}/dashboard`)
    const access = browser.cookies.get('__Host-access_token')
    // What makes the case: the access token names no IdP session.
    if (access) expect(decodeJwt(access).sid).toBeUndefined()
    const me = await call(browser, `${app}/api/me`)
    expect(me.status).toBe(200)
    return {
      browser,
      user: (await me.json()) as { sub: string; sid: string | null; roles: string[] },
    }
  }

  it('cookie mode: client_secret_post from discovery; roles from the ID token; refreshes twice; after logout the old access and refresh cookies are refused', async () => {
    const { app } = backends.cookie
    const { browser, user } = await signIn(app, 'erin')
    expect(user.roles).toEqual(['USER'])
    expect(await refreshTwice(app, browser)).toEqual([user, user])
    await expectReplaysRefusedAfterLogout(app, browser, 'cookie')
  })

  it('session mode: binds to the ID token sid; roles from the ID token, kept when a refresh brings none; refreshes twice; after logout the old session cookie is refused', async () => {
    const { app, idTokens } = backends.session
    const { browser, user } = await signIn(app, 'frank')
    expect(user.sid).toBe(decodeJwt(idTokens[0] ?? '').sid)
    expect(user.roles).toEqual(['USER'])
    expect(await refreshTwice(app, browser)).toEqual([user, user])
    await expectReplaysRefusedAfterLogout(app, browser, 'session')
  })

  it('cookie mode: a back-channel logout for the ID token sid stops access tokens that carry none', async () => {
    const { app, idTokens } = backends.backchannel
    const { browser } = await signIn(app, 'gina')
    expect((await call(browser, `${app}/api/me`)).status).toBe(200)
    const { sid } = decodeJwt(idTokens[0] ?? '')
    expect(sid).toBeTypeOf('string')
    // OIDC Back-Channel Logout 1.0 §2.4, signed with the IdP's key as the IdP would.
    const logoutToken = await new SignJWT({
      sid,
      events: { 'http://schemas.openid.net/event/backchannel-logout': {} },
    })
      .setProtectedHeader({ alg: 'ES256', kid: 'ec-1', typ: 'logout+jwt' })
      .setIssuer(issuer)
      .setAudience('glewlwyd-like-backchannel')
      .setIssuedAt()
      .setJti(crypto.randomUUID())
      .sign(signingKey)
    const ended = await fetch(`${app}/auth/backchannel-logout`, {
      method: 'POST',
      body: new URLSearchParams({ logout_token: logoutToken }),
    })
    expect(ended.status).toBe(200)
    const replayed = await call(browser, `${app}/api/me`)
    expect(replayed.status).toBe(401)
    expect((await replayed.json()).error).toBe('invalid_token')
  })

  it('private_key_jwt: signs in and refreshes with a key instead of a secret', async () => {
    const { app } = backends.keyed
    const { browser, user } = await signIn(app, 'hugo')
    expect(await refreshTwice(app, browser)).toEqual([user, user])
  })

  it('session mode: a refresh the IdP refuses (an empty-body 400) ends the session: 401 unauthenticated, cookies cleared', async () => {
    const { app, refreshTokens } = backends.refused
    const { browser } = await signIn(app, 'iris')
    const old = browser.cookieHeader(`${app}/api/me`)
    for (const token of refreshTokens) {
      const revoked = await fetch(`${issuer}/token/revocation`, {
        method: 'POST',
        body: new URLSearchParams({
          token,
          client_id: 'glewlwyd-like-refused',
          client_secret: SECRET,
        }),
      })
      expect(revoked.status).toBe(200)
    }
    const refreshed = await call(browser, `${app}/auth/refresh`, {
      method: 'POST',
      csrf: csrfOf(browser),
    })
    // RFC 6749 §5.2: the grant is refused; the browser must sign in again, not retry.
    expect(refreshed.status).toBe(401)
    expect((await refreshed.json()).error).toBe('unauthenticated')
    expect(refreshed.headers.getSetCookie().join('\n')).toMatch(/session=;[^\n]*Max-Age=0/)
    // The session is gone here too, not only from the browser.
    expect((await fetch(`${app}/api/me`, { headers: { cookie: old } })).status).toBe(401)
  })
})
