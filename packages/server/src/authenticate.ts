import type { Context } from './context.ts'
import { InvalidToken } from './errors.ts'
import type { revocationList } from './revocation.ts'
import type { AccessClaims, Verifier } from './verify.ts'

/** Who is calling: the same shape in cookie and session mode. */
export interface AuthContext {
  sub: string
  /** The IdP session: the access token's `sid`, or in session mode the ID token's. */
  sid?: string
  roles: string[]
  email?: string
  name?: string
  /** When the access token expires, epoch seconds. */
  expiresAt: number
  claims: AccessClaims
  /** The verified access token, for calling other APIs on the user's behalf. Never send it to the browser. */
  accessToken: string
}

export const toAuth = (
  claims: AccessClaims,
  accessToken: string,
  roles: string[],
  sid = claims.sid,
): AuthContext => ({
  sub: claims.sub,
  sid,
  roles,
  email: claims.email,
  name: claims.name,
  expiresAt: claims.exp,
  claims,
  accessToken,
})

/** Verified claims of a token whose session has not ended (`sid`: the session it is of). */
export const claimsChecker =
  (verify: () => Promise<Verifier>, revoked: ReturnType<typeof revocationList>) =>
  async (token: string, sid?: string): Promise<AccessClaims> => {
    const claims = await (await verify()).verify(token)
    await revoked.ready()
    if (revoked.isRevoked(claims, sid ?? claims.sid))
      throw new InvalidToken('the session has ended')
    return claims
  }

/** The authenticate step: who is calling, read by the mode chosen at construction. */
export const authenticator =
  ({ mode, cookies }: Context) =>
  (request: Request): Promise<AuthContext> =>
    mode.authenticate(cookies.of(request))
