import type { IncomingMessage } from 'node:http'
import { isAuthority, originForm } from '@latchkey/protocol'

/**
 * Checks the `Host` header and the request target, and turns an absolute-form target
 * (`GET http://host/path`, which RFC 9112 §3.2.2 requires a server to accept) into
 * origin-form, so that nothing downstream reads an authority from the target.
 * @returns why the request is malformed (a 400), or `undefined`.
 */
export function normalizeTarget(req: IncomingMessage): string | undefined {
  const { host } = req.headers
  if (host !== undefined && !isAuthority(host)) return 'malformed Host header'
  const target = originForm(req.url ?? '')
  if (!target) return 'malformed request target'
  req.url = target.path
  return undefined
}

/**
 * Makes Koa, and so oidc-provider, see the issuer's scheme and host on every request, whatever
 * `Host` or `X-Forwarded-*` said: every URL the IdP publishes (discovery, redirects, form
 * actions, DPoP `htu`) then derives from the configured issuer alone, and a forged `Host`
 * can neither poison a cached discovery document nor send a user elsewhere.
 */
export function pinToIssuer(request: object, issuer: URL): void {
  Object.defineProperties(request, {
    protocol: { value: issuer.protocol.slice(0, -1) },
    host: { value: issuer.host },
  })
}
