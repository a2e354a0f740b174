import { generateSync } from 'otplib'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startBrowserIdp, type Tab, tabWithAuthenticator, typePassword } from './browser_support.ts'

const PASSWORD = 'quinn-has-a-long-password'

/** Every change the console takes, with a form that would otherwise pass. */
const CHANGES: [string, Record<string, string>][] = [
  ['/account/profile/save', { name: 'Mallory', email: '' }],
  [
    '/account/password/change',
    { current: PASSWORD, password: 'x-new-pass-1', confirm: 'x-new-pass-1' },
  ],
  ['/account/two-step/begin', {}],
  ['/account/two-step/confirm', { code: '123456' }],
  ['/account/two-step/remove', {}],
  ['/account/two-step/recovery-codes', {}],
  ['/account/passkeys/add', { name: 'x', credential: '{}' }],
  ['/account/passkeys/remove', { id: 'x' }],
  ['/account/passkeys/options', {}],
  ['/account/devices/revoke', { id: 'x' }],
  ['/account/devices/revoke-others', {}],
]

/** Posts a form from the page (the browser's cookies ride along), as another site's form would. */
const postFrom = (page: Page, path: string, fields: Record<string, string>) =>
  page.evaluate(
    async ({ path, fields }) => {
      const answer = await fetch(path, {
        method: 'POST',
        body: new URLSearchParams(fields),
        redirect: 'manual',
      })
      return { status: answer.status, text: await answer.text() }
    },
    { path, fields },
  )

const csrfOf = (page: Page) => page.locator('input[name=csrf]').first().inputValue()

describe('identity provider: account console', () => {
  let env: Awaited<ReturnType<typeof startBrowserIdp>>
  let tab: Tab
  let other: Tab
  let accountId: string

  beforeAll(async () => {
    env = await startBrowserIdp()
    accountId = (
      await env.t.idp.accounts.add({ username: 'quinn', password: PASSWORD, name: 'Quinn' })
    ).id
    tab = await tabWithAuthenticator(env.browser)
    other = await tabWithAuthenticator(env.browser)
    for (const { page } of [tab, other]) {
      await page.goto(`${env.t.issuer}/account`)
      await typePassword(page, 'quinn', PASSWORD)
      await page.waitForURL(`${env.t.issuer}/account`)
    }
  }, 60_000)
  afterAll(() => env?.close())

  it('sends a visitor with no session to sign in, and back to the page asked for', async () => {
    const page = await (await env.browser.newContext()).newPage()
    await page.goto(`${env.t.issuer}/account/devices`)
    expect(page.url()).toContain('/interaction/')
    await expect(page.content()).resolves.toContain('Your account')
    await typePassword(page, 'quinn', PASSWORD)
    await page.waitForURL(`${env.t.issuer}/account/devices`)
    await page.context().close()
  })

  it('refuses every console form without its token, or with another session’s, and changes nothing', async () => {
    const foreign = await csrfOf(other.page)
    for (const [path, fields] of CHANGES) {
      for (const csrf of [undefined, foreign, 'forged']) {
        const { status } = await postFrom(tab.page, path, csrf ? { ...fields, csrf } : fields)
        expect({ path, csrf, status }).toEqual({ path, csrf, status: 403 })
      }
    }
    expect(await env.t.idp.accounts.find(accountId)).toMatchObject({ name: 'Quinn' })
    expect(await env.t.idp.accounts.authenticate('quinn', PASSWORD)).toBeDefined()
    expect(await env.t.idp.sessions.list(accountId)).toHaveLength(3)
    expect(env.events.filter((e) => e.event === 'account.csrf_refused')).toHaveLength(
      CHANGES.length * 3 - 3, // the JSON options route refuses without auditing
    )
  })

  it('saves the profile (audited)', async () => {
    await tab.page.goto(`${env.t.issuer}/account`)
    await tab.page.getByLabel('Name', { exact: true }).fill('Quinn Q.')
    await tab.page.getByLabel('Email').fill('quinn@example.com')
    await tab.page.getByRole('button', { name: 'Save' }).click()
    await tab.page.getByText('Your profile is saved.').waitFor()
    expect(await env.t.idp.accounts.find(accountId)).toMatchObject({
      name: 'Quinn Q.',
      email: 'quinn@example.com',
    })
    expect(env.events.some((e) => e.event === 'account.profile_changed')).toBe(true)
  })

  it('turns TOTP on, gives new recovery codes, and turns it off', async () => {
    const { page } = tab
    await page.goto(`${env.t.issuer}/account/two-step`)
    await page.getByRole('button', { name: 'Set up an authenticator app' }).click()
    const secret = (await page.locator('code').first().textContent()) ?? ''
    await page.getByLabel('Code').fill(generateSync({ secret }))
    await page.getByRole('button', { name: 'Turn on' }).click()
    await expect(page.locator('.codes span').count()).resolves.toBe(10)
    expect((await env.t.idp.accounts.find(accountId))?.totpEnrolled).toBe(true)
    await page.goto(`${env.t.issuer}/account/two-step`)
    await page.getByRole('button', { name: 'New recovery codes' }).click()
    const fresh = await page.locator('.codes span').allTextContents()
    expect(fresh).toHaveLength(10)
    expect(await env.t.idp.accounts.verifySecondFactor(accountId, fresh[0] ?? '')).toBe('recovery')
    await page.goto(`${env.t.issuer}/account/two-step`)
    await page.getByRole('button', { name: 'Remove the authenticator app' }).click()
    await page.getByText('The authenticator app is removed.').waitFor()
    expect((await env.t.idp.accounts.find(accountId))?.totpEnrolled).toBe(false)
    for (const event of ['mfa.enrolled', 'mfa.recovery_codes_regenerated', 'mfa.removed'])
      expect(env.events.some((e) => e.event === event)).toBe(true)
  })

  it('asks for a recent sign-in before weakening the account, then lets the change through', async () => {
    // The sign-in behind this browser's session is ten minutes old.
    const records = await env.t.stores.ephemeral.list<{ uid: string; loginTs: number }>(
      'oidc:Session',
    )
    for (const { key, value } of records)
      await env.t.stores.ephemeral.set(
        'oidc:Session',
        key,
        { ...value, loginTs: value.loginTs - 600 },
        { ttl: 600 },
      )
    await tab.page.goto(`${env.t.issuer}/account/two-step`)
    const { status, text } = await postFrom(tab.page, '/account/two-step/begin', {
      csrf: await csrfOf(tab.page),
    })
    expect(status).toBe(401)
    expect(text).toContain('Sign in again')
    await tab.page.goto(`${env.t.issuer}/account/sign-in?fresh=1&return=/account/password`)
    await tab.page.getByLabel('Password', { exact: true }).fill(PASSWORD)
    await tab.page.getByRole('button', { name: 'Sign in', exact: true }).click()
    await tab.page.waitForURL(`${env.t.issuer}/account/password`)
  })

  it('changes the password: the current one required, common ones refused, other sessions ended', async () => {
    const { page } = tab
    const change = async (current: string, next: string) => {
      await page.goto(`${env.t.issuer}/account/password`)
      await page.getByLabel('Current password').fill(current)
      await page.getByLabel('New password', { exact: true }).fill(next)
      await page.getByLabel('New password, again').fill(next)
      await page.getByRole('button', { name: 'Change password' }).click()
    }
    await change('not-the-password', 'a-fine-new-password')
    await page.getByText('the current password is wrong').waitFor()
    await change(PASSWORD, 'TrustNo1')
    await page.getByText('one of the most common').waitFor()
    await change(PASSWORD, 'a-fine-new-password')
    await page.getByText('Your password is changed.').waitFor()
    expect(await env.t.idp.accounts.authenticate('quinn', 'a-fine-new-password')).toBeDefined()
    expect(await env.t.idp.sessions.list(accountId)).toHaveLength(1)
    await other.page.goto(`${env.t.issuer}/account`)
    expect(other.page.url()).toContain('/interaction/') // signed out there
  })

  it('lists my sessions with the apps each reached, and signs out every other one', async () => {
    await typePassword(other.page, 'quinn', 'a-fine-new-password')
    await other.page.waitForURL(`${env.t.issuer}/account`)
    await tab.page.goto(`${env.t.issuer}/account/devices`)
    await expect(tab.page.locator('li[data-session]').count()).resolves.toBe(2)
    await expect(tab.page.getByText('this browser').count()).resolves.toBe(1)
    await expect(tab.page.getByText('apps: Your account').count()).resolves.toBe(2)
    await tab.page.getByRole('button', { name: 'Sign out every other session' }).click()
    await tab.page.getByText('Every other session is signed out.').waitFor()
    expect(await env.t.idp.sessions.list(accountId)).toHaveLength(1)
  })
})
