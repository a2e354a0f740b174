import * as oidc from 'openid-client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  Browser,
  CLIENT_SECRET,
  type RelyingParty,
  relyingParty,
  startIdp,
  type TestIdp,
} from './support.ts'

// What discovery advertises is what the IdP does (docs/idp.md lists it): DPoP is not offered
// (every resource takes Bearer tokens, so it is not advertised and a DPoP proof is refused);
// pushed authorization requests (RFC 9126) are.

describe('identity provider: the features it advertises', () => {
  let t: TestIdp
  let rp: RelyingParty
  const password = 'correct horse battery staple'

  beforeAll(async () => {
    t = await startIdp()
    rp = await relyingParty(t, 'app')
    await t.idp.accounts.add({ username: 'alice', password })
  })
  afterAll(() => t.close())

  it('does not advertise DPoP, and refuses a token request that carries a DPoP proof', async () => {
    const meta = rp.config.serverMetadata()
    expect(meta.dpop_signing_alg_values_supported).toBeUndefined()
    const response = await fetch(`${t.issuer}/token`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${btoa(`app:${CLIENT_SECRET}`)}`,
        'content-type': 'application/x-www-form-urlencoded',
        dpop: 'eyJ0eXAiOiJkcG9wK2p3dCJ9.e30.c2ln',
      },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: 'x' }),
    })
    // RFC 6749 §5.2: refused, rather than answered with a Bearer token the client would take
    // for a sender-constrained one.
    expect(response.status).toBe(400)
    expect(await response.json()).toMatchObject({ error: 'invalid_request' })
  })

  it('signs in through a pushed authorization request (RFC 9126)', async () => {
    const meta = rp.config.serverMetadata()
    expect(meta.pushed_authorization_request_endpoint).toBe(`${t.issuer}/request`)
    const verifier = oidc.randomPKCECodeVerifier()
    const url = await oidc.buildAuthorizationUrlWithPAR(rp.config, {
      redirect_uri: rp.redirectUri,
      scope: 'openid offline_access',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    })
    // Only the client id and the request_uri travel through the browser.
    expect([...url.searchParams.keys()].sort()).toEqual(['client_id', 'request_uri'])
    const browser = new Browser()
    const login = await browser.follow(url.href, rp.redirectUri)
    const page = await browser.submit(login, { username: 'alice', password }, rp.redirectUri)
    const tokens = await oidc.authorizationCodeGrant(rp.config, new URL(page.url), {
      pkceCodeVerifier: verifier,
    })
    expect(tokens.scope?.split(' ').sort()).toEqual(['offline_access', 'openid'])
    expect(tokens.refresh_token).toBeTruthy()
  })
})
