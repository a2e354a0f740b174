import { generateSync } from 'otplib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  Browser,
  login,
  type RelyingParty,
  relyingParty,
  startIdp,
  type TestIdp,
} from './support.ts'

describe('identity provider: TOTP second factor', () => {
  let t: TestIdp
  let rp: RelyingParty
  const password = 'bob-has-a-long-password'

  beforeAll(async () => {
    t = await startIdp()
    rp = await relyingParty(t, 'app')
  })
  afterAll(() => t.close())

  it('asks an enrolled user for a code and signs in with it (amr pwd + otp)', async () => {
    await t.idp.accounts.add({ username: 'bob', password, roles: ['USER'] })
    const { secret } = await t.idp.accounts.enrolTotp('bob')
    const { tokens } = await login(rp, new Browser(), {
      username: 'bob',
      password,
      totpSecret: secret,
      extraParams: { claims: JSON.stringify({ id_token: { amr: null } }) },
    })
    expect(tokens.claims()?.amr).toEqual(['pwd', 'otp'])
  })

  it('refuses a wrong code and the same code twice, and accepts a recovery code once', async () => {
    await t.idp.accounts.add({ username: 'carol', password })
    const { secret, recoveryCodes } = await t.idp.accounts.enrolTotp('carol')
    const account = await t.idp.accounts.findByUsername('carol')
    const id = account?.id ?? ''
    expect(await t.idp.accounts.verifySecondFactor(id, '000000')).toBeUndefined()
    const code = generateSync({ secret })
    expect(await t.idp.accounts.verifySecondFactor(id, code)).toBe('totp')
    expect(await t.idp.accounts.verifySecondFactor(id, code)).toBeUndefined() // replayed
    const [recovery = ''] = recoveryCodes
    expect(await t.idp.accounts.verifySecondFactor(id, recovery)).toBe('recovery')
    expect(await t.idp.accounts.verifySecondFactor(id, recovery)).toBeUndefined()
  })

  it('shows the MFA screen again with an error for a wrong code, without finishing the login', async () => {
    await t.idp.accounts.add({ username: 'dave', password })
    await t.idp.accounts.enrolTotp('dave')
    const browser = new Browser()
    const { url } = await startLogin(rp, browser)
    const page = await browser.follow(url)
    const mfa = await browser.submit(page, { username: 'dave', password })
    const wrong = await browser.submit(mfa, { code: '123456' })
    expect(wrong.response.status).toBe(401)
    expect(await wrong.response.text()).toContain('That code is not valid')
  })

  it('sends a user who must use MFA but has none to enrolment with a QR code, then recovery codes', async () => {
    await t.idp.accounts.add({ username: 'erin', password, mfaRequired: true })
    const browser = new Browser()
    const { url } = await startLogin(rp, browser)
    const enrol = await browser.submit(await browser.follow(url), { username: 'erin', password })
    const html = await enrol.response.clone().text()
    expect(html).toContain('data:image/png;base64,')
    const secret = /<code>([A-Z2-7]+)<\/code>/.exec(html)?.[1] ?? ''
    const codes = await browser.submit(enrol, { code: generateSync({ secret }) })
    const codesHtml = await codes.response.clone().text()
    expect(codesHtml.match(/[0-9a-f]{5}-[0-9a-f]{5}/g)).toHaveLength(10)
    const done = await browser.submit(codes, {}, rp.redirectUri)
    expect(done.url).toContain('code=')
    expect((await t.idp.accounts.findByUsername('erin'))?.totpEnrolled).toBe(true)
  })
})

async function startLogin(rp: RelyingParty, _browser: Browser) {
  const { buildAuthorizationUrl, calculatePKCECodeChallenge, randomPKCECodeVerifier } =
    await import('openid-client')
  const url = buildAuthorizationUrl(rp.config, {
    redirect_uri: rp.redirectUri,
    scope: 'openid',
    code_challenge: await calculatePKCECodeChallenge(randomPKCECodeVerifier()),
    code_challenge_method: 'S256',
  })
  return { url: url.href }
}
