// RFC 9110 §7.2 and RFC 3986 §3.2.2–3.2.3: an authority is host [":" port], the host an IP
// literal in brackets or a reg-name (unreserved, sub-delims, %XX). No userinfo: RFC 9110
// §4.2.4 forbids credentials in an http(s) authority.
const AUTHORITY = /^(?:\[[0-9A-Fa-f:.]+\]|(?:[\w\-.~!$&'()*+,;=]|%[0-9A-Fa-f]{2})+)(?::(\d{0,5}))?$/

/**
 * Whether a `Host` header (or a URL's authority) is a valid `host[:port]` — what every
 * Latchkey server checks before a request goes anywhere (RFC 9112 §3.2: else 400).
 */
export function isAuthority(value: string): boolean {
  const match = AUTHORITY.exec(value)
  if (!match || Number(match[1] ?? 0) > 65_535) return false
  // What WHATWG URL parsing (and so every `new URL`/`new Request` downstream) also accepts.
  return URL.canParse(`http://${value}/`)
}

/**
 * A request target in origin-form (RFC 9112 §3.2): an origin-form target as it is; an
 * absolute-form one (`GET http://host/path`, which a server must accept, §3.2.2) as its path
 * and query, with the authority that then replaces `Host`. `undefined` for anything else
 * (authority- or asterisk-form, another scheme, credentials in the URL, a bad authority).
 * `//x` stays a path: it is never read as a host.
 */
export function originForm(target: string): { path: string; authority?: string } | undefined {
  if (target.startsWith('/')) return { path: target }
  if (!/^https?:\/\//i.test(target)) return undefined
  const url = URL.parse(target)
  if (!url || url.username || url.password || !isAuthority(url.host)) return undefined
  return { path: `${url.pathname}${url.search}`, authority: url.host }
}
