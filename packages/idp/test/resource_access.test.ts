import * as oidc from 'openid-client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  addAlice,
  Browser,
  endSession,
  login,
  type RelyingParty,
  relyingParty,
  startIdp,
  type TestIdp,
} from './support.ts'

// The IdP's own resources — UserInfo (`/me`) and the account API (`/account/sessions`) — and
// the access tokens they accept: whose they are (RFC 9068 §4), whether they still stand, and
// how a token is presented and refused (RFC 6750).

describe('identity provider: its own resources and the tokens they accept', () => {
  let t: TestIdp
  let app: RelyingParty
  let other: RelyingParty
  const password = 'correct horse battery staple'

  beforeAll(async () => {
    t = await startIdp()
    app = await relyingParty(t, 'app', { accountApi: true })
    other = await relyingParty(t, 'other')
    await addAlice(t, password)
  })
  afterAll(() => t.close())

  const signIn = async (rp: RelyingParty = app, browser = new Browser()) =>
    (await login(rp, browser, { username: 'alice', password })).tokens
  const call = (path: string, token: string, init: RequestInit = {}) =>
    fetch(`${t.issuer}${path}`, { ...init, headers: { authorization: `Bearer ${token}` } })
  const statuses = async (token: string) => [
    (await call('/me', token)).status,
    (await call('/account/sessions', token)).status,
  ]

  it('refuses at the account API a token issued to a client not registered for it', async () => {
    // RFC 9068 §4: the audience is checked; a token for another app is `invalid_token`.
    const foreign = await signIn(other)
    for (const init of [{}, { method: 'DELETE' }]) {
      const path = init.method ? '/account/sessions/anything' : '/account/sessions'
      const refused = await call(path, foreign.access_token, init)
      expect(refused.status).toBe(401)
      expect(refused.headers.get('www-authenticate')).toContain('error="invalid_token"')
    }
    // UserInfo is for every client's token; the account API only for those registered for it.
    expect((await call('/me', foreign.access_token)).status).toBe(200)
    expect(await statuses((await signIn(app)).access_token)).toEqual([200, 200])
  })

  it('stops a token at once when its session is logged out', async () => {
    const browser = new Browser()
    const tokens = await signIn(app, browser)
    expect(await statuses(tokens.access_token)).toEqual([200, 200])
    await endSession(app, browser, tokens.id_token ?? '')
    expect(await statuses(tokens.access_token)).toEqual([401, 401])
  })

  it('stops every token of a grant whose refresh token was reused', async () => {
    // RFC 9700 §4.14.2: the reuse of a rotated refresh token revokes the whole family.
    const first = await signIn()
    const second = await oidc.refreshTokenGrant(app.config, first.refresh_token ?? '')
    await expect(
      oidc.refreshTokenGrant(app.config, first.refresh_token ?? ''),
    ).rejects.toMatchObject({ error: 'invalid_grant' })
    for (const token of [first.access_token, second.access_token])
      expect(await statuses(token)).toEqual([401, 401])
  })

  it('stops the tokens of a session ended through the account API', async () => {
    const tokens = await signIn()
    const { sessions } = (await (await call('/account/sessions', tokens.access_token)).json()) as {
      sessions: { id: string; current: boolean }[]
    }
    const current = sessions.find((s) => s.current)?.id
    const ended = await call(`/account/sessions/${current}`, tokens.access_token, {
      method: 'DELETE',
    })
    expect(ended.status).toBe(204)
    expect(await statuses(tokens.access_token)).toEqual([401, 401])
  })

  it('answers UserInfo for a token in a form body as for one in the header', async () => {
    // RFC 6750 §2.2, as mod_auth_openidc's `OIDCUserInfoTokenMethod post_param` sends it.
    const tokens = await signIn()
    const header = await call('/me', tokens.access_token)
    const body = await fetch(`${t.issuer}/me`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ access_token: tokens.access_token }),
    })
    expect(body.status).toBe(200)
    const claims = await body.json()
    expect(claims).toEqual(await header.json())
    expect(claims).toMatchObject({ roles: ['ADMIN', 'USER'], email: 'alice@example.com' })
  })

  it('answers a form body over the limit, sent without a length, with 413', async () => {
    const chunk = new TextEncoder().encode(`access_token=${'a'.repeat(64 * 1024)}`)
    const body = new ReadableStream({
      start(controller) {
        controller.enqueue(chunk)
        controller.close()
      },
    })
    const response = await fetch(`${t.issuer}/me`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body,
      duplex: 'half',
    } as RequestInit)
    expect(response.status).toBe(413)
    expect(await response.json()).toMatchObject({ error: 'request_too_large' })
  })

  it('answers a request without credentials with a bare Bearer challenge', async () => {
    // RFC 6750 §3.1: no error code when the request carries no authentication at all, or an
    // unsupported scheme (DPoP, Basic).
    const bare = `Bearer realm="${t.issuer}"`
    const attempts: Record<string, string>[] = [
      {},
      { authorization: 'Basic YTpi' },
      { authorization: 'DPoP abc' },
    ]
    for (const headers of attempts) {
      for (const path of ['/me', '/account/sessions']) {
        const response = await fetch(`${t.issuer}${path}`, { headers })
        expect(response.status).toBe(401)
        expect(response.headers.get('www-authenticate')).toBe(bare)
        expect(await response.json()).toMatchObject({ error: 'unauthenticated' })
      }
    }
  })

  it('answers invalid_token for a bad token and invalid_request for a malformed request', async () => {
    const tokens = await signIn()
    const forged = await call('/me', `${tokens.access_token.slice(0, -4)}AAAA`)
    expect(forged.status).toBe(401)
    expect(forged.headers.get('www-authenticate')).toBe(
      `Bearer realm="${t.issuer}", error="invalid_token"`,
    )
    // RFC 6750 §3.1 invalid_request: a broken header, a token in the URL, or two tokens.
    const malformed = [
      fetch(`${t.issuer}/me`, { headers: { authorization: 'Bearer two words' } }),
      fetch(`${t.issuer}/me?access_token=${tokens.access_token}`),
      fetch(`${t.issuer}/me`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${tokens.access_token}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: new URLSearchParams({ access_token: tokens.access_token }),
      }),
    ]
    for (const response of await Promise.all(malformed)) {
      expect(response.status).toBe(400)
      expect(response.headers.get('www-authenticate')).toBe(
        `Bearer realm="${t.issuer}", error="invalid_request"`,
      )
      expect(await response.json()).toMatchObject({ error: 'invalid_request' })
    }
  })
})
