import type { ErrorBody, Latchkey } from '@latchkey/server'
import { type Failure, failureOf } from './failure.ts'

export type Refreshed =
  | { ok: true; setCookies: string[] }
  | { ok: false; failure: Failure; setCookies: string[] }

/**
 * Refreshes the caller's session on the server, through the core's own `POST /auth/refresh`
 * — the same endpoint, grace window and reuse rules the browser's refresh goes through, so
 * concurrent requests of one user (in this process or another) share one rotation at the IdP
 * (RFC 9700 §4.14.2). The request is this server calling itself: it carries the caller's
 * cookies and this app's own Origin, which is what the endpoint's CSRF rule asks of a
 * same-origin caller. Answers the Set-Cookie headers the browser must get (the refreshed
 * cookies, or every auth cookie cleared when the IdP refused).
 */
export async function refreshSession(latchkey: Latchkey, request: Request): Promise<Refreshed> {
  const headers = new Headers({ origin: latchkey.origin })
  const cookie = request.headers.get('cookie')
  if (cookie) headers.set('cookie', cookie)
  let response: Response | undefined
  try {
    response = await latchkey.handle(
      new Request(new URL('/auth/refresh', latchkey.origin), { method: 'POST', headers }),
    )
  } catch (error) {
    return { ok: false, failure: failureOf(error), setCookies: [] }
  }
  if (!response) throw new Error('@latchkey/next: the core did not answer /auth/refresh')
  const setCookies = response.headers.getSetCookie()
  if (response.ok) {
    await response.body?.cancel()
    return { ok: true, setCookies }
  }
  const body = (await response.json().catch(() => ({}))) as Partial<ErrorBody>
  return {
    ok: false,
    failure: {
      code: body.error ?? 'server_error',
      status: response.status,
      message: body.message ?? 'the refresh failed',
    },
    setCookies,
  }
}
