import { cookieNameCandidates } from '@latchkey/protocol'

/**
 * The names `@latchkey/server` may give its CSRF cookie (`__Host-` by default, `__Secure-`
 * with `cookies.domain`, none without `secure`), strongest first.
 */
const SERVER_CSRF_COOKIE_NAMES = cookieNameCandidates('csrf')

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
