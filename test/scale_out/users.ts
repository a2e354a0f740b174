import { CSRF_HEADER } from '@latchkey/protocol'
import { HttpBrowser } from '../support/http_browser.ts'
import { boundFetch } from './bound_fetch.ts'
import { PASSWORD } from './cluster.ts'

/** A user's browser on the app behind nginx: sign-in, API calls, refresh, logout. */
export class User extends HttpBrowser {
  readonly app: string
  readonly username: string

  constructor(app: string, username: string, send?: typeof fetch) {
    super(send)
    this.app = app
    this.username = username
  }

  /** The whole login: app → IdP sign-in form → IdP → app callback → /api/me. */
  async signIn(): Promise<Response> {
    const form = await this.follow(`${this.app}/auth/login?returnTo=/api/me`)
    if (form.response.status !== 200) return form.response
    const { response } = await this.submit(form, { username: this.username, password: PASSWORD })
    return response
  }

  me(base = this.app): Promise<Response> {
    return this.request(`${base}/api/me`)
  }

  refresh(): Promise<Response> {
    return this.request(`${this.app}/auth/refresh`, { method: 'POST' })
  }

  logout(): Promise<Response> {
    return this.request(`${this.app}/auth/logout`, {
      method: 'POST',
      headers: { [CSRF_HEADER]: this.cookies.get('__Host-csrf_token') ?? '' },
    })
  }

  /** The access JWT the app keeps in its HttpOnly cookie (cookie mode). */
  get accessToken(): string {
    return this.cookies.get('__Host-access_token') ?? ''
  }
}

/**
 * Signs users user-from … in, each from a loopback address of its own (127.0.1.x: one client
 * each, as the IdP's per-address sign-in limit expects); throws unless each reached /api/me.
 */
export async function signInAll(app: string, n: number, from = 0): Promise<User[]> {
  const users = Array.from(
    { length: n },
    (_, i) => new User(app, `user-${from + i}`, boundFetch(`127.0.1.${from + i + 1}`)),
  )
  const answers = await Promise.all(users.map((u) => u.signIn()))
  const refused = answers.find((r) => r.status !== 200)
  if (refused) {
    throw new Error(
      `sign-ins answered ${answers.map((r) => r.status).join(',')}: ${await refused.text()}`,
    )
  }
  return users
}

export interface LoadCounts {
  /** Requests the users sent (API calls and refreshes). */
  sent: number
  /** Answers other than 200, and requests that got no answer, by status ('network'). */
  errors: Record<string, number>
  /** Users signed out: a refresh answered 401 (the session ended), or the final check failed. */
  sessionsLost: number
  /** What the refreshes that signed a user out answered. */
  lostBecause: string[]
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * A bounded load: every user loops GET /api/me and, every `refreshEvery` calls (and after a
 * failed refresh, until one succeeds), POST /auth/refresh — one request at a time per user,
 * as one browser tab would. `stop()` ends it and checks that every user is still signed in.
 */
export function startLoad(users: User[], { refreshEvery = 8, gapMs = 15 } = {}) {
  const counts: LoadCounts = { sent: 0, errors: {}, sessionsLost: 0, lostBecause: [] }
  const lost = new Set<User>()
  let running = true
  const error = (key: string | number) => {
    counts.errors[key] = (counts.errors[key] ?? 0) + 1
  }
  const send = async (
    label: string,
    request: () => Promise<Response>,
  ): Promise<Response | undefined> => {
    counts.sent++
    try {
      const response = await request()
      const body = await response.text()
      if (response.status !== 200) error(response.status)
      if (response.status === 401) counts.lostBecause.push(`${label}: ${body}`)
      return response
    } catch {
      error('network')
      return undefined
    }
  }
  const loop = async (user: User) => {
    let owed = false // a refresh is due (the last one failed)
    for (let i = 1; running && !lost.has(user); i++) {
      const me = await send('me', () => user.me())
      if (me?.status === 401) owed = true
      if (owed || i % refreshEvery === 0) {
        const refreshed = await send('refresh', () => user.refresh())
        if (refreshed?.status === 401) lost.add(user)
        owed = refreshed?.status !== 200
        if (owed) await pause(100) // a failed refresh: try again, without hammering
      }
      await pause(gapMs)
    }
  }
  const loops = users.map(loop)
  return {
    counts,
    async stop(): Promise<LoadCounts> {
      running = false
      await Promise.all(loops)
      // Still signed in: the API answers, and the session still refreshes — once the parts
      // that were down answer again (a 502 while nginx waits out `fail_timeout` is an outage,
      // not a sign-out; a 401 is).
      for (const user of users) {
        if (lost.has(user)) continue
        const deadline = Date.now() + 20_000
        let me = await user.me()
        let refreshed = await user.refresh()
        while (refreshed.status >= 500 && Date.now() < deadline) {
          await pause(500)
          refreshed = await user.refresh()
        }
        if (refreshed.status === 200) me = await user.me()
        if (me.status !== 200 || refreshed.status !== 200) lost.add(user)
      }
      counts.sessionsLost = lost.size
      return counts
    },
  }
}
