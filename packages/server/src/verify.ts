import {
  createRemoteJWKSet,
  customFetch,
  decodeJwt,
  errors,
  type JWTPayload,
  jwtVerify,
} from 'jose'
import { InvalidToken, TokenExpired } from './errors.ts'

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
  jwksUri: string
  clockTolerance: number
  fetch: typeof fetch
  /** Verified tokens remembered, at most. @default 10000 */
  cacheSize?: number
  /** @default ACCESS_TOKEN_ALGORITHMS */
  algorithms?: readonly string[]
  /** The required `typ` header, or `false` not to check it. @default 'at+jwt' */
  typ?: string | false
}

/** RFC 8725 §3.1: the one algorithm Latchkey's access tokens use; `none` and HMAC never get in. */
export const ACCESS_TOKEN_ALGORITHMS: readonly string[] = ['ES256']

/**
 * Verifies access tokens without a round trip to the IdP (RFC 9068 §4, RFC 8725):
 * ES256 only (no `none`, no HMAC confusion), `typ: at+jwt`, exact `iss` and `aud`, `exp` and
 * `nbf` with a bounded clock tolerance. Keys come from the IdP's JWKS, cached; an unknown
 * `kid` triggers one refetch, rate-limited by jose's cooldown.
 *
 * A verified token is remembered (bounded, oldest evicted first) so a repeated token skips the signature check;
 * each hit re-checks `exp`/`nbf`, so nothing is accepted a moment past its validity.
 */
export function createVerifier(options: VerifierOptions) {
  const {
    issuer,
    audience,
    clockTolerance,
    cacheSize = 10_000,
    algorithms = ACCESS_TOKEN_ALGORITHMS,
    typ = 'at+jwt',
  } = options
  const jwks = createRemoteJWKSet(new URL(options.jwksUri), {
    cooldownDuration: 30_000,
    cacheMaxAge: 10 * 60_000,
    [customFetch]: options.fetch,
  })
  const cache = new Map<string, AccessClaims>()

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
        const { payload } = await jwtVerify<AccessClaims>(token, jwks, {
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
        if (cache.size >= cacheSize) cache.delete(cache.keys().next().value as string)
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
