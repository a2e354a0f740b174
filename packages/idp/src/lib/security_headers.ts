import type { ServerResponse } from 'node:http'

/**
 * Headers every IdP response starts with — its own screens, the pages oidc-provider renders
 * (errors, the logout confirmation, the auto-submitting `form_post` and logout forms) and
 * JSON alike; a response that may be cached (discovery, JWKS, the stylesheet) replaces
 * `cache-control` itself.
 * - no caching of anything holding session state, tokens or form tokens;
 * - no framing (clickjacking, ASVS 5.0 V3.4.6), no MIME sniffing, no referrer;
 * - a CSP that allows no script. oidc-provider's auto-submitting forms carry one inline
 *   script: it adds that script's hash to `script-src`, and next to a hash `'none'` has no
 *   effect (CSP Level 3 §2.3.1), so exactly that script runs and nothing else.
 * No `form-action`: Chromium applies it to the redirects after a form post too, and a login
 * post ends in a redirect to the client's (exactly registered) redirect URI.
 */
export const SECURITY_HEADERS = {
  'cache-control': 'no-store',
  pragma: 'no-cache',
  'content-security-policy':
    "default-src 'none'; script-src 'none'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'",
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
} as const

/**
 * The CSP of the screens that offer passkeys (the login and MFA screens, the account
 * console): the IdP's own script file and requests to the IdP itself, still nothing inline
 * and nothing from elsewhere.
 */
export const SCRIPTED_CSP = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'",
} as const

// RFC 6797 §7.2: sent over secure transport only (browsers ignore it on plain HTTP anyway);
// one year, the floor the browsers' preload lists ask for.
const HSTS = 'max-age=31536000; includeSubDomains'

export function setSecurityHeaders(res: ServerResponse, https: boolean): void {
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value)
  if (https) res.setHeader('strict-transport-security', HSTS)
}

/**
 * For discovery and the JWKS: relying parties and caches between may keep them five minutes —
 * fewer fetches, while a key published ahead of use (`latchkey keys rotate --activate-in 300`
 * or more) still reaches every one of them before it signs. Verifiers that meet an unknown
 * `kid` sooner refetch the JWKS (RFC 7517 §4.5); an HTTP cache in between would not.
 */
export const PUBLIC_CACHE = 'public, max-age=300'
