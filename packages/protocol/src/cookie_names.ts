/** The cookies' base names; the prefix in front of each follows from its attributes. */
export const COOKIE_BASE_NAMES = {
  access: 'access_token',
  refresh: 'refresh_token',
  csrf: 'csrf_token',
  session: 'session',
  transaction: 'latchkey_tx',
} as const

export type CookieKind = keyof typeof COOKIE_BASE_NAMES

/** The attributes a cookie's name prefix depends on. */
export interface PrefixAttributes {
  secure: boolean
  path: string
  domain?: string | undefined
}

/**
 * The strongest prefix a cookie's attributes allow (RFC 6265bis §4.1.3): `__Host-` needs
 * Secure, `Path=/` and no Domain; `__Secure-` needs Secure; without Secure, none.
 */
export function cookiePrefix(a: PrefixAttributes): '' | '__Host-' | '__Secure-' {
  if (!a.secure) return ''
  return a.path === '/' && !a.domain ? '__Host-' : '__Secure-'
}

/**
 * Every name a backend may give one kind of cookie, strongest prefix first: what a reader
 * that does not know the backend's settings tries, so that a look-alike cookie planted for
 * a parent domain never wins over the backend's own.
 */
export const cookieNameCandidates = (kind: CookieKind): string[] =>
  ['__Host-', '__Secure-', ''].map((prefix) => `${prefix}${COOKIE_BASE_NAMES[kind]}`)
