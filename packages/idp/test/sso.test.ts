import * as oidc from 'openid-client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  Browser,
  login,
  type RelyingParty,
  relyingParty,
  startIdp,
  type TestIdp,
} from './support.ts'

describe('identity provider: the SSO session', () => {
  let t: TestIdp
  let app: RelyingParty
  let admin: RelyingParty
  const password = 'correct horse battery staple'

  beforeAll(async () => {
    t = await startIdp()
    app = await relyingParty(t, 'app', { accountApi: true })
    admin = await relyingParty(t, 'admin')
    await t.idp.accounts.add({ username: 'alice', password, roles: ['ADMIN'] })
  })
  afterAll(() => t.close())

  const authorizeUrl = async (rp: RelyingParty, extra: Record<string, string> = {}) =>
    oidc
      .buildAuthorizationUrl(rp.config, {
        redirect_uri: rp.redirectUri,
        scope: 'openid',
        code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()),
        code_challenge_method: 'S256',
        ...extra,
      })
      .toString()

  it('gives a second app its code without asking for the password again', async () => {
    const browser = new Browser()
    await login(app, browser, { username: 'alice', password })
    const second = await browser.follow(await authorizeUrl(admin), admin.redirectUri)
    expect(second.url.startsWith(admin.redirectUri)).toBe(true)
    expect(new URL(second.url).searchParams.get('code')).toBeTruthy()
  })

  it('sets the session cookie HttpOnly, Secure, SameSite=Lax, with a fresh id at every login', async () => {
    const browser = new Browser()
    await login(app, browser, { username: 'alice', password })
    const first = browser.cookies.get('latchkey_session')
    const line = browser.setCookies.find((l) => l.startsWith('latchkey_session='))
    expect(line).toMatch(/httponly/i)
    expect(line).toMatch(/secure/i)
    expect(line).toMatch(/samesite=lax/i)
    await login(app, browser, { username: 'alice', password, extraParams: { prompt: 'login' } })
    expect(browser.cookies.get('latchkey_session')).toBeTruthy()
    expect(browser.cookies.get('latchkey_session')).not.toBe(first)
  })

  it('asks for the password again with prompt=login and with max_age=0', async () => {
    const browser = new Browser()
    await login(app, browser, { username: 'alice', password })
    for (const extra of [{ prompt: 'login' }, { max_age: '0' }] as Record<string, string>[]) {
      const page = await browser.follow(await authorizeUrl(app, extra), app.redirectUri)
      expect(page.url).toContain('/interaction/')
      expect(await page.response.text()).toContain('name="password"')
    }
  })

  it('answers prompt=none without a session with login_required, at the registered URI', async () => {
    const page = await new Browser().follow(
      await authorizeUrl(app, { prompt: 'none' }),
      app.redirectUri,
    )
    expect(new URL(page.url).searchParams.get('error')).toBe('login_required')
  })

  it('lists and ends the user own sessions through the account API, revoking their grants', async () => {
    const browser = new Browser()
    const { tokens } = await login(app, browser, { username: 'alice', password })
    const api = (path: string, init: RequestInit = {}) =>
      fetch(new URL(path, t.issuer), {
        ...init,
        headers: { authorization: `Bearer ${tokens.access_token}` },
      })
    const listed = (await (await api('/account/sessions')).json()) as {
      sessions: { id: string; current: boolean }[]
    }
    const current = listed.sessions.find((s) => s.current)
    expect(current).toBeTruthy()
    expect((await api(`/account/sessions/${current?.id}`, { method: 'DELETE' })).status).toBe(204)
    await expect(
      oidc.refreshTokenGrant(app.config, tokens.refresh_token ?? ''),
    ).rejects.toMatchObject({
      error: 'invalid_grant',
    })
    expect((await fetch(new URL('/account/sessions', t.issuer))).status).toBe(401)
  })

  it('ends every session and grant of a disabled account', async () => {
    await t.idp.accounts.add({ username: 'zoe', password })
    const { tokens } = await login(app, new Browser(), { username: 'zoe', password })
    await t.idp.disableAccount('zoe')
    await expect(
      oidc.refreshTokenGrant(app.config, tokens.refresh_token ?? ''),
    ).rejects.toMatchObject({
      error: 'invalid_grant',
    })
    expect(await t.idp.accounts.authenticate('zoe', password)).toBeUndefined()
  })
})
