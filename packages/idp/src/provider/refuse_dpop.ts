import type { KoaContextWithOIDC } from 'oidc-provider'

/**
 * DPoP (RFC 9449) is not offered: the IdP's own resources and Latchkey's backends accept
 * Bearer tokens only, so a DPoP-bound token would be bound nowhere it is used. oidc-provider's
 * DPoP feature is switched off (it is no longer advertised in discovery), and a request that
 * carries a DPoP proof is refused rather than silently answered with a Bearer token, which a
 * client could take for a sender-constrained one (RFC 6749 §5.2 `invalid_request`).
 */
export async function refuseDpop(ctx: KoaContextWithOIDC, next: () => Promise<unknown>) {
  if (ctx.get('dpop') === '') return next()
  ctx.status = 400
  ctx.set('cache-control', 'no-store')
  ctx.body = {
    error: 'invalid_request',
    error_description: 'DPoP is not supported: this server issues Bearer tokens only',
  }
}
