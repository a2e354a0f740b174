import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { launchChromium } from '../../../test/support/chromium.ts'
import { buildApps } from '../src/build_apps.ts'
import { ORIGINS } from '../src/origins.ts'
import { signInThroughScreens } from '../src/sign_in_page.ts'
import { type Stack, startStack } from '../src/stack.ts'

const SHOTS = join(import.meta.dirname, '../../../test-results/screenshots')
const ACCESS_TTL = 8

describe('the demo stack in Chromium, as `npm start` runs it', () => {
  let stack: Stack
  let browser: Browser
  let dataDir: string
  let last: Page | undefined
  const contexts: BrowserContext[] = []

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true })
    dataDir = mkdtempSync(join(tmpdir(), 'latchkey-demo-'))
    stack = await startStack({ distDir: await buildApps(), dataDir, accessTokenTtl: ACCESS_TTL })
    browser = await launchChromium()
  })
  afterAll(async () => {
    await browser?.close()
    await stack?.close()
    rmSync(dataDir, { recursive: true, force: true })
  })
  afterEach(async (ctx) => {
    await last?.screenshot({
      path: join(SHOTS, `${ctx.task.name.replaceAll(/[^a-z0-9]+/gi, '-').slice(0, 80)}.png`),
    })
    for (const c of contexts.splice(0)) await c.close()
    last = undefined
  })

  const newPage = async (context?: BrowserContext) => {
    const c = context ?? (await browser.newContext())
    if (!context) contexts.push(c)
    last = await c.newPage()
    return last
  }
  const account = (name: string) =>
    stack.seed.accounts.find((a) => a.username === name) as (typeof stack.seed.accounts)[number]

  const signIn = (page: Page, username: string) => signInThroughScreens(page, account(username))

  it('signs alice in with her password; the page holds no token and every cookie matches the contract', async () => {
    const page = await newPage()
    // A session id planted before login must not survive it (session fixation).
    await page
      .context()
      .addCookies([{ name: 'latchkey_session', value: 'planted-by-attacker', url: ORIGINS.idp }])
    await signIn(page, 'alice')
    await expect.poll(() => page.getByTestId('name').textContent()).toBe('Alice Admin')
    expect(await page.getByTestId('roles').textContent()).toContain('ADMIN')
    expect(await page.evaluate(() => document.cookie)).not.toMatch(/access_token|refresh_token/)
    const cookies = await page.context().cookies(ORIGINS.app)
    const byName = Object.fromEntries(cookies.map((c) => [c.name, c]))
    expect(byName['__Host-access_token']).toMatchObject({
      httpOnly: true,
      secure: true,
      sameSite: 'Lax',
      path: '/',
    })
    expect(byName['__Host-csrf_token']).toMatchObject({
      httpOnly: false,
      secure: true,
      sameSite: 'Lax',
      path: '/',
    })
    const refresh = (await page.context().cookies(`${ORIGINS.app}/auth/refresh`)).find(
      (c) => c.name === '__Secure-refresh_token',
    )
    expect(refresh).toMatchObject({
      httpOnly: true,
      secure: true,
      sameSite: 'Strict',
      path: '/auth/refresh',
    })
    const access = byName['__Host-access_token']
    expect(Math.round((access?.expires ?? 0) - Date.now() / 1000)).toBeLessThanOrEqual(ACCESS_TTL)
    const idpSession = (await page.context().cookies(ORIGINS.idp)).find(
      (c) => c.name === 'latchkey_session',
    )
    expect(idpSession?.value).not.toBe('planted-by-attacker')
    expect(idpSession).toMatchObject({ httpOnly: true, secure: true, sameSite: 'Lax' })
  })

  it('signs bob in with password + TOTP, and refuses him the admin app with a forbidden page', async () => {
    const page = await newPage()
    await signIn(page, 'bob')
    await expect.poll(() => page.getByTestId('name').textContent()).toBe('Bob User')
    await page.goto(ORIGINS.admin)
    await page.getByTestId('forbidden').waitFor()
  })

  it('signs alice into the admin app without a password (SSO), then single logout ends the app session too', async () => {
    const app = await newPage()
    await signIn(app, 'alice')
    const apiCookies = await app.context().cookies(ORIGINS.app)
    const admin = await newPage(app.context())
    await admin.goto(ORIGINS.admin)
    await admin.getByTestId('users').waitFor() // no password asked: the IdP session signed her in
    expect(await admin.getByTestId('users').textContent()).toContain('bob')
    await admin.getByTestId('sign-out').click()
    await admin.waitForURL(`${ORIGINS.idp}/session/end**`)
    await admin.getByRole('button', { name: 'Sign out', exact: true }).click()
    await admin.waitForURL(`${ORIGINS.admin}/**`)
    await admin.getByTestId('sign-in').waitFor()
    // The app tab learns it from its backend (back-channel logout) on its next check.
    last = app
    await app.getByTestId('session-ended').waitFor({ timeout: 20_000 })
    // The old cookies, replayed by hand, are refused.
    const cookie = apiCookies.map((c) => `${c.name}=${c.value}`).join('; ')
    // Replayed against both doors of the app's backend.
    for (const origin of [ORIGINS.app, ORIGINS.api]) {
      expect((await fetch(`${origin}/api/me`, { headers: { cookie } })).status).toBe(401)
    }
    const replay = await fetch(`${ORIGINS.app}/api/me`, { headers: { cookie } })
    expect(replay.status).toBe(401)
  })

  it('serves an API call after the access token expired through one transparent refresh, for 2 tabs x 20 requests', async () => {
    const tab1 = await newPage()
    await signIn(tab1, 'alice')
    const tab2 = await newPage(tab1.context())
    await tab2.goto(ORIGINS.app)
    await tab2.getByTestId('api-message').waitFor()
    const refreshes: string[] = []
    tab1.context().on('request', (request) => {
      if (request.url() === `${ORIGINS.app}/auth/refresh`) refreshes.push(request.url())
    })
    // Let the access token expire: its cookie leaves the jar with it (Max-Age = lifetime).
    // The burst starts the moment it is gone; the pages' own timers may get there first,
    // and then they share the one refresh too.
    const hasAccessCookie = async () =>
      (await tab1.context().cookies(ORIGINS.app)).some((c) => c.name === '__Host-access_token')
    const deadline = Date.now() + (ACCESS_TTL + 5) * 1000
    while ((await hasAccessCookie()) && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 50))
    expect(await hasAccessCookie()).toBe(false)
    const burst = (page: Page) =>
      page.evaluate(async (api) => {
        const client = (window as unknown as { latchkey: { fetch: typeof fetch } }).latchkey
        const responses = await Promise.all(
          Array.from({ length: 20 }, () => client.fetch(`${api}/api/me`)),
        )
        return responses.map((r) => r.status)
      }, ORIGINS.app)
    const [a, b] = await Promise.all([burst(tab1), burst(tab2)])
    expect([...a, ...b]).toEqual(Array(40).fill(200))
    expect(refreshes).toHaveLength(1)
    last = tab1
  })

  it('lists her sessions on "My sessions" and revokes another browser\'s, which is signed out', async () => {
    const phone = await newPage() // another context: another browser
    await signIn(phone, 'alice')
    const laptop = await newPage()
    await signIn(laptop, 'alice')
    await laptop.getByRole('link', { name: 'My sessions' }).click()
    const rows = laptop.getByTestId('sessions').locator('tbody tr')
    await expect.poll(() => rows.count()).toBeGreaterThanOrEqual(2)
    expect(await rows.filter({ hasText: 'THIS ONE' }).count()).toBe(1)
    // Revoke every session but this one (earlier tests left some): the phone's among them.
    const others = rows.filter({ hasNotText: 'THIS ONE' })
    while ((await others.count()) > 0) {
      const before = await rows.count()
      await others.first().getByRole('button', { name: 'Revoke' }).click()
      await expect.poll(() => rows.count()).toBe(before - 1)
    }
    expect(await rows.count()).toBe(1)
    // The IdP told the app's backend (back-channel logout): the phone is signed out.
    last = phone
    await phone.getByTestId('session-ended').waitFor({ timeout: 20_000 })
    expect(await phone.evaluate(async () => (await fetch('/api/me')).status)).toBe(401)
  })

  it('shows a logout in one tab in the other tab', async () => {
    const tab1 = await newPage()
    await signIn(tab1, 'alice')
    const tab2 = await newPage(tab1.context())
    await tab2.goto(ORIGINS.app)
    await tab2.getByTestId('api-message').waitFor()
    await tab1.getByTestId('sign-out').click()
    await tab2.getByTestId('session-ended').waitFor({ timeout: 10_000 })
    last = tab2
  })

  it('refuses a POST without the CSRF header (403 csrf_failed) and grants CORS to no foreign origin', async () => {
    const page = await newPage()
    await signIn(page, 'alice')
    const refused = await page.evaluate(async (api) => {
      const response = await fetch(`${api}/auth/logout`, { method: 'POST', credentials: 'include' })
      return { status: response.status, body: await response.json() }
    }, ORIGINS.app)
    expect(refused).toEqual({
      status: 403,
      body: { error: 'csrf_failed', message: expect.any(String) },
    })
    const foreign = await fetch(`${ORIGINS.api}/api/me`, {
      method: 'OPTIONS',
      headers: { origin: 'http://evil.localhost:5000', 'access-control-request-method': 'GET' },
    })
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull()
    const allowed = await fetch(`${ORIGINS.api}/api/me`, {
      method: 'OPTIONS',
      headers: { origin: ORIGINS.app, 'access-control-request-method': 'GET' },
    })
    expect(allowed.headers.get('access-control-allow-origin')).toBe(ORIGINS.app)
  })

  // Last: everything above went through this IdP.
  it('writes an audit trail of all of the above, with no password, secret or token in it', async () => {
    const lines = readFileSync(stack.auditLog, 'utf8').trim().split('\n')
    const events = new Set(lines.map((line) => JSON.parse(line).event))
    for (const event of [
      'login.succeeded',
      'logout',
      'backchannel.sent',
      'session.revoked_by_user',
    ])
      expect(events).toContain(event)
    const log = lines.join('\n')
    for (const a of stack.seed.accounts) {
      expect(log).not.toContain(a.password)
      if (a.totpSecret) expect(log).not.toContain(a.totpSecret)
    }
    for (const client of Object.values(stack.seed.clients)) expect(log).not.toContain(client.secret)
    expect(log).not.toMatch(/eyJ[\w-]{10,}\.[\w-]{10,}/) // no JWT
  })
})
