import { asSession } from './csrf.ts'
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
import { accessCookie, applySetCookies, type Cookie, refreshCookie } from './jar.ts'

const ok = (reply: Reply) => reply.status >= 200 && reply.status < 300

/**
 * The second session's refresh, once, shared by the rotation and reuse checks: the cookies
 * before and after it. The first session is the CSRF check's (which may end it).
 */
const rotations = new WeakMap<AuditContext, Promise<Rotation | undefined>>()

interface Rotation {
  before: Cookie[]
  after: Cookie[]
  reply: Reply
  name: string
}

function rotate(ctx: AuditContext): Promise<Rotation | undefined> {
  let rotation = rotations.get(ctx)
  if (!rotation) {
    rotation = (async () => {
      const session = ctx.sessions?.[1]
      const cookie = session && refreshCookie(session.cookies)
      if (!session || !cookie) return undefined
      const reply = await refreshWith(ctx, session.cookies, session.csrfToken)
      const url = appPath(ctx.options, ctx.options.paths.refresh)
      const after = applySetCookies(session.cookies, reply.setCookies, url)
      return { before: session.cookies, after, reply, name: cookie.name }
    })()
    rotations.set(ctx, rotation)
  }
  return rotation
}

const refreshWith = (ctx: AuditContext, cookies: Cookie[], csrfToken: string | undefined) =>
  asSession(ctx, cookies, 'POST', ctx.options.paths.refresh, {
    [ctx.options.csrfHeader.toLowerCase()]: csrfToken,
  })

const cookieValue = (cookies: Cookie[], name: string) => cookies.find((c) => c.name === name)?.value

export const rotation: Check = {
  id: 'refresh.rotation',
  family: 'tokens',
  title: 'Each refresh returns a new refresh token (rotation, RFC 9700 §4.14.2)',
  fix: 'Rotate refresh tokens at every use and keep the old one as evidence of reuse.',
  async run(ctx) {
    if (!ctx.sessions) return notCheckable('needs a sign-in (--login or --login-script)')
    const r = await rotate(ctx)
    if (!r) return notCheckable('no refresh-token cookie (none named *refresh*)')
    const line = `${describe(r.reply)}`
    if (!ok(r.reply)) return notCheckable(`the refresh was refused: ${line}`)
    const before = cookieValue(r.before, r.name)
    const after = cookieValue(r.after, r.name)
    return after && after !== before
      ? pass(`${line}, ${r.name} replaced`)
      : fail(`${line}, ${r.name} ${after ? 'unchanged' : 'not set again'}`)
  },
}

export const reuse: Check = {
  id: 'refresh.reuse',
  family: 'tokens',
  title: 'A replayed refresh token mints nothing new (reuse detection)',
  fix: 'Refuse an already-used refresh token and revoke its whole family (RFC 9700 §4.14.2); a short grace window may only repeat the first result.',
  async run(ctx) {
    if (!ctx.sessions) return notCheckable('needs a sign-in (--login or --login-script)')
    const r = await rotate(ctx)
    if (!r || !ok(r.reply)) return notCheckable('no rotation to replay (refresh.rotation)')
    const replay = await refreshWith(ctx, r.before, ctx.sessions[1].csrfToken)
    const line = `the old ${r.name} again: ${describe(replay)}`
    if (!ok(replay)) return pass(line)
    const minted = applySetCookies(r.before, replay.setCookies, replay.url)
    // A grace window for concurrent tabs repeats the first rotation's tokens: nothing new.
    return cookieValue(minted, r.name) === cookieValue(r.after, r.name)
      ? pass(`${line}, the first rotation's tokens repeated (grace window for concurrent tabs)`)
      : fail(`${line} (a new token pair for a used refresh token)`)
  },
}

export const logout: Check = {
  id: 'logout.ends-session',
  family: 'tokens',
  title: 'Logout ends the session: replayed cookies are refused afterwards',
  fix: 'At logout, revoke the session server-side (and the refresh token at the IdP, RFC 7009) as well as clearing the cookies; refuse its access token from then on.',
  async run(ctx) {
    if (!ctx.sessions) return notCheckable('needs a sign-in (--login or --login-script)')
    // The second session, as the rotation left it.
    const cookies = (await rotate(ctx))?.after ?? ctx.sessions[1].cookies
    const me = () => asSession(ctx, cookies, 'GET', ctx.options.paths.me)
    const before = await me()
    if (before.status !== 200)
      return notCheckable(`the session was not live before logout: ${describe(before)}`)
    const out = await asSession(ctx, cookies, 'POST', ctx.options.paths.logout, {
      [ctx.options.csrfHeader.toLowerCase()]: ctx.sessions[1].csrfToken,
    })
    if (out.status >= 400) return notCheckable(`logout was refused: ${describe(out)}`)
    const failures: string[] = []
    const evidence = [`logout: ${describe(out)}`]
    const after = await me()
    const access = accessCookie(cookies)?.name ?? 'the session cookies'
    ;(after.status === 200 ? failures : evidence).push(
      `${access} replayed after logout: ${describe(after)}`,
    )
    if (refreshCookie(cookies)) {
      const refreshed = await refreshWith(ctx, cookies, ctx.sessions[1].csrfToken)
      ;(ok(refreshed) ? failures : evidence).push(
        `${refreshCookie(cookies)?.name} replayed after logout: ${describe(refreshed)}`,
      )
    }
    return failures.length > 0 ? fail(...failures) : pass(...evidence)
  },
}

export const SESSION_CHECKS = [rotation, reuse, logout]
