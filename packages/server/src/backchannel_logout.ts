import type { Store } from '@latchkey/store'
import { type JWTVerifyGetKey, jwtVerify } from 'jose'
import { InvalidRequest } from './errors.ts'

const LOGOUT_EVENT = 'http://schemas.openid.net/event/backchannel-logout'

export interface LogoutTokenOptions {
  issuer: string
  clientId: string
  clockTolerance: number
  /** The IdP's signature algorithms (the access tokens' allow-list). */
  algorithms: string[]
  /** The IdP's signing keys: the same cached JWKS the access tokens are checked with. */
  keys: () => Promise<JWTVerifyGetKey>
}

/**
 * Checks a back-channel logout token as OIDC Back-Channel Logout 1.0 §2.6 requires: the
 * IdP's signature, `iss`, `aud`, `iat`, `typ: logout+jwt`, the logout event, no `nonce`, a
 * `sid` or `sub`, and each `jti` accepted once (kept in the store, so across instances).
 * Resolves to what must end: one IdP session (`sid`) or every session of a user (`sub`).
 */
export function logoutTokenVerifier(options: LogoutTokenOptions, store: Store) {
  return async function verifyLogoutToken(
    token: unknown,
  ): Promise<{ sid: string } | { sub: string }> {
    if (typeof token !== 'string' || token.length > 8192)
      throw new InvalidRequest('logout_token is required')
    const { payload } = await jwtVerify(token, await options.keys(), {
      issuer: options.issuer,
      audience: options.clientId,
      algorithms: options.algorithms,
      typ: 'logout+jwt',
      requiredClaims: ['iat', 'jti', 'events'],
      maxTokenAge: '5 minutes',
      clockTolerance: options.clockTolerance,
    }).catch((error) => {
      throw new InvalidRequest('invalid logout token', { cause: error })
    })
    const events = payload.events as Record<string, unknown> | undefined
    if (!events || typeof events[LOGOUT_EVENT] !== 'object')
      throw new InvalidRequest('not a logout token')
    if ('nonce' in payload || (!payload.sid && !payload.sub))
      throw new InvalidRequest('invalid logout token')
    if (!(await store.add('logout-jti', String(payload.jti), 1, { ttl: 600 })))
      throw new InvalidRequest('logout token replayed')
    return typeof payload.sid === 'string' ? { sid: payload.sid } : { sub: String(payload.sub) }
  }
}
