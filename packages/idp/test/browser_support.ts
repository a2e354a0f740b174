import * as oidc from 'openid-client'
import { pino } from 'pino'
import type { Browser, BrowserContext, CDPSession, Page } from 'playwright-core'
import { launchChromium } from '../../../test/support/chromium.ts'
import { type RelyingParty, relyingParty, startIdp, type TestIdp } from './support.ts'

/** Audit events the IdP logged, as objects. */
export type Events = { event?: string; [field: string]: unknown }[]

/**
 * A real IdP on http://localhost:<port> (a secure context, so Chromium allows WebAuthn; the
 * RP ID is `localhost`), its audit log collected, an app registered, and Chromium.
 */
export async function startBrowserIdp() {
  const events: Events = []
  const logger = pino({ level: 'info' }, { write: (line: string) => events.push(JSON.parse(line)) })
  const t = await startIdp({ issuerHost: 'localhost', logger })
  const rp = await relyingParty(t, 'app', { name: 'The App' })
  const browser = await launchChromium()
  return {
    t,
    rp,
    browser,
    events,
    async close() {
      await browser.close()
      await t.close()
    },
  }
}

/**
 * The DevTools virtual authenticator (CTAP2, platform, resident keys, user verification that
 * succeeds): what a laptop with a fingerprint reader is to WebAuthn.
 */
const addAuthenticator = async (cdp: CDPSession) =>
  (
    await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: {
        protocol: 'ctap2',
        transport: 'internal',
        hasResidentKey: true,
        hasUserVerification: true,
        isUserVerified: true,
      },
    })
  ).authenticatorId

/** A browser tab (its own cookie jar) with a virtual authenticator. */
export async function tabWithAuthenticator(browser: Browser) {
  const context = await browser.newContext({ viewport: { width: 900, height: 760 } })
  const page = await context.newPage()
  // Fail with the locator that did not show, well before the test's own time-out.
  page.setDefaultTimeout(8000)
  const cdp = await context.newCDPSession(page)
  await cdp.send('WebAuthn.enable', { enableUI: false })
  return { context, page, cdp, authenticatorId: await addAuthenticator(cdp) }
}

export type Tab = Awaited<ReturnType<typeof tabWithAuthenticator>>

/** An authorization request of the app (code + PKCE), and what redeeming its code needs. */
export async function authorization(rp: RelyingParty, extra: Record<string, string> = {}) {
  const verifier = oidc.randomPKCECodeVerifier()
  const state = oidc.randomState()
  const nonce = oidc.randomNonce()
  const url = oidc.buildAuthorizationUrl(rp.config, {
    redirect_uri: rp.redirectUri,
    scope: 'openid',
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    nonce,
    claims: JSON.stringify({ id_token: { amr: null, acr: null } }),
    ...extra,
  })
  return {
    url: url.href,
    /** Redeems the code the browser brought back to the app, as the app does. */
    redeem: (callback: string) =>
      oidc.authorizationCodeGrant(rp.config, new URL(callback), {
        pkceCodeVerifier: verifier,
        expectedState: state,
        expectedNonce: nonce,
      }),
  }
}

/** Answers the app's redirect URI in the browser (the app is not running) and reports it. */
export async function catchCallback(
  context: BrowserContext,
  rp: RelyingParty,
): Promise<{ reached: Promise<string> }> {
  let resolve!: (url: string) => void
  const reached = new Promise<string>((r) => {
    resolve = r
  })
  await context.unrouteAll()
  await context.route(`${new URL(rp.redirectUri).origin}/**`, (route) => {
    resolve(route.request().url())
    return route.fulfill({ status: 200, contentType: 'text/plain', body: 'back at the app' })
  })
  return { reached }
}

/** Signs in through the password form (no second factor expected unless `then` handles it). */
export async function typePassword(page: Page, username: string, password: string) {
  await page.getByLabel('Username').fill(username)
  await page.getByLabel('Password', { exact: true }).fill(password)
  await page.getByRole('button', { name: 'Sign in', exact: true }).click()
}

/** A credential as the DevTools WebAuthn domain gives and takes it. */
interface Credential {
  credentialId: string
  isResidentCredential: boolean
  privateKey: string
  signCount: number
  rpId?: string
  userHandle?: string
}

/** The credentials the virtual authenticator holds (private keys included). */
export const credentialsOf = async (tab: Tab): Promise<Credential[]> =>
  (await tab.cdp.send('WebAuthn.getCredentials', { authenticatorId: tab.authenticatorId }))
    .credentials

/** Swaps the tab's authenticator for a new one holding just `credential`. */
export async function replaceAuthenticator(tab: Tab, credential: Credential) {
  await tab.cdp.send('WebAuthn.removeVirtualAuthenticator', {
    authenticatorId: tab.authenticatorId,
  })
  tab.authenticatorId = await addAuthenticator(tab.cdp)
  await tab.cdp.send('WebAuthn.addCredential', { authenticatorId: tab.authenticatorId, credential })
}

export type { TestIdp }
