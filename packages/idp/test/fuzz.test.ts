import fc from 'fast-check'
import * as oidc from 'openid-client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  Browser,
  CLIENT_SECRET,
  type RelyingParty,
  relyingParty,
  startIdp,
  type TestIdp,
} from './support.ts'

// Random requests at every endpoint of the running IdP — its screens, the account API and the
// protocol endpoints — with garbage and recombined real values: never a 5xx.

describe('identity provider: random requests never get a 5xx', () => {
  let t: TestIdp
  let rp: RelyingParty
  /** A real interaction (its uid and cookies) to aim at. */
  let uid = ''
  let cookies = ''

  beforeAll(async () => {
    t = await startIdp()
    rp = await relyingParty(t, 'app')
    await t.idp.accounts.add({ username: 'alice', password: 'correct horse battery staple' })
    const browser = new Browser()
    const url = oidc.buildAuthorizationUrl(rp.config, {
      redirect_uri: rp.redirectUri,
      scope: 'openid',
      code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()),
      code_challenge_method: 'S256',
    })
    const page = await browser.follow(url.href)
    uid = /\/interaction\/([^/?#]+)/.exec(page.url)?.[1] ?? ''
    cookies = browser.cookieHeader(page.url)
  })
  afterAll(() => t.close())

  const junk = fc.string({ unit: 'grapheme-ascii', maxLength: 300 })
  const arbitraries = () => {
    const id = fc.oneof(fc.constant(uid), junk.map(encodeURIComponent))
    const path = fc.oneof(
      fc.constantFrom(
        '/auth',
        '/token',
        '/me',
        '/token/revocation',
        '/token/introspection',
        '/session/end',
        '/session/end/confirm',
        '/account/sessions',
        '/jwks',
        '/.well-known/openid-configuration',
      ),
      id.map((u) => `/interaction/${u}`),
      fc
        .tuple(id, fc.constantFrom('login', 'mfa', 'enrol', 'consent', 'abort', 'x'))
        .map(([u, step]) => `/interaction/${u}/${step}`),
      junk.map((x) => `/account/sessions/${encodeURIComponent(x)}`),
    )
    const form = fc
      .dictionary(
        fc.constantFrom('username', 'password', 'code', 'csrf', 'client_id', 'grant_type', 'token'),
        junk,
      )
      .map((fields) => new URLSearchParams(fields).toString())
    return fc.record({
      method: fc.constantFrom('GET', 'POST', 'DELETE', 'PUT'),
      path,
      query: fc.option(form, { nil: undefined }),
      body: fc.option(fc.oneof(form, junk), { nil: undefined }),
      cookie: fc.oneof(
        fc.constant(cookies),
        fc.constant(''),
        junk.map((v) => `latchkey_session=${encodeURIComponent(v)}`),
      ),
      authorization: fc.option(
        fc.oneof(
          junk.map((v) => `Bearer ${v}`),
          fc.constant(`Basic ${btoa(`app:${CLIENT_SECRET}`)}`),
        ),
        { nil: undefined },
      ),
    })
  }

  it('answers 300 random requests per run below 500', async () => {
    await fc.assert(
      fc.asyncProperty(arbitraries(), async (r) => {
        const headers = new Headers({ 'content-type': 'application/x-www-form-urlencoded' })
        if (r.cookie) headers.set('cookie', r.cookie)
        if (r.authorization) headers.set('authorization', r.authorization)
        const response = await fetch(`${t.issuer}${r.path}${r.query ? `?${r.query}` : ''}`, {
          method: r.method,
          headers,
          body: r.method === 'GET' ? undefined : r.body,
          redirect: 'manual',
        })
        const text = await response.text()
        expect(response.status, `${r.method} ${r.path}: ${text.slice(0, 300)}`).toBeLessThan(500)
        expect(text).not.toMatch(/ at \S+ \(|node:internal/) // no stack traces
      }),
      { numRuns: 300 },
    )
  })
})
