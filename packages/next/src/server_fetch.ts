import type { AuthContext, Latchkey } from '@latchkey/server'
import { cookieHeaderAfter } from './cookies.ts'
import { refreshSession } from './refresh.ts'
import { type HeadersLike, requestFrom } from './request.ts'

export interface ServerFetchOptions {
  /**
   * The origins that may receive the user's access token: the app's own API backends. A URL
   * elsewhere is refused, so a token never reaches a party it was not meant for (RFC 6750 §5.2).
   */
  apis: string[]
  /**
   * How the token is sent: `bearer` (RFC 6750 §2.1, an `Authorization` header) for APIs that
   * take one, or `cookie` (the access cookie's name, as a Latchkey cookie-mode backend on the
   * same audience reads it).
   * @default 'bearer'
   */
  as?: 'bearer' | 'cookie'
}

/**
 * `fetch` for server components, route handlers and actions calling the app's API backend
 * as the signed-in user: it sends the user's access token and nothing else of the incoming
 * request (not its cookies, which belong to this app), and answers a 401 by refreshing the
 * session once and trying again. The refresh happens on the server: in session mode the
 * browser's session cookie stays as it is, so nothing has to reach the browser.
 */
export function serverFetcher(
  latchkey: Latchkey,
  reader: {
    context: () => Promise<AuthContext | null>
    replace: (auth: AuthContext) => Promise<unknown>
  },
  readHeaders: () => Promise<HeadersLike>,
  options: ServerFetchOptions,
) {
  const apis = new Set(options.apis.map((api) => new URL(api).origin))
  const carrying = (init: RequestInit, token: string | undefined) => {
    const headers = new Headers(init.headers)
    headers.delete('authorization')
    headers.delete('cookie')
    if (token && options.as === 'cookie')
      headers.set('cookie', `${latchkey.cookieNames.access}=${token}`)
    else if (token) headers.set('authorization', `Bearer ${token}`)
    // The token never follows a redirect: the caller sees it and decides.
    return {
      ...init,
      headers,
      redirect: init.redirect ?? ('manual' as const),
      cache: 'no-store' as const,
    }
  }

  return async function serverFetch(
    input: string | URL,
    init: RequestInit = {},
  ): Promise<Response> {
    const url = new URL(input)
    if (!apis.has(url.origin))
      throw new TypeError(
        `@latchkey/next: serverFetch sends credentials only to the configured apis, not to ${url.origin}`,
      )
    const auth = await reader.context()
    const response = await fetch(url, carrying(init, auth?.accessToken))
    // A body that is a stream cannot be sent twice.
    if (response.status !== 401 || !auth || init.body instanceof ReadableStream) return response
    const headers = await readHeaders()
    const request = requestFrom(headers, latchkey.origin)
    const refreshed = await refreshSession(latchkey, request)
    if (!refreshed.ok) return response
    const renewed = new Headers(request.headers)
    renewed.set(
      'cookie',
      cookieHeaderAfter(request.headers.get('cookie'), refreshed.setCookies, '/'),
    )
    let again: AuthContext
    try {
      again = await latchkey.authenticate(new Request(request.url, { headers: renewed }))
    } catch {
      return response
    }
    await reader.replace(again)
    await response.body?.cancel()
    return fetch(url, carrying(init, again.accessToken))
  }
}
