import type { Browser } from 'playwright-core'
import { type Login, launchChromium, signIn } from './browser.ts'
import { Budget } from './budget.ts'
import { COOKIE_CHECKS } from './cookies.ts'
import { CORS_CHECKS } from './cors.ts'
import { asSession, CSRF_CHECKS } from './csrf.ts'
import { HEADER_CHECKS } from './headers.ts'
import { httpClient } from './http.ts'
import {
  type AuditContext,
  type AuditOptions,
  type Check,
  type ItemResult,
  notCheckable,
  type SignedIn,
} from './item.ts'
import { OIDC_CHECKS } from './oidc.ts'
import type { AuditReport } from './report.ts'
import { SESSION_CHECKS } from './session.ts'
import { deployment, HOSTILE_RETURN_TO } from './target.ts'
import { TOKEN_CHECKS } from './tokens.ts'

/**
 * Every check, in the order they run: the ones that only look first, then the ones that
 * change state — the CSRF check's control request (logout by default) ends the first session,
 * and the refresh and logout checks use up the second.
 */
export const CHECKS: Check[] = [
  ...HEADER_CHECKS,
  ...OIDC_CHECKS,
  ...COOKIE_CHECKS,
  ...CORS_CHECKS,
  ...TOKEN_CHECKS,
  ...CSRF_CHECKS,
  ...SESSION_CHECKS,
]

export interface RunOptions {
  login?: Login
  maxRequests: number
  env: NodeJS.ProcessEnv
  /** A Chromium already running (it stays open); else one is launched for the sign-ins. */
  browser?: Browser
}

const message = (error: unknown) => (error instanceof Error ? error.message : String(error))

/** Reads the session's CSRF token from the "me" answer when no cookie carried it. */
function csrfFromMe(session: SignedIn, body: string): SignedIn {
  if (session.csrfToken) return session
  try {
    const token = (JSON.parse(body) as { csrfToken?: unknown }).csrfToken
    return typeof token === 'string' ? { ...session, csrfToken: token } : session
  } catch {
    return session
  }
}

export async function runAudit(options: AuditOptions, run: RunOptions): Promise<AuditReport> {
  const budget = new Budget(run.maxRequests)
  const send = httpClient(budget)
  const ctx: AuditContext = { options, send, deployment: deployment(options, send) }
  const errors: string[] = []
  try {
    await ctx.deployment.appPage()
  } catch (error) {
    errors.push(`${options.appUrl} did not answer: ${message(error)}`)
  }
  if (run.login && errors.length === 0) {
    try {
      const browser = run.browser ?? (await launchChromium(run.env))
      try {
        const common = {
          appUrl: options.appUrl,
          loginPath: options.paths.login,
          login: run.login,
          budget,
        }
        // The first sign-in starts with the hostile return address, unless the app refused
        // it up front (then there is nothing more to see, and the sign-in could not start).
        const probe = await ctx.deployment.returnToProbe()
        const refused = probe.status >= 400 && probe.status < 500
        const a = await signIn(browser, {
          ...common,
          ...(refused
            ? {}
            : { returnTo: { param: options.returnParam, value: HOSTILE_RETURN_TO } }),
        })
        const b = await signIn(browser, common)
        const meA = await asSession(ctx, a.cookies, 'GET', options.paths.me)
        const meB = await asSession(ctx, b.cookies, 'GET', options.paths.me)
        if (meA.status !== 200 || meB.status !== 200)
          throw new Error(
            `"me" did not recognise the session (${meA.status}, ${meB.status}): wrong credentials or --me-path?`,
          )
        ctx.sessions = [csrfFromMe(a, meA.body), csrfFromMe(b, meB.body)]
        ctx.signedInMe = meA
      } finally {
        if (!run.browser) await browser.close()
      }
    } catch (error) {
      errors.push(`sign-in failed: ${message(error).split('\n')[0]}`)
    }
  }
  const items: ItemResult[] = []
  for (const { run: check, ...item } of CHECKS) {
    let result: Awaited<ReturnType<typeof check>>
    try {
      result = await check.call({ ...item, run: check }, ctx)
    } catch (error) {
      result = notCheckable(`could not be checked: ${message(error)}`)
    }
    items.push({ ...item, ...result })
  }
  return {
    app: options.appUrl,
    idp: (await ctx.deployment.issuer().catch(() => undefined)) ?? null,
    signedIn: ctx.sessions !== undefined,
    items,
    errors,
    requests: { used: budget.used, max: budget.max },
  }
}
