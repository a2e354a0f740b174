import type { IncomingMessage } from 'node:http'

// RFC 9110 §7.2 and RFC 3986 §3.2.2: an authority is host [":" port] — an IP literal in
// brackets or a name. No userinfo: RFC 9110 §4.2.4 forbids credentials in an http(s) authority.
const AUTHORITY = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._~-]+)(?::(\d{1,5}))?$/

const isAuthority = (value: string) => {
  const port = AUTHORITY.exec(value)?.[1]
  return AUTHORITY.test(value) && (port === undefined || Number(port) <= 65_535)
}

/**
 * Checks the `Host` header and the request target, and turns an absolute-form target
 * (`GET http://host/path`, which RFC 9112 §3.2.2 requires a server to accept) into
 * origin-form, so that nothing downstream reads an authority from the target.
 * @returns why the request is malformed (a 400), or `undefined`.
 */
export function normalizeTarget(req: IncomingMessage): string | undefined {
  const { host } = req.headers
  if (host !== undefined && !isAuthority(host)) return 'malformed Host header'
  const target = req.url ?? ''
  if (target.startsWith('/')) return undefined
  if (!/^https?:\/\//i.test(target)) return 'malformed request target'
  try {
    const url = new URL(target)
    if (url.username || url.password || !isAuthority(url.host)) return 'malformed request target'
    req.url = `${url.pathname}${url.search}`
    return undefined
  } catch {
    return 'malformed request target'
  }
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
