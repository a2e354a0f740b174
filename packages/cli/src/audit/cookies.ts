import { type Check, notCheckable, pass, redactCookie, type SignedIn, verdict } from './item.ts'
import {
  accessCookie,
  type Cookie,
  isCredentialCookie,
  isCsrfCookie,
  parseAttributes,
  refreshCookie,
} from './jar.ts'
import { containsJwt, decodeJwt } from './jwt.ts'

/** A cookie as its Set-Cookie line said it (the browser's view when no line was seen). */
interface Seen {
  cookie: Cookie
  line?: string
  httpOnly: boolean
  secure: boolean
  sameSite?: string
  path: string
  domain?: string
  /** Seconds from the sign-in; undefined for a session cookie. */
  lifetime?: number
}

function seen(session: SignedIn, cookie: Cookie): Seen {
  const line = session.setCookies.findLast((l) => l.split('=')[0]?.trim() === cookie.name)
  if (!line)
    return {
      cookie,
      httpOnly: cookie.httpOnly,
      secure: cookie.secure,
      sameSite: cookie.sameSite,
      path: cookie.path,
      domain: cookie.domain.startsWith('.') ? cookie.domain : undefined,
      lifetime: cookie.expires < 0 ? undefined : cookie.expires - Date.now() / 1000,
    }
  const attrs = parseAttributes(line.split(';').slice(1))
  return {
    cookie,
    line,
    httpOnly: attrs.httponly !== undefined,
    secure: attrs.secure !== undefined,
    sameSite: attrs.samesite,
    path: attrs.path ?? '/',
    domain: attrs.domain,
    lifetime: attrs.expires === undefined ? undefined : attrs.expires - Date.now() / 1000,
  }
}

/** The first session's credential cookies (and the CSRF cookie, where `withCsrf`). */
const cookiesOf = (session: SignedIn, withCsrf: boolean) =>
  session.cookies
    .filter((c) => isCredentialCookie(c) || (withCsrf && isCsrfCookie(c)))
    .map((c) => seen(session, c))

const show = (s: Seen) =>
  (s.line && redactCookie(s.line)) ??
  `${s.cookie.name} (Path=${s.path}${s.httpOnly ? '; HttpOnly' : ''}${s.secure ? '; Secure' : ''}; SameSite=${s.sameSite ?? 'unset'})`

/** A check of every credential cookie of the first sign-in, one predicate per cookie. */
function perCookie(
  check: Omit<Check, 'run'>,
  withCsrf: boolean,
  bad: (s: Seen) => string | undefined,
): Check {
  return {
    ...check,
    async run(ctx) {
      const session = ctx.sessions?.[0]
      if (!session) return notCheckable('needs a sign-in (--login or --login-script)')
      const cookies = cookiesOf(session, withCsrf)
      if (cookies.length === 0) return notCheckable('the app set no credential cookie')
      const failures = cookies.flatMap((s) => {
        const problem = bad(s)
        return problem ? [`${show(s)}: ${problem}`] : []
      })
      return verdict(failures, cookies.map(show))
    },
  }
}

export const httpOnly: Check = {
  id: 'cookie.httponly',
  family: 'cookies',
  title: 'Token and session cookies are HttpOnly; no token readable by script',
  fix: 'Set HttpOnly on every cookie holding a token or session id; only the CSRF token may be readable by script.',
  async run(ctx) {
    const session = ctx.sessions?.[0]
    const base = await perCookie(this, false, (s) =>
      s.httpOnly ? undefined : 'readable by script (no HttpOnly)',
    ).run(ctx)
    if (!session || base.status !== 'pass') return base
    // What a script on the app's page reads: nothing that is a token.
    return containsJwt(session.documentCookie)
      ? verdict([`document.cookie on ${session.landedAt} holds a JWT`], [])
      : pass(...base.evidence, 'document.cookie holds no token')
  },
}

export const secure = perCookie(
  {
    id: 'cookie.secure',
    family: 'cookies',
    title: 'Authentication cookies are Secure',
    fix: 'Set Secure on every authentication cookie (browsers accept it on http://localhost too).',
  },
  true,
  (s) => (s.secure ? undefined : 'no Secure attribute'),
)

export const sameSite = perCookie(
  {
    id: 'cookie.samesite',
    family: 'cookies',
    title: 'Authentication cookies have SameSite=Lax or Strict',
    fix: 'Set SameSite=Lax on the access and CSRF cookies and SameSite=Strict on the refresh cookie; never rely on the browser default.',
  },
  true,
  (s) =>
    /^(lax|strict)$/i.test(s.sameSite ?? '')
      ? undefined
      : `SameSite=${s.sameSite || 'unset'} (sent on cross-site requests or left to the browser)`,
)

export const prefix = perCookie(
  {
    id: 'cookie.prefix',
    family: 'cookies',
    title: 'Authentication cookies carry the __Host- or __Secure- prefix',
    fix: 'Name the cookies __Host-… (Path=/, no Domain) or __Secure-… (RFC 6265bis §4.1.3) so a sibling subdomain or plain-HTTP page cannot plant them.',
  },
  true,
  (s) => {
    const name = s.cookie.name
    if (name.startsWith('__Host-'))
      return s.path === '/' && !s.domain
        ? undefined
        : '__Host- with a Path other than / or a Domain'
    return name.startsWith('__Secure-') ? undefined : 'no __Host- or __Secure- prefix'
  },
)

export const refreshPath: Check = {
  id: 'cookie.refresh-path',
  family: 'cookies',
  title: 'The refresh-token cookie is sent to the refresh endpoint only',
  fix: 'Set Path to the refresh endpoint (e.g. Path=/auth/refresh) on the refresh-token cookie, so no other request carries it.',
  async run(ctx) {
    const session = ctx.sessions?.[0]
    if (!session) return notCheckable('needs a sign-in (--login or --login-script)')
    const cookie = refreshCookie(session.cookies)
    if (!cookie) return notCheckable('no refresh-token cookie (none named *refresh*)')
    const s = seen(session, cookie)
    const endpoint = ctx.options.paths.refresh
    return s.path !== '/' && endpoint.startsWith(s.path)
      ? pass(show(s))
      : verdict([`${show(s)}: Path=${s.path} sends it on requests other than ${endpoint}`], [])
  },
}

const SLACK = 60
const THIRTY_DAYS = 30 * 86_400

export const lifetime: Check = {
  id: 'cookie.lifetime',
  family: 'cookies',
  title: 'Cookie lifetimes match the token lifetimes',
  fix: "Give every authentication cookie a Max-Age: the access cookie no longer than its token's exp, the refresh cookie 30 days at most.",
  async run(ctx) {
    const session = ctx.sessions?.[0]
    if (!session) return notCheckable('needs a sign-in (--login or --login-script)')
    const cookies = cookiesOf(session, false)
    if (cookies.length === 0) return notCheckable('the app set no credential cookie')
    const access = accessCookie(session.cookies)
    const refresh = refreshCookie(session.cookies)
    const failures: string[] = []
    const looked: string[] = []
    for (const s of cookies) {
      if (s.lifetime === undefined) {
        failures.push(`${show(s)}: no Max-Age or Expires`)
        continue
      }
      looked.push(`${s.cookie.name}: ${Math.round(s.lifetime)} s`)
      const exp = decodeJwt(s.cookie.value)?.payload.exp
      if (s.cookie === access && typeof exp === 'number') {
        const left = exp - Date.now() / 1000
        if (s.lifetime > left + SLACK)
          failures.push(
            `${s.cookie.name}: kept ${Math.round(s.lifetime)} s, its token expires in ${Math.round(left)} s`,
          )
      }
      if (s.cookie === refresh && s.lifetime > THIRTY_DAYS + SLACK)
        failures.push(`${s.cookie.name}: kept ${Math.round(s.lifetime / 86_400)} days`)
    }
    return verdict(failures, looked)
  },
}

/** Key names and values that hold tokens in web storage. */
const TOKEN_KEY = /token|jwt|refresh|bearer|access/i

export const storage: Check = {
  id: 'storage.tokens',
  family: 'cookies',
  title: 'No token in localStorage or sessionStorage',
  fix: 'Keep tokens in HttpOnly cookies (or on the server); any script on the page can read web storage (XSS).',
  async run(ctx) {
    const session = ctx.sessions?.[0]
    if (!session) return notCheckable('needs a sign-in (--login or --login-script)')
    const found = session.storage
      .filter((e) => containsJwt(e.value) || (TOKEN_KEY.test(e.key) && e.value.length >= 16))
      .map((e) => `${e.area}["${e.key}"] on ${session.landedAt} holds a token`)
    return verdict(found, [
      `${session.storage.length} web storage entries on ${session.landedAt}, none a token`,
    ])
  },
}

export const COOKIE_CHECKS = [httpOnly, secure, sameSite, prefix, refreshPath, lifetime, storage]
