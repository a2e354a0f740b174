import { once } from 'node:events'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  authorization,
  catchCallback,
  credentialsOf,
  replaceAuthenticator,
  startBrowserIdp,
  type Tab,
  tabWithAuthenticator,
  typePassword,
} from './browser_support.ts'

const PASSWORD = 'pat-has-a-long-password'
const ACR_MFA = 'urn:latchkey:acr:mfa'

/** A passkey sign-in's form post, as the browser sent it (to be replayed). */
const capturePasskeyPost = (page: Page) =>
  page.waitForRequest(
    (r) => r.method() === 'POST' && /\/interaction\/[^/]+\/passkey$/.test(r.url()),
  )

describe('identity provider: passkeys (WebAuthn) in Chromium', () => {
  let env: Awaited<ReturnType<typeof startBrowserIdp>>
  let tab: Tab
  let accountId: string
  let elsewhere: Server

  beforeAll(async () => {
    env = await startBrowserIdp()
    accountId = (await env.t.idp.accounts.add({ username: 'pat', password: PASSWORD, name: 'Pat' }))
      .id
    tab = await tabWithAuthenticator(env.browser)
    // Another origin on the same host: a page there may use the RP ID `localhost` too.
    elsewhere = createServer((_req, res) =>
      res.writeHead(200, { 'content-type': 'text/html' }).end('<p>elsewhere</p>'),
    )
    elsewhere.listen(0, '127.0.0.1')
    await once(elsewhere, 'listening')
  }, 60_000)
  afterAll(async () => {
    elsewhere?.close()
    await env?.close()
  })

  /** A fresh sign-in at the app: no IdP session in this browser. */
  const startSignIn = async () => {
    await tab.page.goto('about:blank')
    await tab.context.clearCookies()
    const auth = await authorization(env.rp)
    const { reached } = await catchCallback(tab.context, env.rp)
    await tab.page.goto(auth.url)
    /** The app's callback reached (its page loaded, so the IdP's cookies are all set). */
    const back = reached.then(async (url) => {
      await tab.page.waitForURL(`${env.rp.redirectUri}**`)
      return url
    })
    return { auth, back }
  }

  it('enrols a passkey from the account console, named, with no attestation kept', async () => {
    const { page } = tab
    await page.goto(`${env.t.issuer}/account/passkeys`)
    await typePassword(page, 'pat', PASSWORD)
    await page.waitForURL(`${env.t.issuer}/account/passkeys`)
    await page.getByLabel('Name of the new passkey').fill('Laptop')
    await page.getByRole('button', { name: 'Add a passkey' }).click()
    await page.waitForURL('**/account/passkeys?done=passkey-added')
    await expect(page.getByRole('listitem').filter({ hasText: 'Laptop' }).count()).resolves.toBe(1)
    const [stored] = await env.t.idp.passkeys.ofAccount(accountId)
    expect(stored).toMatchObject({ name: 'Laptop', accountId, lastUsedAt: null })
    expect(Object.keys(stored ?? {})).not.toContain('attestationObject')
    expect((await credentialsOf(tab)).map((c) => c.credentialId)).toHaveLength(1)
    expect(env.events.some((e) => e.event === 'passkey.registered')).toBe(true)
  })

  let replay = ''
  it('signs in with the passkey alone (discoverable, no username): amr and acr say multi-factor', async () => {
    const { auth, back } = await startSignIn()
    const posted = capturePasskeyPost(tab.page)
    await tab.page.getByRole('button', { name: 'Sign in with a passkey' }).click()
    replay = (await posted).postData() ?? ''
    const tokens = await auth.redeem(await back)
    expect(tokens.claims()).toMatchObject({ sub: accountId, amr: ['hwk', 'mfa'], acr: ACR_MFA })
    const [stored] = await env.t.idp.passkeys.ofAccount(accountId)
    expect(stored?.lastUsedAt).not.toBeNull()
    expect(stored?.counter).toBeGreaterThan(0)
  })

  it('uses the passkey as the second factor after the password', async () => {
    const { auth, back } = await startSignIn()
    await typePassword(tab.page, 'pat', PASSWORD)
    await tab.page.getByRole('button', { name: 'Use a passkey' }).click()
    const tokens = await auth.redeem(await back)
    expect(tokens.claims()).toMatchObject({
      sub: accountId,
      amr: ['pwd', 'hwk', 'mfa'],
      acr: ACR_MFA,
    })
  })

  /** The interaction's passkey form: its token, where it posts and asks for options. */
  const passkeyForm = () =>
    tab.page.evaluate(() => {
      const form = document.querySelector<HTMLFormElement>('form[data-passkey]')
      const button = form?.querySelector<HTMLButtonElement>('button[data-options]')
      const csrf = form?.elements.namedItem('csrf') as HTMLInputElement | null
      if (!form || !button || !csrf) throw new Error('no passkey form')
      return { csrf: csrf.value, action: form.action, options: button.dataset.options ?? '' }
    })

  /** Asks for this interaction's challenge, as the script does. */
  const askChallenge = async () => {
    const form = await passkeyForm()
    return tab.page.evaluate(async ({ options, csrf }) => {
      const answer = await fetch(options, { method: 'POST', body: new URLSearchParams({ csrf }) })
      return ((await answer.json()) as { challenge: string }).challenge
    }, form)
  }

  /** Posts a credential to this interaction's passkey step, as its form does. */
  const postCredential = async (credential: string) => {
    const form = await passkeyForm()
    return tab.page.evaluate(
      async ({ action, csrf, credential }) => {
        const body = new URLSearchParams({ csrf, credential })
        const answer = await fetch(action, { method: 'POST', body, redirect: 'manual' })
        return { status: answer.status, text: await answer.text() }
      },
      { ...form, credential },
    )
  }

  it('refuses a replayed assertion, in a new sign-in with a fresh challenge', async () => {
    const credential = new URLSearchParams(replay).get('credential') ?? ''
    expect(credential).toContain('"authenticatorData"')
    await startSignIn()
    await askChallenge()
    const { status, text } = await postCredential(credential)
    expect(status).toBe(401)
    expect(text).toContain('That passkey could not be used')
  })

  it('refuses an assertion made on another origin for the same RP ID and challenge', async () => {
    await startSignIn()
    const interaction = tab.page.url()
    const challenge = await askChallenge()
    // Another page on the same host (another origin) relays the challenge and gets it signed.
    const port = (elsewhere.address() as AddressInfo).port
    await tab.page.goto(`http://localhost:${port}/`)
    await tab.page.addScriptTag({ url: `${env.t.issuer}/assets/passkey.js` })
    const assertion = await tab.page.evaluate(async (challenge) => {
      const { SimpleWebAuthnBrowser } = globalThis as unknown as {
        SimpleWebAuthnBrowser: { startAuthentication(o: unknown): Promise<unknown> }
      }
      const optionsJSON = { challenge, rpId: 'localhost', userVerification: 'required' }
      return JSON.stringify(await SimpleWebAuthnBrowser.startAuthentication({ optionsJSON }))
    }, challenge)
    const clientData = JSON.parse(
      Buffer.from(JSON.parse(assertion).response.clientDataJSON, 'base64url').toString(),
    )
    expect(clientData).toMatchObject({ origin: `http://localhost:${port}`, challenge })
    await tab.page.goto(interaction)
    const { status } = await postCredential(assertion)
    expect(status).toBe(401)
  })

  it('refuses and audits a cloned authenticator (signature counter not above the last seen)', async () => {
    const [credential] = await credentialsOf(tab)
    if (!credential) throw new Error('no credential in the authenticator')
    const genuine = credential.signCount
    const [stored] = await env.t.idp.passkeys.ofAccount(accountId)
    // The same key in another authenticator, whose counter starts again at 0.
    await replaceAuthenticator(tab, { ...credential, signCount: 0 })
    await startSignIn()
    await tab.page.getByRole('button', { name: 'Sign in with a passkey' }).click()
    await tab.page.getByText('That passkey could not be used').waitFor()
    expect(env.events.find((e) => e.event === 'passkey.clone_suspected')).toMatchObject({
      accountId,
      severity: 'security',
      storedCounter: stored?.counter,
      presentedCounter: 1,
    })
    // Back to the genuine authenticator for the next test.
    await replaceAuthenticator(tab, { ...credential, signCount: genuine })
  })

  it('refuses a passkey once it is removed from the console', async () => {
    const { auth, back } = await startSignIn()
    await typePassword(tab.page, 'pat', PASSWORD)
    await tab.page.getByRole('button', { name: 'Use a passkey' }).click()
    await auth.redeem(await back)
    await tab.page.goto(`${env.t.issuer}/account/passkeys`)
    await tab.page.getByRole('button', { name: 'Remove Laptop' }).click()
    await tab.page.waitForURL('**/account/passkeys?done=passkey-removed')
    expect(await env.t.idp.passkeys.ofAccount(accountId)).toEqual([])
    expect(await credentialsOf(tab)).toHaveLength(1) // the authenticator still holds it
    await startSignIn()
    await tab.page.getByRole('button', { name: 'Sign in with a passkey' }).click()
    await tab.page.getByText('That passkey could not be used').waitFor()
    expect(tab.page.url()).toContain('/interaction/')
  })
})
