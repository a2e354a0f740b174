import { generateSync } from 'otplib'
import type { Page } from 'playwright-core'
import { ORIGINS } from './origins.ts'
import type { DemoAccount } from './seed.ts'

/**
 * Signs a demo account in the way a person does: the app's sign-in button, the IdP's screens
 * (password, then the TOTP code when enrolled), back to the dashboard. `before` runs at each
 * screen with its fields filled, just before it is sent (the screenshots use it).
 */
export async function signInThroughScreens(
  page: Page,
  account: DemoAccount,
  before: (screen: 'login' | 'mfa') => Promise<void> = async () => {},
): Promise<void> {
  await page.goto(ORIGINS.app)
  await page.getByTestId('sign-in').click()
  await page.waitForURL(`${ORIGINS.idp}/interaction/**`)
  await page.fill('#username', account.username)
  await before('login')
  await page.fill('#password', account.password)
  await page.click('button[type=submit]')
  if (account.totpSecret) {
    await page.waitForSelector('#code')
    await page.fill('#code', generateSync({ secret: account.totpSecret }))
    await before('mfa')
    await page.click('button[type=submit]')
  }
  await page.waitForURL(`${ORIGINS.app}/**`)
  await page.getByTestId('api-message').waitFor()
}
