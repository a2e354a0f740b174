import { ACCESS_TOKEN_TYPE, SIGNING_ALGORITHM } from '@latchkey/protocol'
import type { Store } from '@latchkey/store'
import { type JWTPayload, type JWTVerifyGetKey, jwtVerify } from 'jose'
import { fileUnderGrant, recordsOf } from './provider/adapter.ts'

export interface AccessTokenClaims extends JWTPayload {
  sub: string
  jti: string
  client_id: string
  sid?: string
  scope?: string
}

/** What oidc-provider knows of an access token while it signs it. */
interface IssuedToken {
  jti: string
  grantId?: string
  clientId?: string
  /** Seconds the token lives. */
  expiration: number
}

// oidc-provider does not store JWT access tokens (they are self-contained), so nothing would
// tell the IdP's own resources that one was revoked. Latchkey files each one's `jti` under its
// grant: whatever revokes the grant (logout, refresh-token reuse, ending a session, disabling
// the account) removes the record too, and a token without a record is no longer accepted.
const ISSUED = 'IssuedAccessToken'

/**
 * The IdP's own JWT access tokens (RFC 9068): recorded as they are issued, verified for the
 * IdP's own resources and for introspection (RFC 7662), revoked one by one (RFC 7009).
 */
export function accessTokens(store: Store, issuer: string, jwks: JWTVerifyGetKey) {
  return {
    /** Called while oidc-provider signs the token: no token leaves without its record. */
    async record(token: IssuedToken): Promise<void> {
      if (!token.grantId) throw new Error('an access token without a grant cannot be revoked')
      const ttl = { ttl: token.expiration }
      await fileUnderGrant(store, token.grantId, ISSUED, token.jti, ttl)
      await store.set(recordsOf(ISSUED), token.jti, { clientId: token.clientId }, ttl)
    },

    /**
     * The claims of a token this IdP issued and has not revoked, or `undefined`: RFC 9068 §4
     * (`typ`, issuer, algorithm, signature, expiry; `aud` is the client it was issued to, the
     * one audience Latchkey gives a token), and its record still there.
     */
    async verify(token: string): Promise<AccessTokenClaims | undefined> {
      let claims: AccessTokenClaims
      try {
        ;({ payload: claims } = await jwtVerify<AccessTokenClaims>(token, jwks, {
          issuer,
          typ: ACCESS_TOKEN_TYPE,
          algorithms: [SIGNING_ALGORITHM],
          requiredClaims: ['sub', 'exp', 'iat', 'jti', 'aud', 'client_id'],
        }))
      } catch {
        return undefined
      }
      if (claims.aud !== claims.client_id) return undefined
      const record = await store.get<{ clientId?: string }>(recordsOf(ISSUED), claims.jti)
      return record?.clientId === claims.client_id ? claims : undefined
    },

    /** Revokes one access token (RFC 7009 §2.1); its grant and refresh token live on. */
    async revoke(jti: string): Promise<void> {
      await store.delete(recordsOf(ISSUED), jti)
    },
  }
}

export type AccessTokens = ReturnType<typeof accessTokens>
