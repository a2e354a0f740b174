import * as oidc from 'openid-client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  Browser,
  CLIENT_SECRET,
  login,
  type RelyingParty,
  relyingParty,
  startIdp,
  type TestIdp,
} from './support.ts'

describe('identity provider: refusals', () => {
  let t: TestIdp
  let rp: RelyingParty
  let other: RelyingParty
  const password = 'correct horse battery staple'

  beforeAll(async () => {
    t = await startIdp({ authorizationCodeTtl: 1 })
    rp = await relyingParty(t, 'app')
    other = await relyingParty(t, 'other')
    await t.idp.accounts.add({ username: 'alice', password, roles: ['USER'] })
  })
  afterAll(() => t.close())

  const authorize = async (params: Record<string, string>) => {
    const verifier = oidc.randomPKCECodeVerifier()
    const url = new URL('/auth', t.issuer)
    const all: Record<string, string> = {
      client_id: 'app',
      response_type: 'code',
      scope: 'openid',
      redirect_uri: rp.redirectUri,
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state: 'st',
      ...params,
    }
    for (const [k, v] of Object.entries(all)) if (v !== '') url.searchParams.set(k, v)
    return fetch(url, { redirect: 'manual' })
  }

  // RFC 9700 §4.1.3 / §2.1: redirect URIs match exactly; a near miss gets an error page and
  // never a redirect, or the error itself would leak to the attacker's URI.
  it.each([
    ['trailing slash', 'https://app.example/auth/callback/'],
    ['other port', 'https://app.example:8443/auth/callback'],
    ['other case', 'https://APP.example/auth/Callback'],
    ['extra query', 'https://app.example/auth/callback?x=1'],
    ['http for https', 'http://app.example/auth/callback'],
    ['other host', 'https://evil.example/auth/callback'],
  ])('refuses a redirect URI with %s, without redirecting', async (_case, redirectUri) => {
    const response = await authorize({ redirect_uri: redirectUri })
    expect(response.status).toBe(400)
    expect(response.headers.get('location')).toBeNull()
    expect(await response.text()).toContain('invalid_redirect_uri')
  })

  it.each([
    [
      'a missing code challenge',
      { code_challenge: '', code_challenge_method: '' },
      'invalid_request',
    ],
    ['the plain method', { code_challenge_method: 'plain' }, 'invalid_request'],
    ['response_type token (implicit)', { response_type: 'token' }, 'unsupported_response_type'],
  ])('refuses %s with an error sent back to the registered URI', async (_case, params, error) => {
    const response = await authorize(params as Record<string, string>)
    expect(response.status).toBe(303)
    const location = new URL(response.headers.get('location') ?? '')
    expect(location.href.startsWith(rp.redirectUri)).toBe(true)
    // Errors for fragment response types travel in the fragment (OAuth 2.0 Multiple Response Types §5).
    const answer = location.hash
      ? new URLSearchParams(location.hash.slice(1))
      : location.searchParams
    expect(answer.get('error')).toBe(error)
  })

  // Exchanges the code from a fresh login with the given verifier/client.
  const exchange = async (
    mutate: (code: string, verifier: string) => Promise<Response>,
  ): Promise<{ error?: string }> => {
    const browser = new Browser()
    const verifier = oidc.randomPKCECodeVerifier()
    const url = oidc.buildAuthorizationUrl(rp.config, {
      redirect_uri: rp.redirectUri,
      scope: 'openid',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    })
    const page = await browser.follow(url.href, rp.redirectUri)
    const done = await browser.submit(page, { username: 'alice', password }, rp.redirectUri)
    const code = new URL(done.url).searchParams.get('code') ?? ''
    return (await mutate(code, verifier)).json()
  }
  const token = (clientId: string, body: Record<string, string>) =>
    fetch(new URL('/token', t.issuer), {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${clientId}:${CLIENT_SECRET}`).toString('base64')}`,
      },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        redirect_uri: rp.redirectUri,
        ...body,
      }),
    })

  it('refuses a code without its PKCE verifier, or with a wrong one', async () => {
    expect(await exchange((code) => token('app', { code }))).toMatchObject({
      error: 'invalid_grant',
    })
    expect(
      await exchange((code) =>
        token('app', { code, code_verifier: oidc.randomPKCECodeVerifier() }),
      ),
    ).toMatchObject({ error: 'invalid_grant' })
  })

  it('refuses a code used twice', async () => {
    const result = await exchange(async (code, code_verifier) => {
      expect((await token('app', { code, code_verifier })).status).toBe(200)
      return token('app', { code, code_verifier })
    })
    expect(result).toMatchObject({ error: 'invalid_grant' })
  })

  it('refuses an expired code', async () => {
    const result = await exchange(async (code, code_verifier) => {
      await new Promise((resolve) => setTimeout(resolve, 2100))
      return token('app', { code, code_verifier })
    })
    expect(result).toMatchObject({ error: 'invalid_grant' })
  })

  it('refuses a code presented by another client', async () => {
    const result = await exchange((code, code_verifier) =>
      token('other', { code, code_verifier, redirect_uri: rp.redirectUri }),
    )
    expect(result).toMatchObject({ error: 'invalid_grant' })
  })

  it('answers a wrong password and an unknown user the same way', async () => {
    const attempt = async (username: string) => {
      const browser = new Browser()
      const url = oidc.buildAuthorizationUrl(rp.config, {
        redirect_uri: rp.redirectUri,
        scope: 'openid',
        code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()),
        code_challenge_method: 'S256',
      })
      const page = await browser.submit(await browser.follow(url.href), {
        username,
        password: 'wrong password!',
      })
      const html = await page.response.text()
      return { status: page.response.status, message: /role="alert">([^<]+)</.exec(html)?.[1] }
    }
    const known = await attempt('alice')
    const unknown = await attempt('mallory')
    expect(known).toEqual({ status: 401, message: 'Wrong username or password.' })
    expect(unknown).toEqual(known)
  })

  it('throttles an address that keeps failing, without locking the account for others', async () => {
    const t2 = await startIdp({ throttle: { ipLimit: 3 } })
    const rp2 = await relyingParty(t2, 'app')
    await t2.idp.accounts.add({ username: 'alice', password })
    const statuses: number[] = []
    for (let i = 0; i < 4; i++) {
      const browser = new Browser()
      const url = oidc.buildAuthorizationUrl(rp2.config, {
        redirect_uri: rp2.redirectUri,
        scope: 'openid',
        code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()),
        code_challenge_method: 'S256',
      })
      const page = await browser.submit(await browser.follow(url.href), {
        username: 'alice',
        password: 'nope-nope-nope',
      })
      statuses.push(page.response.status)
    }
    expect(statuses).toEqual([401, 401, 401, 429])
    // The account itself is not locked: three failures are within its free attempts.
    const verdict = await t2.idp.accounts.authenticate('alice', password)
    expect(verdict?.username).toBe('alice')
    await t2.close()
  })

  it('does not let the same login session be reused after logout-style revocation of the grant', async () => {
    const { tokens } = await login(rp, new Browser(), { username: 'alice', password })
    await oidc.tokenRevocation(rp.config, tokens.refresh_token ?? '')
    await expect(
      oidc.refreshTokenGrant(rp.config, tokens.refresh_token ?? ''),
    ).rejects.toMatchObject({ error: 'invalid_grant' })
  })

  it('lets a client revoke and introspect only the tokens issued to it', async () => {
    const { tokens } = await login(rp, new Browser(), { username: 'alice', password })
    const refresh = tokens.refresh_token ?? ''
    await expect(oidc.tokenRevocation(other.config, refresh)).rejects.toMatchObject({
      error: 'invalid_request',
    })
    expect((await oidc.tokenIntrospection(other.config, refresh)).active).toBe(false)
    expect((await oidc.tokenIntrospection(rp.config, refresh)).active).toBe(true)
  })

  it('keeps only a hash of a client secret, and refuses a wrong secret', async () => {
    const stored = JSON.stringify(await t.stores.durable.list('clients'))
    expect(stored).not.toContain(CLIENT_SECRET)
    expect(stored).toContain('sha256:')
    const impostor = await oidc.discovery(
      new URL(t.issuer),
      'app',
      `${CLIENT_SECRET}x`,
      undefined,
      {
        execute: [oidc.allowInsecureRequests],
      },
    )
    await expect(oidc.tokenIntrospection(impostor, 'anything')).rejects.toMatchObject({
      error: 'invalid_client',
    })
  })
})
