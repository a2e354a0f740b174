import { header, isLoopbackHost, type Reply } from './http.ts'
import {
  type AuditContext,
  type Check,
  describe,
  fail,
  notCheckable,
  pass,
  verdict,
} from './item.ts'

/** The HTML documents a person sees: the app's page and the IdP's login screen. */
async function documents(ctx: AuditContext): Promise<[string, Reply][]> {
  const pages: [string, Reply | undefined][] = [
    ['app page', await ctx.deployment.appPage()],
    ['login screen', await ctx.deployment.loginScreen()],
  ]
  return pages.filter(
    (page): page is [string, Reply] =>
      page[1] !== undefined && /html/i.test(header(page[1], 'content-type') ?? ''),
  )
}

const ONE_YEAR = 31_536_000

export const https: Check = {
  id: 'transport.https',
  family: 'transport',
  title: 'The app and the IdP are served over HTTPS',
  fix: 'Serve every origin over HTTPS (TLS 1.2 or later) and redirect plain HTTP to it.',
  async run(ctx) {
    const origins = [ctx.options.appUrl, await ctx.deployment.issuer()].filter(
      (o): o is string => o !== undefined,
    )
    const plain = origins.map((o) => new URL(o)).filter((u) => u.protocol !== 'https:')
    const remote = plain.filter((u) => !isLoopbackHost(u.hostname))
    if (remote.length > 0) return fail(...remote.map((u) => `${u.origin} is plain HTTP`))
    if (plain.length > 0)
      return notCheckable(
        ...plain.map((u) => `${u.origin} is plain HTTP on loopback (development only)`),
      )
    return pass(...origins.map((o) => `${new URL(o).origin} is HTTPS`))
  },
}

export const hsts: Check = {
  id: 'headers.hsts',
  family: 'headers',
  title: 'HSTS on HTTPS responses (RFC 6797)',
  fix: 'Send Strict-Transport-Security: max-age=31536000; includeSubDomains on every HTTPS response.',
  async run(ctx) {
    const pages = (await documents(ctx)).filter(([, r]) => r.url.startsWith('https:'))
    if (pages.length === 0) return notCheckable('no page was served over HTTPS')
    const failures = pages
      .filter(([, r]) => {
        const age = /max-age\s*=\s*"?(\d+)/i.exec(header(r, 'strict-transport-security') ?? '')
        return !age || Number(age[1]) < ONE_YEAR
      })
      .map(([what, r]) => `${what}: ${describe(r, ['strict-transport-security'])}`)
    return verdict(
      failures,
      pages.map(([what, r]) => `${what}: ${describe(r, ['strict-transport-security'])}`),
    )
  },
}

export const noStore: Check = {
  id: 'headers.no-store',
  family: 'headers',
  title: 'Cache-Control: no-store on authentication responses',
  fix: 'Send Cache-Control: no-store on the login, callback, refresh, logout and "me" responses and on the login screen.',
  async run(ctx) {
    const { deployment } = ctx
    const replies = [
      await deployment.loginRedirect(),
      await deployment.me(),
      await deployment.loginScreen(),
      ctx.signedInMe,
    ].filter((r): r is Reply => r !== undefined)
    const failures = replies
      .filter((r) => !/no-store/i.test(header(r, 'cache-control') ?? ''))
      .map((r) => describe(r, ['cache-control']))
    return verdict(
      failures,
      replies.map((r) => describe(r, ['cache-control'])),
    )
  },
}

/** CSP Level 3 `frame-ancestors`, or the older X-Frame-Options (RFC 7034). */
const refusesFraming = (r: Reply) =>
  /frame-ancestors\s+('none'|'self')/i.test(header(r, 'content-security-policy') ?? '') ||
  /^(deny|sameorigin)$/i.test(header(r, 'x-frame-options') ?? '')

export const framing: Check = {
  id: 'headers.csp',
  family: 'headers',
  title: 'A Content-Security-Policy with frame-ancestors on the login screen and the app',
  fix: "Send Content-Security-Policy with at least frame-ancestors 'none' (or 'self') and a script-src on the login screen and the app's pages.",
  async run(ctx) {
    const pages = await documents(ctx)
    if (pages.length === 0) return notCheckable('no HTML page was reached')
    const failures = pages
      .filter(([, r]) => !header(r, 'content-security-policy') || !refusesFraming(r))
      .map(([what, r]) => `${what}: ${describe(r, ['content-security-policy', 'x-frame-options'])}`)
    return verdict(
      failures,
      pages.map(([what, r]) => `${what}: ${describe(r, ['content-security-policy'])}`),
    )
  },
}

export const nosniff: Check = {
  id: 'headers.nosniff',
  family: 'headers',
  title: 'X-Content-Type-Options: nosniff on the pages',
  fix: 'Send X-Content-Type-Options: nosniff on every response.',
  async run(ctx) {
    const pages = await documents(ctx)
    if (pages.length === 0) return notCheckable('no HTML page was reached')
    const failures = pages
      .filter(([, r]) => header(r, 'x-content-type-options')?.toLowerCase() !== 'nosniff')
      .map(([what, r]) => `${what}: ${describe(r, ['x-content-type-options'])}`)
    return verdict(
      failures,
      pages.map(([what, r]) => `${what}: ${describe(r, ['x-content-type-options'])}`),
    )
  },
}

// The policies that never send a path or query (where codes and state ride) to another origin.
const SAFE_REFERRER = /^(no-referrer|same-origin|strict-origin|strict-origin-when-cross-origin)$/i

export const referrer: Check = {
  id: 'headers.referrer-policy',
  family: 'headers',
  title: 'A Referrer-Policy that keeps URLs on their origin',
  fix: 'Send Referrer-Policy: no-referrer (login screen) or strict-origin-when-cross-origin (app).',
  async run(ctx) {
    const pages = await documents(ctx)
    if (pages.length === 0) return notCheckable('no HTML page was reached')
    // The last policy a browser understands wins (Referrer Policy §8.1).
    const policy = (r: Reply) => header(r, 'referrer-policy')?.split(',').at(-1)?.trim() ?? ''
    const failures = pages
      .filter(([, r]) => !SAFE_REFERRER.test(policy(r)))
      .map(([what, r]) => `${what}: ${describe(r, ['referrer-policy'])}`)
    return verdict(
      failures,
      pages.map(([what, r]) => `${what}: ${describe(r, ['referrer-policy'])}`),
    )
  },
}

export const HEADER_CHECKS = [https, hsts, noStore, framing, nosniff, referrer]
