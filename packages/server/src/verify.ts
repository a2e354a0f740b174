import { decodeJwt, errors, type JWTPayload, type JWTVerifyGetKey, jwtVerify } from 'jose'
import { InvalidToken, TokenExpired } from './errors.ts'
import { boundedCache } from './lib/bounded_cache.ts'

export interface AccessClaims extends JWTPayload {
  sub: string
  exp: number
  sid?: string
  roles?: string[]
  email?: string
  name?: string
}

export interface VerifierOptions {
  issuer: string
  audience: string
  /** The IdP's signing keys (its JWKS, cached and shared with the logout-token check). */
  keys: JWTVerifyGetKey
  clockTolerance: number
  /** Verified tokens remembered, at most. @default 10000 */
  cacheSize?: number
  /** RFC 8725 §3.1: the allow-list, never the token's own `alg`. */
  algorithms: readonly string[]
  /** The required `typ` header (RFC 9068 §2.1), or `false` not to check it. */
  typ: string | false
}

/**
 * Verifies access tokens without a round trip to the IdP (RFC 9068 §4, RFC 8725): the
 * allowed algorithms only (ES256 by default: no `none`, no HMAC confusion), the `typ`, exact
 * `iss` and `aud`, `exp` and `nbf` with a bounded clock tolerance.
 *
 * A verified token is remembered (bounded, a random entry evicted when full) so a repeated
 * token skips the signature check; each hit re-checks `exp`/`nbf`, so nothing is accepted a
 * moment past its validity.
 */
export function createVerifier(options: VerifierOptions) {
  const { issuer, audience, keys, clockTolerance, cacheSize = 10_000, algorithms, typ } = options
  const cache = boundedCache<AccessClaims>(cacheSize)

  const stillValid = (claims: AccessClaims, now: number) => {
    if (claims.exp + clockTolerance <= now) throw new TokenExpired('the access token has expired')
    if (claims.nbf !== undefined && claims.nbf - clockTolerance > now)
      throw new InvalidToken('the access token is not valid yet')
    return claims
  }

  return {
    async verify(token: string, { allowExpired = false } = {}): Promise<AccessClaims> {
      const now = Math.floor(Date.now() / 1000)
      const hit = cache.get(token)
      if (hit) {
        if (allowExpired) return hit
        return stillValid(hit, now)
      }
      try {
        const { payload } = await jwtVerify<AccessClaims>(token, keys, {
          issuer,
          audience,
          algorithms: [...algorithms],
          ...(typ !== false && { typ }),
          clockTolerance,
          requiredClaims: ['sub', 'exp', 'iat'],
          // Verifying an expired token's signature (to bind logout's CSRF check to its session)
          // is done as of just before its expiry; the caller never treats it as signed in.
          ...(allowExpired && { currentDate: new Date(((decodeJwt(token).exp ?? 0) - 1) * 1000) }),
        })
        cache.set(token, payload)
        return allowExpired ? payload : stillValid(payload, now)
      } catch (error) {
        if (error instanceof errors.JWTExpired)
          throw new TokenExpired('the access token has expired', { cause: error })
        if (error instanceof TokenExpired || error instanceof InvalidToken) throw error
        throw new InvalidToken('the access token is invalid', { cause: error })
      }
    },
  }
}

export type Verifier = ReturnType<typeof createVerifier>
