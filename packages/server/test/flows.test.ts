import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { HttpBrowser } from '../../../test/support/http_browser.ts'
import { call, signIn } from './fixtures/login.ts'
import {
  ADAPTERS,
  startBackend,
  startIdp,
  type TestBackend,
  type TestIdp,
} from './fixtures/stack.ts'

const MODES = ['cookie', 'session'] as const

describe.each(ADAPTERS.flatMap((adapter) => MODES.map((mode) => [adapter, mode] as const)))(
  '%s adapter, %s mode: the seeds flows',
  (adapter, mode) => {
    let t: TestIdp
    let backend: TestBackend

    beforeAll(async () => {
      t = await startIdp()
      backend = await startBackend(t, adapter, { mode, refreshGraceSeconds: 2 })
    })
    afterAll(async () => {
      await backend.close()
      await t.close()
    })

    it('logs in, sets the contract cookies and redirects to returnTo', async () => {
      const { browser } = await signIn(backend.url)
      const names = [...browser.cookies.keys()]
      if (mode === 'cookie') {
        expect(names).toEqual(
          expect.arrayContaining([
            '__Host-access_token',
            '__Secure-refresh_token',
            '__Host-csrf_token',
          ]),
        )
        const access = browser.setCookies.find((c) => c.startsWith('__Host-access_token='))
        expect(access).toMatch(/HttpOnly/)
        expect(access).toMatch(/Secure/)
        expect(access).toMatch(/SameSite=Lax/)
        expect(access).toMatch(/Path=\/;/)
        const refresh = browser.setCookies.find((c) => c.startsWith('__Secure-refresh_token='))
        expect(refresh).toMatch(/Path=\/auth\/refresh/)
        expect(refresh).toMatch(/SameSite=Strict/)
        expect(refresh).toMatch(/Max-Age=604800/)
      } else {
        expect(names).toEqual(expect.arrayContaining(['__Host-session', '__Host-csrf_token']))
        expect(names).not.toContain('__Host-access_token')
      }
      const csrf = browser.setCookies.find((c) => c.startsWith('__Host-csrf_token='))
      expect(csrf).not.toMatch(/HttpOnly/)
    })

    it('serves /auth/me and a protected route when signed in, and 401 unauthenticated when not', async () => {
      const { browser, csrfToken } = await signIn(backend.url)
      const me = await call(browser, `${backend.url}/auth/me`)
      expect(me.status).toBe(200)
      expect(me.headers.get('cache-control')).toBe('no-store')
      expect(me.headers.get('x-content-type-options')).toBe('nosniff')
      expect(await me.json()).toMatchObject({
        user: { name: 'alice', email: 'alice@example.com', roles: ['USER'] },
        csrfToken,
      })
      const refused = await call(new HttpBrowser(), `${backend.url}/api/me`)
      expect(refused.headers.get('x-content-type-options')).toBe('nosniff')
      expect(await (await call(browser, `${backend.url}/api/me`)).json()).toMatchObject({
        roles: ['USER'],
      })
      const anonymous = await fetch(`${backend.url}/api/me`)
      expect(anonymous.status).toBe(401)
      expect(await anonymous.json()).toMatchObject({ error: 'unauthenticated' })
    })

    it('requires the CSRF header on unsafe methods and the role on admin routes', async () => {
      const { browser, csrfToken } = await signIn(backend.url)
      const without = await call(browser, `${backend.url}/api/items`, { method: 'POST' })
      expect(without.status).toBe(403)
      expect(await without.json()).toMatchObject({ error: 'csrf_failed' })
      expect(
        (await call(browser, `${backend.url}/api/items`, { method: 'POST', csrf: `${csrfToken}x` }))
          .status,
      ).toBe(403)
      expect(
        (await call(browser, `${backend.url}/api/items`, { method: 'POST', csrf: csrfToken }))
          .status,
      ).toBe(201)
      const admin = await call(browser, `${backend.url}/api/admin`)
      expect(admin.status).toBe(403)
      expect(await admin.json()).toMatchObject({ error: 'forbidden' })
    })

    it('refreshes: 50 parallel refreshes all succeed with one rotation at the IdP', async () => {
      const { browser } = await signIn(backend.url)
      // Past the grace window of the login's own tokens, so a rotation is really due.
      await new Promise((resolve) => setTimeout(resolve, 2100))
      const before = t.rotations()
      const results = await Promise.all(
        Array.from({ length: 50 }, () =>
          call(browser, `${backend.url}/auth/refresh`, { method: 'POST' }),
        ),
      )
      expect(results.map((r) => r.status)).toEqual(Array(50).fill(200))
      expect(t.rotations() - before).toBe(1)
      expect((await call(browser, `${backend.url}/api/me`)).status).toBe(200)
    })

    it('logs out: CSRF-checked, cookies cleared, the old access refused, a logout URL returned', async () => {
      const { browser, csrfToken } = await signIn(backend.url)
      const oldCookies = browser.cookieHeader(`${backend.url}/api/me`)
      expect((await call(browser, `${backend.url}/auth/logout`, { method: 'POST' })).status).toBe(
        403,
      )
      const out = await call(browser, `${backend.url}/auth/logout`, {
        method: 'POST',
        csrf: csrfToken,
      })
      expect(out.status).toBe(200)
      expect((await out.json()).logoutUrl).toMatch(new RegExp(`^${t.issuer}/session/end\\?`))
      const cleared = out.headers.getSetCookie()
      for (const name of mode === 'cookie'
        ? ['__Host-access_token', '__Secure-refresh_token', '__Host-csrf_token']
        : ['__Host-session', '__Host-csrf_token']) {
        expect(cleared.find((c) => c.startsWith(`${name}=;`))).toMatch(/Max-Age=0/)
      }
      const replay = await fetch(`${backend.url}/api/me`, { headers: { cookie: oldCookies } })
      expect(replay.status).toBe(401)
    })
  },
)
