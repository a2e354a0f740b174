import { decodeJwt } from './jwt.ts'

/** A cookie as the browser holds it (the shape Playwright reports). */
export interface Cookie {
  name: string
  value: string
  domain: string
  path: string
  /** Seconds since the epoch; -1 for a session cookie. */
  expires: number
  httpOnly: boolean
  secure: boolean
  sameSite?: string
}

/** RFC 6265 §5.1.4: a request path matches a cookie path at a `/` boundary. */
const pathMatches = (requestPath: string, cookiePath: string) =>
  requestPath === cookiePath ||
  (requestPath.startsWith(cookiePath) &&
    (cookiePath.endsWith('/') || requestPath[cookiePath.length] === '/'))

const domainMatches = (host: string, domain: string) =>
  host === domain.replace(/^\./, '') || (domain.startsWith('.') && host.endsWith(domain))

/** The `Cookie` header a browser would send with these cookies to `url`. */
export function cookieHeader(cookies: Cookie[], url: string): string {
  const { hostname, pathname } = new URL(url)
  return cookies
    .filter((c) => domainMatches(hostname, c.domain) && pathMatches(pathname, c.path))
    .map((c) => `${c.name}=${c.value}`)
    .join('; ')
}

/** The jar after a response's `Set-Cookie` lines (RFC 6265 §5.2, the parts a replay needs). */
export function applySetCookies(cookies: Cookie[], lines: string[], url: string): Cookie[] {
  const { hostname, pathname } = new URL(url)
  let jar = [...cookies]
  for (const line of lines) {
    const [pair = '', ...attributes] = line.split(';')
    const eq = pair.indexOf('=')
    if (eq <= 0) continue
    const attrs = parseAttributes(attributes)
    const cookie: Cookie = {
      name: pair.slice(0, eq).trim(),
      value: pair.slice(eq + 1).trim(),
      domain: attrs.domain ? `.${attrs.domain.replace(/^\./, '')}` : hostname,
      path: attrs.path?.startsWith('/') ? attrs.path : pathname.replace(/\/[^/]*$/, '') || '/',
      expires: attrs.expires ?? -1,
      httpOnly: attrs.httponly !== undefined,
      secure: attrs.secure !== undefined,
      sameSite: attrs.samesite,
    }
    jar = jar.filter((c) => !(c.name === cookie.name && c.path === cookie.path))
    if (cookie.expires === -1 || cookie.expires > Date.now() / 1000) jar.push(cookie)
  }
  return jar
}

/** A Set-Cookie line's attributes, lower-cased names; `expires` from Max-Age or Expires. */
export function parseAttributes(
  attributes: string[],
): Record<string, string | undefined> & { expires?: number } {
  const out: Record<string, string | undefined> & { expires?: number } = {}
  for (const attribute of attributes) {
    const eq = attribute.indexOf('=')
    const name = (eq < 0 ? attribute : attribute.slice(0, eq)).trim().toLowerCase()
    if (name && name !== 'expires') out[name] = eq < 0 ? '' : attribute.slice(eq + 1).trim()
    if (name === 'expires' && out['max-age'] === undefined)
      out.expires = Date.parse(attribute.slice(eq + 1).trim()) / 1000
  }
  const maxAge = out['max-age']
  if (maxAge !== undefined && /^-?\d+$/.test(maxAge))
    out.expires = Date.now() / 1000 + Number(maxAge)
  return out
}

/** The CSRF cookie of a double-submit scheme, by the names frameworks give it. */
export const isCsrfCookie = (c: Cookie) => /csrf|xsrf/i.test(c.name)

/** A cookie that can stand for the user: a token, a session id, or a JWT whatever its name. */
export const isCredentialCookie = (c: Cookie) =>
  !isCsrfCookie(c) &&
  (/token|sess|sid|auth|jwt|refresh|access/i.test(c.name) || decodeJwt(c.value) !== undefined)

/** The access token's cookie: the one holding a JWT that is not a refresh or ID token. */
export const accessCookie = (cookies: Cookie[]) =>
  cookies.find((c) => decodeJwt(c.value) && !/refresh|id_?token/i.test(c.name))

export const refreshCookie = (cookies: Cookie[]) => cookies.find((c) => /refresh/i.test(c.name))

export const csrfCookie = (cookies: Cookie[]) => cookies.find(isCsrfCookie)

/** The jar with one cookie's value replaced (the forgeries and the other-session token). */
export const withValue = (cookies: Cookie[], name: string, value: string) =>
  cookies.map((c) => (c.name === name ? { ...c, value } : c))
