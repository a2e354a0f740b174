/**
 * `npm run screenshots -w @latchkey/demo`: the docs' pictures of the demo, taken in Debian's
 * Chromium against a fresh stack (temporary data, so the demo's own data is left alone).
 * Writes docs/images/*.png.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { launchChromium } from '../../../test/support/chromium.ts'
import { buildApps } from './build_apps.ts'
import { ORIGINS } from './origins.ts'
import { signInThroughScreens } from './sign_in_page.ts'
import { startStack } from './stack.ts'

const OUT = join(import.meta.dirname, '../../../docs/images')
mkdirSync(OUT, { recursive: true })
const dataDir = mkdtempSync(join(tmpdir(), 'latchkey-shots-'))
const stack = await startStack({ distDir: await buildApps(), dataDir })
const browser = await launchChromium()
const account = (name: string) =>
  stack.seed.accounts.find((a) => a.username === name) as (typeof stack.seed.accounts)[number]
const shot = async (page: Page, name: string) => {
  await page.screenshot({ path: join(OUT, `${name}.png`) })
  console.log(`docs/images/${name}.png`)
}
const newPage = async () =>
  (await browser.newContext({ viewport: { width: 1100, height: 640 } })).newPage()

const signIn = (page: Page, username: string, shots: { login?: string; mfa?: string } = {}) =>
  signInThroughScreens(page, account(username), async (screen) => {
    const name = shots[screen]
    if (name) await shot(page, name)
  })

try {
  const bob = await newPage()
  await signIn(bob, 'bob', { login: 'idp-login', mfa: 'idp-mfa' })
  await bob.goto(ORIGINS.admin)
  await bob.getByTestId('forbidden').waitFor()
  await shot(bob, 'admin-forbidden')

  const phone = await newPage()
  await signIn(phone, 'alice')
  const alice = await newPage()
  await signIn(alice, 'alice')
  await alice.waitForTimeout(2500) // let the countdown move off its first second
  await shot(alice, 'app-dashboard')
  await alice.getByRole('link', { name: 'My sessions' }).click()
  await alice.getByTestId('sessions').waitFor()
  await shot(alice, 'app-sessions')

  // The Next.js app: signed in there without a password (SSO), rendered on the server.
  const next = await alice.context().newPage()
  await next.goto(`${ORIGINS.next}/auth/login?returnTo=/`)
  await next.getByTestId('name').waitFor()
  await shot(next, 'next-home')
  // The IdP's account console, reached from the same IdP session, and its passkeys page.
  const accountPage = await alice.context().newPage()
  await accountPage.goto(`${ORIGINS.idp}/account`)
  await accountPage.waitForURL(`${ORIGINS.idp}/account`)
  await shot(accountPage, 'idp-account')
  await accountPage.goto(`${ORIGINS.idp}/account/passkeys`)
  await shot(accountPage, 'idp-account-passkeys')

  const admin = await alice.context().newPage()
  await admin.goto(ORIGINS.admin)
  await admin.getByTestId('users').waitFor()
  await shot(admin, 'admin-users')
  await admin.getByTestId('sign-out').click()
  await admin.waitForURL(`${ORIGINS.idp}/session/end**`)
  await shot(admin, 'idp-logout')
  await admin.getByRole('button', { name: 'Sign out', exact: true }).click()
  // Single logout: the app's tab in the same browser learns it from its backend.
  await alice.getByTestId('session-ended').waitFor({ timeout: 20_000 })
  await shot(alice, 'app-session-ended')
} finally {
  await browser.close()
  await stack.close()
  rmSync(dataDir, { recursive: true, force: true })
}
