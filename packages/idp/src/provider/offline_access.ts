import type { KoaContextWithOIDC } from 'oidc-provider'

/**
 * Keeps `offline_access` in the scope of an authorization request from a client that gets
 * refresh tokens.
 *
 * oidc-provider drops the scope unless the request says `prompt=consent` (OIDC Core §11),
 * yet Latchkey issues a refresh token to every client registered for the refresh_token grant
 * — by an administrator: the "other conditions permitting offline access" of §11 — and shows
 * third-party clients a consent screen that lists it. Without this the code, the refresh
 * token and the token response would not say what was granted, and a client repeating its
 * original scope on refresh (mod_auth_openidc, Authlib) would be refused with
 * `invalid_scope`. With it, the grant records `offline_access` (the consent step, or
 * `loadExistingGrant` for first-party clients) and so does every token issued under it.
 *
 * Runs as an `extraParams` validator for `scope`: that is oidc-provider's hook after its own
 * scope checks, before the interaction (which keeps the parameters) and the code.
 */
export function keepOfflineAccess(ctx: KoaContextWithOIDC): void {
  const { params, client } = ctx.oidc
  const scopes = new Set(String(params?.scope ?? '').split(' '))
  if (!params || !scopes.has('openid') || !client?.grantTypeAllowed('refresh_token')) return
  scopes.add('offline_access')
  params.scope = [...scopes].join(' ')
}
