import type { AuthContext, Latchkey } from '@latchkey/server'
import { cookieHeaderAfter } from './cookies.ts'
import { type Failure, failureOf, failureResponse } from './failure.ts'
import { refreshSession } from './refresh.ts'

/** A group of routes that need a signed-in user, and maybe a role. */
export interface ProtectedRoute {
  /** A path prefix, matched on segment boundaries: `/admin` covers `/admin` and `/admin/users`. */
  path: string
  role?: string
}

export interface GuardOptions {
  /** The routes that need sign-in (and a role); every other route only gets the refresh. */
  protect?: ProtectedRoute[]
  /**
   * Refresh before rendering when the access token expires within this many seconds — or
   * within half its lifetime, if that is shorter (a 60-second token is refreshed at 30 s).
   * @default 60
   */
  refreshWithinSeconds?: number
  /** Where a signed-out navigation to a protected page is sent, with `returnTo`. @default '/auth/login' */
  signInPath?: string
}

/** What the proxy does with a request: answer it, or let it through (with new cookies). */
export type Verdict =
  | { respond: Response }
  | {
      /** The request's headers as the render must see them: set when a refresh changed its cookies. */
      requestHeaders?: Headers
      /** For the browser, on whatever response the route gives. */
      setCookies: string[]
      /** The signed-in user, verified (or `null`), after any refresh. */
      auth: AuthContext | null
    }

const coversPath = (prefix: string, path: string) =>
  path === prefix || path.startsWith(prefix.endsWith('/') ? prefix : `${prefix}/`)

/** A navigation a person makes (sent to sign in) rather than a `fetch` (answered with JSON). */
const isNavigation = (request: Request) =>
  (request.method === 'GET' || request.method === 'HEAD') &&
  (request.headers.get('sec-fetch-mode') === 'navigate' ||
    (request.headers.get('accept') ?? '').includes('text/html'))

/**
 * The proxy's decision on the Fetch API, independent of Next: who is calling, refreshed first
 * when the access token has expired or nearly has, then the route's sign-in and role rule.
 * A server component cannot set cookies, so this is the one place before render where a
 * refresh can still reach the browser.
 */
export function requestGuard(latchkey: Latchkey, options: GuardOptions = {}) {
  const protect = (options.protect ?? []).toSorted((a, b) => b.path.length - a.path.length)
  const refreshWithin = options.refreshWithinSeconds ?? 60
  const signInPath = options.signInPath ?? '/auth/login'

  /** Who is calling, or why not: `expired` when a refresh could help. */
  const identify = async (
    request: Request,
  ): Promise<{ auth: AuthContext | null; expired: boolean } | { failure: Failure }> => {
    try {
      return { auth: await latchkey.authenticate(request), expired: false }
    } catch (error) {
      const failure = failureOf(error)
      if (failure.status === 401) return { auth: null, expired: failure.code === 'token_expired' }
      return { failure }
    }
  }

  const dueForRefresh = (auth: AuthContext, now: number) => {
    const lifetime = auth.expiresAt - (auth.claims.iat ?? auth.expiresAt)
    return auth.expiresAt - now <= Math.min(refreshWithin, lifetime / 2)
  }

  return async function guard(request: Request): Promise<Verdict> {
    const url = new URL(request.url)
    // The core's own endpoints decide for themselves (the route handler answers them).
    if (url.pathname.startsWith('/auth/')) return { setCookies: [], auth: null }
    const rule = protect.find((r) => coversPath(r.path, url.pathname))
    let requestHeaders: Headers | undefined
    let setCookies: string[] = []
    let who = await identify(request)
    if ('failure' in who) return { respond: failureResponse(who.failure) }
    if (who.expired || (who.auth && dueForRefresh(who.auth, Date.now() / 1000))) {
      const refreshed = await refreshSession(latchkey, request)
      setCookies = refreshed.setCookies
      if (refreshed.ok || setCookies.length > 0) {
        requestHeaders = new Headers(request.headers)
        requestHeaders.set(
          'cookie',
          cookieHeaderAfter(request.headers.get('cookie'), setCookies, url.pathname),
        )
      }
      if (refreshed.ok) {
        const again = await identify(new Request(request.url, { headers: requestHeaders }))
        if ('failure' in again) return { respond: failureResponse(again.failure) }
        who = again
      } else if (refreshed.failure.status !== 401 && who.expired && rule) {
        // The IdP or store is down and the token is already gone: say so rather than "sign in".
        return { respond: failureResponse(refreshed.failure) }
      } else if (refreshed.failure.status === 401) {
        who = { auth: null, expired: false }
      }
      // Otherwise the IdP could not be reached but the token is still valid: go on with it.
    }
    const { auth } = who
    if (rule && !auth) {
      const respond = isNavigation(request)
        ? Response.redirect(
            new URL(`${signInPath}?returnTo=${encodeURIComponent(url.pathname + url.search)}`, url),
            303,
          )
        : failureResponse({ code: 'unauthenticated', status: 401, message: 'sign in first' })
      return { respond: withCookies(respond, setCookies) }
    }
    if (rule?.role && auth && !auth.roles.includes(rule.role)) {
      const failure = {
        code: 'forbidden' as const,
        status: 403,
        message: `requires role ${rule.role}`,
      }
      return { respond: withCookies(failureResponse(failure), setCookies) }
    }
    return { requestHeaders, setCookies, auth }
  }
}

/** The same response with the refresh's cookies added (a redirect's headers are immutable). */
function withCookies(response: Response, setCookies: string[]): Response {
  if (setCookies.length === 0) return response
  const headers = new Headers(response.headers)
  for (const cookie of setCookies) headers.append('set-cookie', cookie)
  headers.set('cache-control', 'no-store')
  return new Response(response.body, { status: response.status, headers })
}
