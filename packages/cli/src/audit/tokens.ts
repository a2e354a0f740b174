import type { JsonWebKey } from 'node:crypto'
import { asSession } from './csrf.ts'
import {
  type AuditContext,
  type Check,
  describe,
  fail,
  notCheckable,
  pass,
  type Verdict,
} from './item.ts'
import { accessCookie, withValue } from './jar.ts'
import { type DecodedJwt, decodeJwt, hmacWithPublicKey, unsecured } from './jwt.ts'

const FIFTEEN_MINUTES = 900

export const accessLifetime: Check = {
  id: 'token.lifetime',
  family: 'tokens',
  title: 'Access tokens are short-lived (15 minutes at most)',
  fix: 'Issue access tokens for 5 to 15 minutes and renew them with the refresh token.',
  async run(ctx) {
    const session = ctx.sessions?.[0]
    if (!session) return notCheckable('needs a sign-in (--login or --login-script)')
    const cookie = accessCookie(session.cookies)
    const claims = decodeJwt(cookie?.value)?.payload
    if (!cookie || !claims) return notCheckable('no access token in a cookie (opaque session)')
    const { iat, exp } = claims
    if (typeof exp !== 'number') return fail(`${cookie.name}: the token has no exp`)
    const life = exp - (typeof iat === 'number' ? iat : Date.now() / 1000)
    const line = `${cookie.name}: lives ${Math.round(life)} s (iat to exp)`
    return life <= FIFTEEN_MINUTES ? pass(line) : fail(line)
  },
}

/**
 * Sends a forgery of the first session's access token to the "me" endpoint in place of the
 * real one: a verifier that checks signatures against the IdP's keys with an allow-list of
 * algorithms refuses it (RFC 8725 §3.1); the real token, just before, was accepted.
 */
async function forged(
  ctx: AuditContext,
  forge: (token: DecodedJwt) => Promise<string | undefined>,
  what: string,
): Promise<Verdict> {
  const session = ctx.sessions?.[0]
  if (!session) return notCheckable('needs a sign-in (--login or --login-script)')
  const cookie = accessCookie(session.cookies)
  const token = decodeJwt(cookie?.value)
  if (!cookie || !token) return notCheckable('no access token in a cookie (opaque session)')
  if (ctx.signedInMe?.status !== 200)
    return notCheckable(
      `the real token was not accepted either: ${ctx.signedInMe ? describe(ctx.signedInMe) : 'no answer'}`,
    )
  const forgery = await forge(token)
  if (!forgery) return notCheckable(`no public key to build ${what} with`)
  const reply = await asSession(
    ctx,
    withValue(session.cookies, cookie.name, forgery),
    'GET',
    ctx.options.paths.me,
  )
  const line = `${cookie.name} replaced by ${what}: ${describe(reply)}`
  return reply.status === 401 || reply.status === 403
    ? pass(`the real token: ${describe(ctx.signedInMe)}`, line)
    : fail(`${line} (accepted)`)
}

export const algNone: Check = {
  id: 'token.alg-none',
  family: 'tokens',
  title: 'The API refuses an unsigned token (alg: none)',
  fix: 'Verify with an allow-list of algorithms (e.g. only ES256) and never take the algorithm from the token header.',
  run: (ctx) => forged(ctx, async (token) => unsecured(token), 'the same claims with alg: none'),
}

export const keyConfusion: Check = {
  id: 'token.key-confusion',
  family: 'tokens',
  title: "The API refuses a token HMAC-signed with the IdP's public key",
  fix: 'Verify with an allow-list of asymmetric algorithms; an HS256 token must never be checked with a public key as its secret.',
  run: (ctx) =>
    forged(
      ctx,
      async (token) => {
        const keys = (await ctx.deployment.jwks())?.keys ?? []
        const key = keys.find((k) => k.kid === token.header.kid) ?? keys[0]
        try {
          return key ? hmacWithPublicKey(token, key as JsonWebKey) : undefined
        } catch {
          return undefined
        }
      },
      "an HS256 token keyed with the IdP's public key",
    ),
}

export const TOKEN_CHECKS = [accessLifetime, algNone, keyConfusion]
