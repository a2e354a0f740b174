import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import type { Session } from '../src/session.ts'
import { type NextLikeApp, signIn, startApp, startIdp, type TestIdp } from './fixtures.ts'

const TTL = 60

type Page = { session: Session | null; renderCookie: string | null }

/** Moves every clock in this process (the IdP's, the core's and jose's) forward. */
const advance = (seconds: number) => vi.setSystemTime(Date.now() + seconds * 1000)

describe('the proxy guard on the Fetch core (session mode)', () => {
  let t: TestIdp
  let app: NextLikeApp

  beforeAll(async () => {
    t = await startIdp({ accessTokenTtl: TTL })
    app = await startApp(
      t,
      {},
      { protect: [{ path: '/admin', role: 'ADMIN' }, { path: '/dashboard' }] },
    )
  })
  afterAll(async () => {
    await app?.close()
    await t?.close()
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('sends a signed-out navigation to sign in, with where it was going', async () => {
    const response = await fetch(`${app.url}/dashboard/notes?tab=2`, {
      headers: { accept: 'text/html', 'sec-fetch-mode': 'navigate' },
      redirect: 'manual',
    })
    expect(response.status).toBe(303)
    expect(response.headers.get('location')).toBe(
      `${app.url}/auth/login?returnTo=${encodeURIComponent('/dashboard/notes?tab=2')}`,
    )
  })

  it('answers a signed-out fetch of a protected route with the contract 401 JSON', async () => {
    const response = await fetch(`${app.url}/dashboard`)
    expect(response.status).toBe(401)
    expect(await response.json()).toMatchObject({ error: 'unauthenticated' })
  })

  it('lets an unprotected route through signed out, with no session', async () => {
    const response = await fetch(`${app.url}/about`)
    expect(((await response.json()) as Page).session).toBeNull()
  })

  it('refuses a role the user lacks with 403 forbidden, and lets the one who has it in', async () => {
    const alice = await signIn(app.url, 'alice')
    const refused = await alice.browser.request(`${app.url}/admin/users`)
    expect(refused.status).toBe(403)
    expect(await refused.json()).toMatchObject({ error: 'forbidden' })
    const bob = await signIn(app.url, 'bob')
    const page = (await (await bob.browser.request(`${app.url}/admin/users`)).json()) as Page
    expect(page.session?.user.roles).toContain('ADMIN')
  })

  it('renders a fresh session as it is: no refresh, no cookie change', async () => {
    const { browser } = await signIn(app.url, 'alice')
    const before = t.rotations()
    const response = await browser.request(`${app.url}/dashboard`)
    const page = (await response.json()) as Page
    expect(page.session?.user.sub).toBeTruthy()
    expect(page.renderCookie).toBeNull()
    expect(response.headers.getSetCookie()).toEqual([])
    expect(t.rotations()).toBe(before)
  })

  it('refreshes a nearly expired token before the page renders, which sees the new one', async () => {
    const { browser } = await signIn(app.url, 'alice')
    const first = (await (await browser.request(`${app.url}/dashboard`)).json()) as Page
    const before = t.rotations()
    vi.useFakeTimers({ toFake: ['Date'], shouldAdvanceTime: true })
    advance(TTL * 0.6) // past half its lifetime, not yet expired
    const page = (await (await browser.request(`${app.url}/dashboard`)).json()) as Page
    expect(t.rotations()).toBe(before + 1)
    expect(page.session?.expiresAt).toBeGreaterThan(first.session?.expiresAt ?? Infinity)
    expect(page.renderCookie).toContain('__Host-session=')
  })

  it('refreshes an expired token once for many parallel requests of one user (the grace window)', async () => {
    const { browser } = await signIn(app.url, 'alice')
    const first = (await (await browser.request(`${app.url}/dashboard`)).json()) as Page
    const before = t.rotations()
    vi.useFakeTimers({ toFake: ['Date'], shouldAdvanceTime: true })
    advance(TTL + 60) // beyond expiry and the verifier's clock tolerance
    const pages = (await Promise.all(
      Array.from({ length: 6 }, () =>
        browser.request(`${app.url}/dashboard`).then((r) => r.json()),
      ),
    )) as Page[]
    expect(t.rotations()).toBe(before + 1)
    const expiries = new Set(pages.map((p) => p.session?.expiresAt))
    expect(expiries.size).toBe(1)
    expect([...expiries][0]).toBeGreaterThan(first.session?.expiresAt ?? Infinity)
  })

  it('treats a session the IdP has ended as signed out', async () => {
    const { browser } = await signIn(app.url, 'alice')
    // Disabled at the IdP: its sessions and grants end, so the refresh is refused (or the
    // back-channel logout has already marked the session ended).
    await t.idp.disableAccount('alice')
    vi.useFakeTimers({ toFake: ['Date'], shouldAdvanceTime: true })
    advance(TTL + 60)
    const response = await browser.request(`${app.url}/dashboard`, {
      headers: { accept: 'text/html' },
    })
    expect(response.status).toBe(303)
    expect(response.headers.get('location')).toContain('/auth/login?returnTo=')
  })
})

describe('the proxy guard on the Fetch core (cookie mode)', () => {
  let t: TestIdp
  let app: NextLikeApp

  beforeAll(async () => {
    t = await startIdp({ accessTokenTtl: TTL })
    app = await startApp(t, { mode: 'cookie' }, { protect: [{ path: '/dashboard' }] })
  })
  afterAll(async () => {
    await app?.close()
    await t?.close()
  })

  it('cannot refresh on a page request (the refresh cookie is scoped to /auth/refresh), so sends the navigation to sign in', async () => {
    const { browser } = await signIn(app.url, 'alice')
    // What the browser does when the access cookie's Max-Age (the token's lifetime) runs out.
    browser.jar.delete('__Host-access_token')
    const before = t.rotations()
    const response = await browser.request(`${app.url}/dashboard`, {
      headers: { accept: 'text/html' },
    })
    expect(response.status).toBe(303)
    expect(response.headers.get('location')).toContain('/auth/login?returnTo=%2Fdashboard')
    expect(t.rotations()).toBe(before)
  })
})
