import type { Reply } from './http.ts'
import {
  type AuditContext,
  appPath,
  type Check,
  describe,
  fail,
  notCheckable,
  pass,
} from './item.ts'
import { type Cookie, cookieHeader, csrfCookie, withValue } from './jar.ts'

export const FOREIGN_ORIGIN = 'https://evil.example'

/** A request the way the app's own page would send it, with the session's cookies. */
export function asSession(
  ctx: AuditContext,
  cookies: Cookie[],
  method: string,
  path: string,
  headers: Record<string, string | undefined> = {},
): Promise<Reply> {
  const url = appPath(ctx.options, path)
  const cookie = cookieHeader(cookies, url)
  const all: Record<string, string | undefined> = {
    origin: new URL(ctx.options.appUrl).origin,
    'sec-fetch-site': 'same-origin',
    cookie: cookie || undefined,
    ...headers,
  }
  // `undefined` leaves a header out: the no-Origin probe.
  const sent = Object.entries(all).filter((e): e is [string, string] => e[1] !== undefined)
  return ctx.send(url, { method, headers: Object.fromEntries(sent) })
}

const accepted = (reply: Reply) => reply.status >= 200 && reply.status < 400

/**
 * CSRF on a state-changing request (OWASP CSRF Prevention Cheat Sheet), four forged variants
 * and then the genuine request as the control: all four must be refused while the control
 * is accepted, or the refusals say nothing. With the default target (logout) the control
 * ends the first session, so this runs after every other use of it.
 */
export const csrf: Check = {
  id: 'csrf',
  family: 'csrf',
  title: 'State-changing requests need the session’s CSRF token and a same-site origin',
  fix: 'Require an X-CSRF-Token header bound to the session (HMAC of the session id, compared in constant time) on POST/PUT/PATCH/DELETE, and refuse a foreign Origin or Sec-Fetch-Site: cross-site.',
  async run(ctx) {
    const [a, b] = ctx.sessions ?? []
    if (!a || !b) return notCheckable('needs a sign-in (--login or --login-script)')
    const own = a.csrfToken
    const other = b.csrfToken
    if (!own || !other)
      return notCheckable('no CSRF token found (no *csrf* cookie, no csrfToken in "me")')
    const { method, path } = ctx.options.csrfTarget
    const name = ctx.options.csrfHeader.toLowerCase()
    const cookieName = csrfCookie(a.cookies)?.name
    const probes: [string, () => Promise<Reply>][] = [
      ['without a CSRF token', () => asSession(ctx, a.cookies, method, path)],
      [
        "with another session's CSRF token (header and cookie)",
        () =>
          asSession(
            ctx,
            cookieName ? withValue(a.cookies, cookieName, other) : a.cookies,
            method,
            path,
            {
              [name]: other,
            },
          ),
      ],
      [
        `from the foreign origin ${FOREIGN_ORIGIN}`,
        () =>
          asSession(ctx, a.cookies, method, path, {
            [name]: own,
            origin: FOREIGN_ORIGIN,
            'sec-fetch-site': 'cross-site',
          }),
      ],
      [
        'with Sec-Fetch-Site: cross-site and no Origin',
        () =>
          asSession(ctx, a.cookies, method, path, {
            [name]: own,
            origin: undefined,
            'sec-fetch-site': 'cross-site',
          }),
      ],
    ]
    const evidence: string[] = []
    for (const [what, probe] of probes) {
      const reply = await probe()
      // The first forgery that works is the finding; with logout as the target it has ended
      // the session, and later probes would prove nothing.
      if (accepted(reply)) return fail(`${what}: ${describe(reply)} (accepted)`)
      evidence.push(`${what}: ${describe(reply)}`)
    }
    const control = await asSession(ctx, a.cookies, method, path, { [name]: own })
    if (!accepted(control))
      return notCheckable(
        ...evidence,
        `control with the session's own token: ${describe(control)} — refused too, so the refusals prove nothing`,
      )
    return pass(...evidence, `control with the session's own token: ${describe(control)}`)
  },
}

export const CSRF_CHECKS = [csrf]
