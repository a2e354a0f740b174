/**
 * The names `@latchkey/server` gives its CSRF cookie: the base name `csrf_token` behind the
 * strongest prefix its attributes allow (RFC 6265bis §4.1.3) — `__Host-` by default,
 * `__Secure-` with `cookies.domain`, none without `secure`. The strongest is tried first, so a
 * look-alike cookie planted for a parent domain never wins over the backend's own.
 */
const SERVER_CSRF_COOKIE_NAMES = ['__Host-csrf_token', '__Secure-csrf_token', 'csrf_token']

/**
 * Where the CSRF token comes from: the backend's cookie when the page can read it (same
 * origin, a BFF), else the copy the backend sent in a response body, kept only in memory
 * (a cross-origin API's host-only cookie is invisible to the page — see CONTRACT.md).
 */
export function csrfTokenSource(cookieName?: string) {
  let fromBody: string | undefined
  const fromCookie = () => {
    if (typeof document === 'undefined') return undefined
    const cookies = document.cookie.split('; ')
    for (const name of cookieName ? [cookieName] : SERVER_CSRF_COOKIE_NAMES) {
      const found = cookies.find((c) => c.startsWith(`${name}=`))
      if (found) return found.slice(name.length + 1)
    }
    return undefined
  }
  return {
    get: (): string | undefined => fromCookie() ?? fromBody,
    remember(token: unknown): void {
      if (typeof token === 'string' && token) fromBody = token
    },
    forget(): void {
      fromBody = undefined
    },
  }
}
