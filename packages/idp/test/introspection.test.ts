import { decodeJwt } from 'jose'
import * as oidc from 'openid-client'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import {
  Browser,
  endSession,
  login,
  type RelyingParty,
  relyingParty,
  startIdp,
  type TestIdp,
} from './support.ts'

// RFC 7662 introspection and RFC 7009 revocation of the IdP's own JWT access tokens, which
// oidc-provider alone answers with 400 unsupported_token_type.

describe('identity provider: introspection and revocation of its JWT access tokens', () => {
  let t: TestIdp
  let app: RelyingParty
  let other: RelyingParty
  const password = 'correct horse battery staple'

  beforeAll(async () => {
    t = await startIdp()
    app = await relyingParty(t, 'app')
    other = await relyingParty(t, 'other')
    await t.idp.accounts.add({ username: 'alice', password, roles: ['USER'] })
  })
  afterAll(() => t.close())
  afterEach(() => {
    vi.useRealTimers()
  })

  const signIn = async (browser = new Browser()) =>
    (await login(app, browser, { username: 'alice', password })).tokens

  it('answers active with the token claims to the client it was issued to', async () => {
    const tokens = await signIn()
    const claims = decodeJwt(tokens.access_token)
    const answer = await oidc.tokenIntrospection(app.config, tokens.access_token)
    // RFC 7662 §2.2: the token's claims, and its type.
    expect(answer).toEqual({ ...claims, active: true, token_type: 'Bearer' })
    expect(answer).toMatchObject({ iss: t.issuer, aud: 'app', client_id: 'app', roles: ['USER'] })
    expect(String(answer.scope).split(' ')).toEqual(
      expect.arrayContaining(['openid', 'offline_access']),
    )
  })

  it('answers inactive to another client, which cannot revoke the token either', async () => {
    const tokens = await signIn()
    expect(await oidc.tokenIntrospection(other.config, tokens.access_token)).toEqual({
      active: false,
    })
    // RFC 7009 §2.1: the client is not the one the token was issued to.
    await expect(oidc.tokenRevocation(other.config, tokens.access_token)).rejects.toMatchObject({
      error: 'invalid_request',
    })
    expect((await oidc.tokenIntrospection(app.config, tokens.access_token)).active).toBe(true)
  })

  it('answers inactive once the token has expired', async () => {
    const tokens = await signIn()
    const { exp = 0 } = decodeJwt(tokens.access_token)
    vi.useFakeTimers({ toFake: ['Date'] })
    vi.setSystemTime((exp + 1) * 1000)
    expect(await oidc.tokenIntrospection(app.config, tokens.access_token)).toEqual({
      active: false,
    })
  })

  it('answers inactive once the session has ended', async () => {
    const browser = new Browser()
    const tokens = await signIn(browser)
    await endSession(app, browser, tokens.id_token ?? '')
    expect(await oidc.tokenIntrospection(app.config, tokens.access_token)).toEqual({
      active: false,
    })
  })

  it('answers inactive for forged and unknown tokens, whose revocation is a no-op', async () => {
    const tokens = await signIn()
    const forged = `${tokens.access_token.slice(0, -4)}AAAA`
    for (const token of [forged, 'eyJhbGciOiJub25lIn0.e30.']) {
      expect(await oidc.tokenIntrospection(app.config, token)).toEqual({ active: false })
      // RFC 7009 §2.2: an invalid token is not an error.
      await expect(oidc.tokenRevocation(app.config, token)).resolves.toBeUndefined()
    }
    expect((await oidc.tokenIntrospection(app.config, tokens.access_token)).active).toBe(true)
  })
})
