import { createRemoteJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose'
import * as oidc from 'openid-client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  addAlice,
  Browser,
  endSession,
  login,
  type RelyingParty,
  relyingParty,
  STORE_KINDS,
  startIdp,
  startReceiver,
  storesFor,
  type TestIdp,
} from './support.ts'

describe.each(STORE_KINDS)(
  'identity provider on %s: the protocol with a real relying party',
  (kind) => {
    let t: TestIdp
    let rp: RelyingParty
    let stores: ReturnType<typeof storesFor>
    let receiver: Awaited<ReturnType<typeof startReceiver>>
    const password = 'correct horse battery staple'

    beforeAll(async () => {
      stores = storesFor(kind)
      t = await startIdp({ stores })
      receiver = await startReceiver()
      rp = await relyingParty(t, 'app', { backchannelLogoutUri: receiver.url })
      await addAlice(t, password)
    })
    afterAll(async () => {
      await t.close()
      await receiver.close()
      await stores.dispose()
    })

    it('publishes discovery with PKCE S256 only and the endpoints the contract names', async () => {
      const meta = rp.config.serverMetadata()
      expect(meta.issuer).toBe(t.issuer)
      expect(meta.code_challenge_methods_supported).toEqual(['S256'])
      expect(meta.response_types_supported).toEqual(['code'])
      expect(meta.grant_types_supported).not.toContain('implicit')
      expect(meta.grant_types_supported).not.toContain('password')
      expect(meta.registration_endpoint).toBeUndefined()
      for (const endpoint of [
        'revocation_endpoint',
        'introspection_endpoint',
        'end_session_endpoint',
        'jwks_uri',
        'userinfo_endpoint',
      ]) {
        expect(meta[endpoint], endpoint).toMatch(/^http:\/\/127\.0\.0\.1/)
      }
      expect(meta.backchannel_logout_supported).toBe(true)
    })

    it('logs in with code + PKCE and issues an ES256 at+jwt access token with sid and roles', async () => {
      const { tokens } = await login(rp, new Browser(), { username: 'alice', password })
      const header = decodeProtectedHeader(tokens.access_token)
      expect(header).toMatchObject({ alg: 'ES256', typ: 'at+jwt' })
      expect(header.kid).toBeTruthy()
      const jwks = createRemoteJWKSet(new URL(rp.config.serverMetadata().jwks_uri ?? ''))
      const { payload } = await jwtVerify(tokens.access_token, jwks, {
        issuer: t.issuer,
        audience: 'app',
        typ: 'at+jwt',
      })
      expect(payload).toMatchObject({
        client_id: 'app',
        roles: ['ADMIN', 'USER'],
        email: 'alice@example.com',
        name: 'Alice',
      })
      for (const claim of ['sub', 'exp', 'iat', 'jti', 'sid'])
        expect(payload[claim], claim).toBeTruthy()
      expect((payload.exp ?? 0) - (payload.iat ?? 0)).toBe(900)
      expect(tokens.refresh_token).toBeTruthy()
      expect(tokens.refresh_token?.split('.')).toHaveLength(1) // opaque
      expect(tokens.claims()?.sid).toBe(payload.sid)
    })

    it('rotates refresh tokens and revokes the whole grant when a rotated one is reused', async () => {
      const { tokens } = await login(rp, new Browser(), { username: 'alice', password })
      const first = tokens.refresh_token ?? ''
      const second = await oidc.refreshTokenGrant(rp.config, first)
      expect(second.refresh_token).toBeTruthy()
      expect(second.refresh_token).not.toBe(first)
      // The stolen, already-rotated token comes back: refused, and the family dies with it.
      await expect(oidc.refreshTokenGrant(rp.config, first)).rejects.toMatchObject({
        error: 'invalid_grant',
      })
      await expect(
        oidc.refreshTokenGrant(rp.config, second.refresh_token ?? ''),
      ).rejects.toMatchObject({
        error: 'invalid_grant',
      })
    })

    it('answers UserInfo for its JWT access tokens, by scope, and refuses a bad token', async () => {
      const { tokens } = await login(rp, new Browser(), { username: 'alice', password })
      const sub = tokens.claims()?.sub ?? ''
      expect(await oidc.fetchUserInfo(rp.config, tokens.access_token, sub)).toEqual({
        sub,
        roles: ['ADMIN', 'USER'],
        name: 'Alice',
        preferred_username: 'alice',
        email: 'alice@example.com',
        email_verified: false,
      })
      const forged = `${tokens.access_token.slice(0, -4)}AAAA`
      const refused = await fetch(`${t.issuer}/me`, {
        headers: { authorization: `Bearer ${forged}` },
      })
      expect(refused.status).toBe(401)
      // RFC 6750 §3.1
      expect(refused.headers.get('www-authenticate')).toBe(
        `Bearer realm="${t.issuer}", error="invalid_token"`,
      )
    })

    it('introspects its JWT access tokens, and revoking one makes it inactive at once', async () => {
      // RFC 7662 §2.2: 200 with `active` (not 400 unsupported_token_type, as oidc-provider
      // answers for structured tokens); RFC 7009 §2.1: revocation of an access token.
      const { tokens } = await login(rp, new Browser(), { username: 'alice', password })
      const sub = tokens.claims()?.sub
      expect(await oidc.tokenIntrospection(rp.config, tokens.access_token)).toMatchObject({
        active: true,
        sub,
        client_id: 'app',
        token_type: 'Bearer',
      })
      await oidc.tokenRevocation(rp.config, tokens.access_token)
      expect(await oidc.tokenIntrospection(rp.config, tokens.access_token)).toEqual({
        active: false,
      })
      await expect(oidc.fetchUserInfo(rp.config, tokens.access_token, sub ?? '')).rejects.toThrow()
      // Only the access token: the grant and its refresh token live on.
      expect(
        (await oidc.refreshTokenGrant(rp.config, tokens.refresh_token ?? '')).access_token,
      ).toBeTruthy()
    })

    it('revokes a refresh token and reports it inactive through introspection', async () => {
      const { tokens } = await login(rp, new Browser(), { username: 'alice', password })
      const before = await oidc.tokenIntrospection(rp.config, tokens.refresh_token ?? '')
      expect(before.active).toBe(true)
      await oidc.tokenRevocation(rp.config, tokens.refresh_token ?? '')
      const after = await oidc.tokenIntrospection(rp.config, tokens.refresh_token ?? '')
      expect(after.active).toBe(false)
      await expect(
        oidc.refreshTokenGrant(rp.config, tokens.refresh_token ?? ''),
      ).rejects.toMatchObject({ error: 'invalid_grant' })
    })

    it('ends the session at end_session and sends a valid back-channel logout token', async () => {
      const browser = new Browser()
      const { tokens } = await login(rp, browser, { username: 'alice', password })
      const sid = tokens.claims()?.sid
      const done = await endSession(rp, browser, tokens.id_token ?? '')
      expect(done.url).toBe('https://app.example/')
      await expect.poll(() => receiver.tokens.length, { timeout: 5000 }).toBeGreaterThan(0)
      const logoutToken = receiver.tokens.at(-1) ?? ''
      expect(decodeProtectedHeader(logoutToken)).toMatchObject({ alg: 'ES256', typ: 'logout+jwt' })
      const claims = decodeJwt(logoutToken)
      expect(claims).toMatchObject({
        iss: t.issuer,
        aud: 'app',
        sid,
        events: { 'http://schemas.openid.net/event/backchannel-logout': {} },
      })
      expect(claims.nonce).toBeUndefined()
      // The session is gone: the grant's refresh token no longer works.
      await expect(
        oidc.refreshTokenGrant(rp.config, tokens.refresh_token ?? ''),
      ).rejects.toMatchObject({ error: 'invalid_grant' })
    })
  },
)
