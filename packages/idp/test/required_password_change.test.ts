import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  Browser,
  type RelyingParty,
  relyingParty,
  signInUrl,
  startIdp,
  type TestIdp,
} from './support.ts'

describe('identity provider: a password change required by an administrator', () => {
  let t: TestIdp
  let rp: RelyingParty
  const password = 'rory-has-a-long-password'

  beforeAll(async () => {
    t = await startIdp()
    rp = await relyingParty(t, 'app')
    await t.idp.accounts.add({ username: 'rory', password })
    await t.idp.accounts.requirePasswordChange('rory')
  })
  afterAll(() => t.close())

  it('asks for a new password after the sign-in, refuses a weak one, then finishes it', async () => {
    const browser = new Browser()
    const login = await browser.follow(await signInUrl(rp))
    const asked = await browser.submit(login, { username: 'rory', password })
    expect(await asked.response.clone().text()).toContain('Choose a new password')
    const differ = await browser.submit(asked, { password: 'one-new-password', confirm: 'another' })
    expect(differ.response.status).toBe(400)
    const common = await browser.submit(differ, { password: 'sunshine', confirm: 'sunshine' })
    expect(common.response.status).toBe(400)
    expect(await common.response.clone().text()).toContain('most common')
    const done = await browser.submit(
      common,
      { password: 'rory-new-long-password', confirm: 'rory-new-long-password' },
      rp.redirectUri,
    )
    expect(done.url).toContain('code=')
    expect(await t.idp.accounts.authenticate('rory', password)).toBeUndefined()
    const account = await t.idp.accounts.authenticate('rory', 'rory-new-long-password')
    expect(account?.passwordChangeRequired).toBeUndefined()
  })
})
