import { StoreUnavailableError } from '@latchkey/store'
import type { KoaContextWithOIDC } from 'oidc-provider'
import type { AccessTokens } from '../access_tokens.ts'

type Next = () => Promise<unknown>

/**
 * Introspection (RFC 7662) and revocation (RFC 7009) of the IdP's own JWT access tokens.
 * oidc-provider answers every structured token at both endpoints with 400
 * `unsupported_token_type`, once it has authenticated the client; this middleware answers in
 * its place, so gateways and mod_auth_openidc's introspection mode can use the endpoint.
 *
 * - Introspection: 200 always (RFC 7662 §2.2). `active: true` with the token's claims only
 *   for a token this IdP issued, unexpired and not revoked, presented by the client it was
 *   issued to (the same rule as for refresh tokens); `active: false` for anything else.
 * - Revocation: the token's record goes, so introspection and the IdP's own resources refuse
 *   it at once; its grant and refresh token live on, as oidc-provider does for opaque access
 *   tokens. Backends that verify the JWT themselves learn of it only through back-channel
 *   logout or its expiry (15 minutes). Another client's token is refused (RFC 7009 §2.1),
 *   an invalid or expired one is a 200 no-op (§2.2).
 */
export function accessTokenEndpoints(tokens: AccessTokens) {
  return async function answerForAccessTokens(ctx: KoaContextWithOIDC, next: Next) {
    await next()
    const route = ctx.oidc?.route
    if (route !== 'introspection' && route !== 'revocation') return
    if (ctx.status !== 400 || (ctx.body as { error?: unknown })?.error !== 'unsupported_token_type')
      return
    // oidc-provider refuses structured tokens only after client authentication succeeded.
    const client = ctx.oidc.client
    const token = ctx.oidc.params?.token
    if (!client || typeof token !== 'string') return
    let claims: Awaited<ReturnType<AccessTokens['verify']>>
    try {
      claims = await tokens.verify(token)
    } catch (error) {
      if (!(error instanceof StoreUnavailableError)) throw error
      // build.ts turns this into 503 temporarily_unavailable with Retry-After.
      ctx.state.storeUnavailable = true
      return
    }
    const own = claims?.client_id === client.clientId
    if (route === 'introspection') {
      ctx.status = 200
      ctx.body =
        claims && own ? { ...claims, active: true, token_type: 'Bearer' } : { active: false }
    } else if (claims && !own) {
      ctx.status = 400
      ctx.body = {
        error: 'invalid_request',
        error_description: 'client is not authorized to revoke the presented token',
      }
    } else {
      if (claims) await tokens.revoke(claims.jti)
      ctx.status = 200
      ctx.body = ''
    }
  }
}
