import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { buildNextApp } from '@latchkey/next-demo/build'
import { generateSync } from 'otplib'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { launchChromium } from '../../../test/support/chromium.ts'
import { buildApps } from '../src/build_apps.ts'
import { ORIGINS } from '../src/origins.ts'
import { signInThroughScreens } from '../src/sign_in_page.ts'
import { type Stack, startStack } from '../src/stack.ts'

const ACCESS_TTL = 8
const NEXT = ORIGINS.next
/** A JWS in compact form (RFC 7515 §7.1), as every access, ID and refresh token here is. */
const JWT = /eyJ[\w-]{8,}\.eyJ[\w-]{8,}\.[\w-]{8,}/

/** Refresh-token rotations the IdP made for a client, from its audit log. */
const rotations = (auditLog: string, clientId: string) =>
  readFileSync(auditLog, 'utf8')
    .split('\n')
    .filter((line) => line.includes('"refresh_token.rotated"') && line.includes(`"${clientId}"`))
    .length

describe('the Next.js app (next build, then its server) in Chromium', () => {
  let stack: Stack
  let browser: Browser
  let dataDir: string
  const contexts: BrowserContext[] = []

  beforeAll(async () => {
    // One build per run at most: reused while the app and the packages it bundles are unchanged.
    await buildNextApp()
    dataDir = mkdtempSync(join(tmpdir(), 'latchkey-next-'))
    stack = await startStack({ distDir: await buildApps(), dataDir, accessTokenTtl: ACCESS_TTL })
    browser = await launchChromium()
  }, 600_000)
  afterAll(async () => {
    await browser?.close()
    await stack?.close()
    if (dataDir) rmSync(dataDir, { recursive: true, force: true })
  })
  afterEach(async () => {
    for (const c of contexts.splice(0)) await c.close()
  })

  const newPage = async () => {
    const context = await browser.newContext()
    contexts.push(context)
    return context.newPage()
  }
  const account = (name: string) =>
    stack.seed.accounts.find((a) => a.username === name) as (typeof stack.seed.accounts)[number]

  /** Through the Next app's own sign-in: a protected page sends the browser to the IdP. */
  const signInToNext = async (page: Page, name: string, path = '/sessions') => {
    const { username, password, totpSecret } = account(name)
    await page.goto(`${NEXT}${path}`)
    await page.waitForURL(`${ORIGINS.idp}/interaction/**`)
    await page.fill('#username', username)
    await page.fill('#password', password)
    await page.click('button[type=submit]')
    if (totpSecret) {
      await page.waitForSelector('#code')
      await page.fill('#code', generateSync({ secret: totpSecret }))
      await page.click('button[type=submit]')
    }
    await page.waitForURL(`${NEXT}${path}`)
  }

  it('signs in, renders the user and the API data on the server, and puts no token in the page', async () => {
    const page = await newPage()
    const meCalls: string[] = []
    page.on('request', (r) => {
      if (new URL(r.url()).pathname === '/auth/me') meCalls.push(r.url())
    })
    await signInToNext(page, 'alice')
    await page.getByTestId('sessions').waitFor()
    const response = await page.goto(NEXT)
    const html = (await response?.text()) ?? ''
    // Server-rendered: the HTML itself has the user and the API's answer.
    expect(html).toContain('Alice Admin')
    expect(html).toContain('alice@example.com')
    expect(await page.getByTestId('roles').textContent()).toContain('ADMIN')
    // The client component has the session too, handed over without a request.
    await expect.poll(() => page.getByTestId('client-user').textContent()).toBe('Alice Admin')
    expect(meCalls).toEqual([])
    // No token in the HTML (with its inline RSC payload), the scripts, cookies JS can read, or storage.
    expect(html).not.toMatch(JWT)
    const session = (await page.context().cookies(NEXT)).find((c) => c.name === '__Host-session')
    expect(session).toMatchObject({ httpOnly: true, secure: true, sameSite: 'Lax' })
    expect(html).not.toContain(session?.value)
    const scripts = await page.evaluate(() =>
      [...document.scripts].map((s) => s.src).filter(Boolean),
    )
    for (const src of scripts) expect(await (await fetch(src)).text()).not.toMatch(JWT)
    const visible = await page.evaluate(() => ({
      cookie: document.cookie,
      local: JSON.stringify({ ...localStorage }),
      session: JSON.stringify({ ...sessionStorage }),
    }))
    expect(JSON.stringify(visible)).not.toMatch(JWT)
    expect(visible.cookie).not.toContain('session=')
  })

  it('refreshes a nearly expired token during navigation, on the server, once for parallel requests', async () => {
    const page = await newPage()
    await signInToNext(page, 'alice')
    await page.goto(NEXT)
    const before = Number(await page.getByTestId('expires-at').textContent())
    const browserRefreshes: string[] = []
    page.context().on('request', (r) => {
      if (new URL(r.url()).pathname === '/auth/refresh') browserRefreshes.push(r.url())
    })
    // From half the token's lifetime on, the proxy refreshes before render; the session's
    // tokens are kept as they are for the grace window (10 s) after they were obtained, so
    // wait until the token is past both: expired, and more than 10 s old.
    await new Promise((resolve) =>
      setTimeout(resolve, Math.max(0, (before + 3) * 1000 - Date.now())),
    )
    const grants = rotations(stack.auditLog, stack.seed.clients.next.id)
    // Four more tabs of the same browser navigate at the same moment.
    const tabs = await Promise.all(Array.from({ length: 4 }, () => page.context().newPage()))
    const navigations = await Promise.all([
      page.goto(NEXT),
      ...tabs.map((tab) => tab.goto(`${NEXT}/sessions`)),
    ])
    for (const navigation of navigations) expect(navigation?.status()).toBe(200)
    const after = Number(await page.getByTestId('expires-at').textContent())
    expect(after).toBeGreaterThan(before)
    expect(rotations(stack.auditLog, stack.seed.clients.next.id)).toBe(grants + 1)
    expect(browserRefreshes).toEqual([])
    const audit = readFileSync(stack.auditLog, 'utf8')
    expect(audit).not.toContain('refresh_token.reuse_detected')
  })

  it('refuses the admin-only server action to bob (forbidden) and runs it for alice', async () => {
    const bob = await newPage()
    await signInToNext(bob, 'bob', '/admin')
    await bob.getByTestId('publish').click()
    await expect
      .poll(() => bob.getByTestId('action-error').textContent())
      .toBe('forbidden: requires role ADMIN')
    const alice = await newPage()
    await signInToNext(alice, 'alice', '/admin')
    await alice.getByTestId('publish').click()
    await expect
      .poll(() => alice.getByTestId('notices').textContent())
      .toContain('Alice Admin: Maintenance on Friday')
  })

  it('signs in by SSO from the app, and single logout from Next ends the app and admin sessions', async () => {
    const page = await newPage()
    await signInThroughScreens(page, account('alice'))
    const admin = await page.context().newPage()
    await admin.goto(ORIGINS.admin)
    await admin.getByTestId('users').waitFor()
    // Signed in at the IdP: the Next app signs her in without a password.
    await page.goto(`${NEXT}/sessions`)
    await page.waitForURL(`${NEXT}/sessions`)
    const sessions = await page.getByTestId('sessions').textContent()
    expect(sessions).toContain('demo-next')
    await page.goto(NEXT)
    await page.getByTestId('logout').click()
    await page.waitForURL(`${ORIGINS.idp}/session/end**`)
    await page.getByRole('button', { name: 'Sign out', exact: true }).click()
    await page.waitForURL(`${NEXT}/**`)
    await page.getByTestId('signed-out').waitFor()
    // The other two apps learn it from their backends (back-channel logout).
    await page.goto(ORIGINS.app)
    await page.getByTestId('sign-in').waitFor({ timeout: 20_000 })
    // The admin app, signed out too, sends her to sign in, and the IdP asks for a password.
    await admin.reload()
    await admin.waitForURL(`${ORIGINS.idp}/interaction/**`)
    await admin.locator('#password').waitFor()
  })
})
