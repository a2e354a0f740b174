import { InvalidRequest } from './errors.ts'

export interface CookieAttributes {
  httpOnly: boolean
  secure: boolean
  sameSite: 'Strict' | 'Lax' | 'None'
  path: string
  domain?: string
  maxAge: number
}

// RFC 6265 §4.1.1: cookie-value characters (plus the leniency browsers allow for spaces).
const VALUE = /^[\x21\x23-\x2B\x2D-\x3A\x3C-\x5B\x5D-\x7E]*$/
const MAX_COOKIE_HEADER = 8 * 1024

/**
 * Parses a Cookie header. Refuses a header that names one of our cookies twice: a sibling
 * subdomain can plant a same-named cookie (cookie tossing), and the browser then sends both,
 * so "take the first" could take the attacker's.
 */
export function parseCookies(
  header: string | null,
  ours: ReadonlySet<string>,
): Map<string, string> {
  const cookies = new Map<string, string>()
  if (!header) return cookies
  if (header.length > MAX_COOKIE_HEADER) throw new InvalidRequest('cookie header too large')
  for (const pair of header.split(';')) {
    const eq = pair.indexOf('=')
    if (eq <= 0) continue
    const name = pair.slice(0, eq).trim()
    const value = pair.slice(eq + 1).trim()
    if (!ours.has(name)) continue
    if (cookies.has(name)) throw new InvalidRequest(`cookie ${name} sent more than once`)
    if (!VALUE.test(value)) throw new InvalidRequest(`cookie ${name} is malformed`)
    cookies.set(name, value)
  }
  return cookies
}

export function serializeCookie(name: string, value: string, a: CookieAttributes): string {
  const parts = [
    `${name}=${value}`,
    `Path=${a.path}`,
    `Max-Age=${a.maxAge}`,
    `SameSite=${a.sameSite}`,
  ]
  if (a.domain) parts.push(`Domain=${a.domain}`)
  if (a.secure) parts.push('Secure')
  if (a.httpOnly) parts.push('HttpOnly')
  return parts.join('; ')
}
