import { decodeJwt } from 'jose'
import * as oidc from 'openid-client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { recordsOf } from '../src/provider/adapter.ts'
import {
  Browser,
  login,
  type RelyingParty,
  relyingParty,
  STORE_KINDS,
  startIdp,
  storesFor,
  type TestIdp,
} from './support.ts'

// Relying parties such as mod_auth_openidc and Authlib ask for `offline_access` (without
// prompt=consent) and repeat their scope on refresh. The grant, the tokens and the token
// response must say what was granted, so that the refresh succeeds (RFC 6749 §6: the scope
// of a refresh request must have been granted; OIDC Core §11).

const SCOPE = 'openid profile email offline_access'
const scopes = (scope: string | undefined) => (scope ?? '').split(' ').sort()

describe.each(STORE_KINDS)('identity provider on %s: offline_access and refresh', (kind) => {
  let t: TestIdp
  let stores: ReturnType<typeof storesFor>
  let firstParty: RelyingParty
  let thirdParty: RelyingParty
  const password = 'correct horse battery staple'

  beforeAll(async () => {
    stores = storesFor(kind)
    t = await startIdp({ stores })
    firstParty = await relyingParty(t, 'app')
    thirdParty = await relyingParty(t, 'partner', { firstParty: false })
    await t.idp.accounts.add({ username: 'alice', password })
  })
  afterAll(async () => {
    await t.close()
    await stores.dispose()
  })

  const grantOf = async (accessToken: string) => {
    const { sub, client_id } = decodeJwt<{ client_id: string }>(accessToken)
    const grants = await t.stores.ephemeral.list<{
      accountId: string
      clientId: string
      openid?: { scope?: string }
    }>(recordsOf('Grant'))
    return grants.find((g) => g.value.accountId === sub && g.value.clientId === client_id)?.value
  }

  it.each([
    ['a first-party client (no consent screen)', () => firstParty, false],
    ['a third-party client (after consent)', () => thirdParty, true],
  ])('refreshes %s that repeats its original scope', async (_name, rp, consents) => {
    const browser = new Browser()
    let page = await browser.follow(
      oidc
        .buildAuthorizationUrl(rp().config, {
          redirect_uri: rp().redirectUri,
          scope: SCOPE,
          code_challenge: await oidc.calculatePKCECodeChallenge('v'.repeat(43)),
          code_challenge_method: 'S256',
        })
        .toString(),
      rp().redirectUri,
    )
    page = await browser.submit(page, { username: 'alice', password }, rp().redirectUri)
    expect(page.url.startsWith(rp().redirectUri)).toBe(!consents)
    if (consents) {
      // The consent screen lists what the app will get, offline access included.
      const consent = await page.response.clone().text()
      expect(consent).toContain('offline_access')
      page = await browser.submit(page, {}, rp().redirectUri)
    }
    const tokens = await oidc.authorizationCodeGrant(rp().config, new URL(page.url), {
      pkceCodeVerifier: 'v'.repeat(43),
    })
    expect(tokens.refresh_token).toBeTruthy()
    // The token response's scope is what was granted, openid and offline_access included.
    expect(scopes(tokens.scope)).toEqual(scopes(SCOPE))
    expect(scopes((await grantOf(tokens.access_token))?.openid?.scope)).toEqual(scopes(SCOPE))

    const refreshed = await oidc.refreshTokenGrant(rp().config, tokens.refresh_token ?? '', {
      scope: SCOPE,
    })
    expect(scopes(refreshed.scope)).toEqual(scopes(SCOPE))
    expect(refreshed.id_token).toBeTruthy()
    // And once more without repeating it (RFC 6749 §6: the original scope is implied).
    const again = await oidc.refreshTokenGrant(rp().config, refreshed.refresh_token ?? '')
    expect(scopes(again.scope)).toEqual(scopes(SCOPE))
  })

  it('records offline_access for a client that gets a refresh token without asking', async () => {
    const { tokens } = await login(firstParty, new Browser(), {
      username: 'alice',
      password,
      extraParams: { scope: 'openid' },
    })
    expect(tokens.refresh_token).toBeTruthy()
    expect(scopes(tokens.scope)).toEqual(['offline_access', 'openid'])
    const refreshed = await oidc.refreshTokenGrant(firstParty.config, tokens.refresh_token ?? '', {
      scope: 'openid offline_access',
    })
    expect(scopes(refreshed.scope)).toEqual(['offline_access', 'openid'])
  })
})
