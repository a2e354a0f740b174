import * as oidc from 'openid-client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Browser, type RelyingParty, relyingParty, startIdp, type TestIdp } from './support.ts'

describe('identity provider: screens', () => {
  let t: TestIdp
  let rp: RelyingParty

  beforeAll(async () => {
    t = await startIdp({ branding: { name: 'Acme Sign-in' } })
    rp = await relyingParty(t, 'notes', { name: 'Acme <Notes>' })
    await t.idp.accounts.add({ username: 'alice', password: 'correct horse battery staple' })
  })
  afterAll(() => t.close())

  const openLogin = async (browser = new Browser()) => {
    const url = oidc.buildAuthorizationUrl(rp.config, {
      redirect_uri: rp.redirectUri,
      scope: 'openid',
      code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()),
      code_challenge_method: 'S256',
      state: oidc.randomState(),
    })
    return { browser, page: await browser.follow(url.href) }
  }

  it('serves the sign-in page uncached, unframeable, with only its own script file, naming brand and app (escaped)', async () => {
    const { page } = await openLogin()
    const { headers } = page.response
    expect(page.response.status).toBe(200)
    expect(headers.get('cache-control')).toBe('no-store')
    const csp = headers.get('content-security-policy') ?? ''
    expect(csp).toContain("frame-ancestors 'none'")
    expect(csp).toContain("default-src 'none'")
    // Passkeys need the IdP's own script file; nothing inline, nothing from elsewhere.
    expect(csp).toContain("script-src 'self';")
    expect(csp).not.toMatch(/unsafe-inline|https?:/)
    expect(headers.get('x-frame-options')).toBe('DENY')
    const html = await page.response.text()
    expect(html).toContain('Acme Sign-in')
    expect(html).toContain('Acme &lt;Notes&gt;')
    expect(html.match(/<script[^>]*>/g)).toEqual(['<script src="/assets/passkey.js" defer>'])
    // Without script the passkey form stays hidden and the password form works alone.
    expect(html).toMatch(
      /<form method="post" action="[^"]+\/passkey" data-passkey="sign-in" hidden>/,
    )
    // Keyboard use: labelled fields, a real submit button, autocomplete hints.
    expect(html).toMatch(/<label for="username">/)
    expect(html).toMatch(/<button[^>]*type="submit"/)
    expect(html).toContain('autocomplete="current-password"')
  })

  it('refuses a sign-in form posted without its CSRF token, and signs nobody in', async () => {
    const { browser, page } = await openLogin()
    const action = /<form[^>]* action="([^"]+)"/.exec(await page.response.clone().text())?.[1]
    const refused = await browser.request(new URL(action ?? '', page.url).href, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ username: 'alice', password: 'correct horse battery staple' }),
      redirect: 'manual',
    })
    expect(refused.status).toBe(403)
    expect(refused.headers.get('location')).toBeNull()
  })
})
