import type { Latchkey } from '@latchkey/server'
import { type NextRequest, NextResponse } from 'next/server.js'
import { type GuardOptions, requestGuard } from './guard.ts'

export type ProxyOptions = GuardOptions

/**
 * Next's request interception (`proxy.ts`, Next 16; `middleware.ts` before): guards routes by
 * sign-in and role, and refreshes an expired or nearly expired access token before the page
 * renders, so server components see a valid session and the browser gets the new cookies on
 * this very response.
 *
 * @example
 * // proxy.ts
 * export const proxy = latchkeyProxy(latchkey, { protect: [{ path: '/admin', role: 'ADMIN' }] })
 * export const config = { matcher: ['/((?!_next/|favicon.ico).*)'] }
 */
export function latchkeyProxy(latchkey: Latchkey, options: ProxyOptions = {}) {
  const guard = requestGuard(latchkey, options)
  return async function proxy(request: NextRequest | Request): Promise<Response> {
    const verdict = await guard(request)
    if ('respond' in verdict) return verdict.respond
    const response = verdict.requestHeaders
      ? NextResponse.next({ request: { headers: verdict.requestHeaders } })
      : NextResponse.next()
    for (const cookie of verdict.setCookies) response.headers.append('set-cookie', cookie)
    // A response that carries a session's cookies is never stored by a shared cache.
    if (verdict.setCookies.length > 0) response.headers.set('cache-control', 'private, no-store')
    return response
  }
}
