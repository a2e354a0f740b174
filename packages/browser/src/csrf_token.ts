/**
 * Where the CSRF token comes from: the backend's cookie when the page can read it (same
 * origin, a BFF), else the copy the backend sent in a response body, kept only in memory
 * (a cross-origin API's host-only cookie is invisible to the page — see CONTRACT.md).
 */
export function csrfTokenSource(cookieName: string) {
  let fromBody: string | undefined
  const fromCookie = () => {
    if (typeof document === 'undefined') return undefined
    const prefix = `${cookieName}=`
    return document.cookie
      .split('; ')
      .find((c) => c.startsWith(prefix))
      ?.slice(prefix.length)
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
