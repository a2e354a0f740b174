import { once } from 'node:events'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { exportJWK, generateKeyPair } from 'jose'
import Provider from 'oidc-provider'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { HttpBrowser } from '../../../test/support/http_browser.ts'
import { authenticateNode, nodeHandler } from '../src/adapters/node.ts'
import { createLatchkey } from '../src/index.ts'
import { call } from './fixtures/login.ts'
import { SECRET } from './fixtures/stack.ts'

// "Works with any standard OIDC provider found by discovery": a plain oidc-provider — not
// Latchkey's IdP — set up the way other IdPs commonly are: RS256 keys, the user's roles in
// `realm_access.roles` (Keycloak's place), its own login and consent screens. The backend
// is told so through its `accessToken` options; everything else is discovery.

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
    const latchkey = nodeHandler(auth)
    appServer.on('request', async (req, res) => {
      if (await latchkey(req, res)) return
      const user = await authenticateNode(auth, req, res)
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

    const csrf = browser.cookies.get('__Host-csrf_token') ?? ''
    const refreshed = await call(browser, `${app}/auth/refresh`, { method: 'POST', csrf })
    expect(refreshed.status, await refreshed.clone().text()).toBe(200)
    expect((await call(browser, `${app}/api/me`)).status).toBe(200)

    const logout = await call(browser, `${app}/auth/logout`, { method: 'POST', csrf })
    expect(logout.status).toBe(200)
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
})
