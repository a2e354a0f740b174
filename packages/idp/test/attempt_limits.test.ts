import { randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Writable } from 'node:stream'
import * as oidc from 'openid-client'
import { generateSync, verifySync } from 'otplib'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  createIdentityProvider,
  type IdentityProvider,
  type IdentityProviderOptions,
} from '../src/index.ts'
import { Browser, type RelyingParty, relyingParty, storesFor } from './support.ts'

// Attempt limits under real concurrency, against running IdPs on the embedded store and on
// PostgreSQL + Redis: issue 14 items 1 and 2 (ASVS 5.0 V6.3.1, NIST SP 800-63B §5.2.2,
// RFC 4226 §7.3). Every burst is sent at once; the counts must be exact whatever the order.

const PASSWORD = 'correct horse battery staple'

/** Two IdP instances on the same stores and issuer (as behind a load balancer). */
async function twoInstances(
  kind: 'sqlite' | 'postgres+redis',
  options: Partial<IdentityProviderOptions>,
) {
  const run = randomBytes(6).toString('hex')
  const first = storesFor(kind, run)
  // sqlite: one database file for both; PostgreSQL + Redis: the same data, own connections.
  const second = kind === 'sqlite' ? { ...first, dispose: async () => {} } : storesFor(kind, run)
  const events: { event: string; [field: string]: unknown }[] = []
  const logger = pino(
    new Writable({
      write(chunk, _encoding, done) {
        for (const line of String(chunk).split('\n').filter(Boolean)) events.push(JSON.parse(line))
        done()
      },
    }),
  )
  const servers: Server[] = []
  const urls: string[] = []
  const idps: IdentityProvider[] = []
  const handlers: IdentityProvider['handler'][] = []
  for (let i = 0; i < 2; i++) {
    const server = createServer((req, res) => handlers[i]?.(req, res))
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    servers.push(server)
    urls.push(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)
  }
  const issuer = urls[0] ?? ''
  for (const stores of [first, second]) {
    const idp = await createIdentityProvider({ ...options, issuer, stores, logger })
    idps.push(idp)
    handlers.push(idp.handler)
  }
  const [idp] = idps as [IdentityProvider]
  const rp = await relyingParty({ idp, issuer } as never, 'app')
  return {
    idp,
    urls,
    rp,
    events,
    async close() {
      for (const server of servers) {
        server.closeAllConnections()
        server.close()
      }
      for (const each of idps) await each.close()
      await second.dispose()
      await first.dispose()
    },
  }
}

/** Opens a sign-in at the IdP; answers the login form's page, for posting to any instance. */
async function openSignIn(rp: RelyingParty, browser = new Browser()) {
  const url = oidc.buildAuthorizationUrl(rp.config, {
    redirect_uri: rp.redirectUri,
    scope: 'openid',
    code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()),
    code_challenge_method: 'S256',
  })
  return { browser, page: await browser.follow(url.href, rp.redirectUri) }
}

/** The form of a page, to post many times over (in parallel, to any instance). */
async function formOf(page: { url: string; response: Response }) {
  const html = await page.response.clone().text()
  const action = /<form method="post" action="([^"]+)"/.exec(html)?.[1] ?? ''
  const csrf = /name="csrf" value="([^"]+)"/.exec(html)?.[1] ?? ''
  return { action, csrf }
}

/** Posts a form; `forwardedFor` is what the (trusted) proxy in front would say. */
const post = (
  browser: Browser,
  base: string,
  form: { action: string; csrf: string },
  fields: Record<string, string>,
  forwardedFor?: string,
) =>
  browser.request(new URL(form.action, base).href, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      ...(forwardedFor && { 'x-forwarded-for': forwardedFor }),
    },
    body: new URLSearchParams({ csrf: form.csrf, ...fields }),
  })

const tally = (statuses: number[]) => {
  const counts: Record<number, number> = {}
  for (const status of statuses) counts[status] = (counts[status] ?? 0) + 1
  return counts
}

/** Six-digit codes that are not valid for `secret` at any moment near now. */
const wrongCodes = (secret: string, count: number) => {
  const codes: string[] = []
  for (let n = 100_000; codes.length < count; n += 7919) {
    const token = String(n % 1_000_000).padStart(6, '0')
    if (!verifySync({ secret, token, epochTolerance: 120 }).valid) codes.push(token)
  }
  return codes
}

describe.each(['sqlite', 'postgres+redis'] as const)(
  'identity provider on %s: attempt limits',
  (kind) => {
    let t: Awaited<ReturnType<typeof twoInstances>>

    beforeAll(async () => {
      // Behind a proxy, so that each test counts against addresses of its own.
      t = await twoInstances(kind, {
        trustProxy: true,
        throttle: { ipLimit: 12, accountWait: 120 },
      })
    })
    afterAll(() => t?.close())

    it('refuses wrong passwords from one address past its limit, however many arrive at once, on either instance', async () => {
      const { browser, page } = await openSignIn(t.rp)
      const form = await formOf(page)
      // 48 different accounts, so only the address rule applies; half to each instance. The
      // client forges the first X-Forwarded-For entries; the proxy's own (the last) counts.
      const statuses = await Promise.all(
        Array.from({ length: 48 }, (_, i) =>
          post(
            browser,
            t.urls[i % 2] ?? '',
            form,
            { username: `someone-${i}`, password: 'wrong password!' },
            `198.51.100.${i}, 203.0.113.7`,
          ).then((r) => r.status),
        ),
      )
      expect(tally(statuses)).toEqual({ 401: 12, 429: 36 })
      expect(
        t.events.filter((e) => e.event === 'login.throttled' && e.rule === 'address'),
      ).toHaveLength(36)
    })

    it('refuses parallel guesses at one account past its free attempts with 429 and Retry-After, without sleeping', async () => {
      await t.idp.accounts.add({ username: 'victim', password: PASSWORD })
      const responses = await Promise.all(
        Array.from({ length: 30 }, async (_, i) => {
          // Each from a sign-in and an address of its own: only the account rule applies.
          const { browser, page } = await openSignIn(t.rp)
          return post(
            browser,
            t.urls[i % 2] ?? '',
            await formOf(page),
            { username: i % 2 ? 'victim' : 'VICTIM', password: 'wrong password!' },
            `198.51.100.${i}`,
          )
        }),
      )
      // Five free failures, then one attempt per turn (120 s): exactly six were checked.
      expect(tally(responses.map((r) => r.status))).toEqual({ 401: 6, 429: 24 })
      for (const refused of responses.filter((r) => r.status === 429)) {
        expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0)
        expect(await refused.text()).toContain('Too many failed attempts for this account')
      }
    })

    it('ends a sign-in after five wrong codes sent at once, and then refuses the right code too', async () => {
      await t.idp.accounts.add({ username: 'totp-user', password: PASSWORD })
      const { secret } = await t.idp.accounts.enrolTotp('totp-user')
      const { browser, page } = await openSignIn(t.rp)
      const login = await formOf(page)
      const mfa = await browser.submit(page, { username: 'totp-user', password: PASSWORD })
      expect(mfa.response.status).toBe(200)
      const form = await formOf(mfa)
      const statuses = await Promise.all(
        wrongCodes(secret, 50).map((code, i) =>
          post(browser, t.urls[i % 2] ?? '', form, { code }).then((r) => r.status),
        ),
      )
      // Four answered "not valid"; the fifth ended the sign-in; the rest were refused unchecked.
      expect(tally(statuses)).toEqual({ 401: 4, 429: 46 })
      const right = await post(browser, t.urls[0] ?? '', form, {
        code: generateSync({ secret }),
      })
      expect(right.status).toBe(429)
      expect(right.headers.get('location')).toBeNull()
      expect(await right.text()).toContain('this sign-in has ended')
      // Nor does the password start it again in the same interaction.
      const again = await post(browser, t.urls[1] ?? '', login, {
        username: 'totp-user',
        password: PASSWORD,
      })
      expect(again.status).toBe(429)
      const account = (await t.idp.accounts.findByUsername('totp-user'))?.id
      const audited = t.events.filter((e) => e.accountId === account).map((e) => e.event)
      expect(audited.filter((e) => e === 'mfa.failed')).toHaveLength(5)
      expect(audited.filter((e) => e === 'mfa.sign_in_ended')).toHaveLength(1)
      expect(audited.filter((e) => e === 'mfa.throttled')).toHaveLength(46)
      expect(audited).not.toContain('login.succeeded')
    })

    it('keeps an account’s failures after a right password; only a completed sign-in clears them', async () => {
      await t.idp.accounts.add({ username: 'grace', password: PASSWORD })
      const { secret } = await t.idp.accounts.enrolTotp('grace')
      const attempt = async (password: string) => {
        const { browser, page } = await openSignIn(t.rp)
        const answer = await browser.submit(page, { username: 'grace', password })
        return { browser, answer, status: answer.response.status }
      }
      for (let i = 0; i < 5; i++) expect((await attempt('wrong password!')).status).toBe(401)
      // The right password, on the account's next turn: on to the second factor.
      const signIn = await attempt(PASSWORD)
      expect(signIn.status).toBe(200)
      // Its failures were not forgotten: the next guess waits for a turn.
      expect((await attempt('wrong password!')).status).toBe(429)
      // The user who knows the password finishes with the turn it won.
      const done = await signIn.browser.submit(
        signIn.answer,
        { code: generateSync({ secret }) },
        t.rp.redirectUri,
      )
      expect(done.url.startsWith(t.rp.redirectUri)).toBe(true)
      // A completed sign-in clears them: the free attempts are back.
      expect((await attempt('wrong password!')).status).toBe(401)
    })

    it('answers an empty username or password with the form’s own message', async () => {
      for (const fields of [
        { username: '', password: PASSWORD },
        { username: '   ', password: PASSWORD },
        { username: 'victim', password: '' },
      ]) {
        const { browser, page } = await openSignIn(t.rp)
        const answer = await browser.submit(page, fields)
        expect(answer.response.status).toBe(400)
        expect(await answer.response.text()).toContain('Enter your username and password.')
      }
    })
  },
)
