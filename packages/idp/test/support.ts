import { randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { memoryStore, postgresStore, redisStore, type Store, sqliteStore } from '@latchkey/store'
import * as oidc from 'openid-client'
import { generateSync } from 'otplib'
import pg from 'pg'
import { pino } from 'pino'
import {
  createIdentityProvider,
  type IdentityProvider,
  type IdentityProviderOptions,
} from '../src/index.ts'

export interface TestIdp {
  idp: IdentityProvider
  stores: { durable: Store; ephemeral: Store }
  issuer: string
  server: Server
  close(): Promise<void>
}

export const CLIENT_SECRET = 'test-secret-0123456789abcdef0123456789'

/** Starts a real IdP over HTTP on a random port (the issuer needs the port, so listen first). */
export async function startIdp(
  options: Partial<IdentityProviderOptions> & {
    stores?: { durable: Store; ephemeral: Store }
    /** The issuer's host name: `localhost` for a browser's secure context (WebAuthn). */
    issuerHost?: string
  } = {},
): Promise<TestIdp> {
  let handler: IdentityProvider['handler'] | undefined
  const server = createServer((req, res) => handler?.(req, res))
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const issuer = `http://${options.issuerHost ?? '127.0.0.1'}:${(server.address() as AddressInfo).port}`
  const stores = options.stores ?? { durable: memoryStore(), ephemeral: memoryStore() }
  const logger = process.env.LATCHKEY_TEST_LOG ? pino({ level: 'debug' }) : undefined
  const { issuerHost: _host, ...rest } = options
  const idp = await createIdentityProvider({ logger, ...rest, issuer, stores })
  handler = idp.handler
  return {
    idp,
    stores,
    issuer,
    server,
    async close() {
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
    },
  }
}

/** The usual test user, with a full profile: name, email and two roles. */
export const addAlice = (t: TestIdp, password: string) =>
  t.idp.accounts.add({
    username: 'alice',
    password,
    email: 'alice@example.com',
    name: 'Alice',
    roles: ['ADMIN', 'USER'],
  })

/** A receiver for back-channel logout POSTs. */
export async function startReceiver() {
  const tokens: string[] = []
  const server = createServer(async (req, res) => {
    let body = ''
    for await (const chunk of req) body += chunk
    tokens.push(new URLSearchParams(body).get('logout_token') ?? '')
    res.writeHead(200).end()
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/backchannel`,
    tokens,
    close: () => new Promise((resolve) => server.close(resolve)),
  }
}

export { HttpBrowser as Browser } from '../../../test/support/http_browser.ts'

import type { HttpBrowser as Browser } from '../../../test/support/http_browser.ts'

export interface RelyingParty {
  config: oidc.Configuration
  redirectUri: string
  clientId: string
}

/** Registers a client at the IdP and discovers it with openid-client, the real RP. */
export async function relyingParty(
  t: TestIdp,
  clientId: string,
  extra: {
    backchannelLogoutUri?: string
    firstParty?: boolean
    name?: string
    accountApi?: boolean
  } = {},
): Promise<RelyingParty> {
  const redirectUri = `https://${clientId}.example/auth/callback`
  await t.idp.clients.add({
    id: clientId,
    secret: CLIENT_SECRET,
    redirectUris: [redirectUri],
    postLogoutRedirectUris: [`https://${clientId}.example/`],
    ...extra,
  })
  const config = await oidc.discovery(new URL(t.issuer), clientId, CLIENT_SECRET, undefined, {
    execute: [oidc.allowInsecureRequests],
  })
  return { config, redirectUri, clientId }
}

export interface LoginOptions {
  username: string
  password: string
  totpSecret?: string
  extraParams?: Record<string, string>
}

/** An authorization request (code + PKCE) that starts a sign-in at the IdP. */
export async function signInUrl(rp: RelyingParty): Promise<string> {
  const url = oidc.buildAuthorizationUrl(rp.config, {
    redirect_uri: rp.redirectUri,
    scope: 'openid',
    code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()),
    code_challenge_method: 'S256',
  })
  return url.href
}

/** Runs the authorization code flow with PKCE through the IdP's screens. */
export async function login(rp: RelyingParty, browser: Browser, options: LoginOptions) {
  const verifier = oidc.randomPKCECodeVerifier()
  const state = oidc.randomState()
  const nonce = oidc.randomNonce()
  const url = oidc.buildAuthorizationUrl(rp.config, {
    redirect_uri: rp.redirectUri,
    scope: 'openid profile email offline_access',
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    nonce,
    ...options.extraParams,
  })
  let page = await browser.follow(url.href, rp.redirectUri)
  if (!page.url.startsWith(rp.redirectUri)) {
    page = await browser.submit(
      page,
      { username: options.username, password: options.password },
      rp.redirectUri,
    )
  }
  if (!page.url.startsWith(rp.redirectUri) && options.totpSecret) {
    page = await browser.submit(
      page,
      { code: generateSync({ secret: options.totpSecret }) },
      rp.redirectUri,
    )
  }
  if (!page.url.startsWith(rp.redirectUri)) {
    throw new Error(`login did not reach the client: ${page.url} ${page.response.status}`)
  }
  const tokens = await oidc.authorizationCodeGrant(rp.config, new URL(page.url), {
    pkceCodeVerifier: verifier,
    expectedState: state,
    expectedNonce: nonce,
  })
  return { tokens, callbackUrl: page.url, verifier, state, nonce }
}

/**
 * The IdP's logout confirmation (a page with an `xsrf` form) accepted by the browser, as a
 * user clicks it. Answers where the browser ends up (`stopAt`: the post-logout URI).
 */
export async function confirmLogout(
  browser: Browser,
  page: { url: string; response: Response },
  stopAt: string,
) {
  const html = await page.response.text()
  const action = /<form[^>]* action="([^"]+)"/.exec(html)?.[1]
  const xsrf = /name="xsrf" value="([^"]+)"/.exec(html)?.[1]
  if (!action || !xsrf) throw new Error(`no logout form on ${page.url}: ${html.slice(0, 200)}`)
  return browser.follow(new URL(action, page.url).href, stopAt, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ xsrf, logout: 'yes' }),
  })
}

/** RP-initiated logout (OIDC RP-Initiated Logout §2) of an openid-client RP, in a browser. */
export async function endSession(rp: RelyingParty, browser: Browser, idToken: string) {
  const postLogout = `https://${rp.clientId}.example/`
  const logoutUrl = oidc.buildEndSessionUrl(rp.config, {
    id_token_hint: idToken,
    post_logout_redirect_uri: postLogout,
  })
  return confirmLogout(browser, await browser.follow(logoutUrl.href), postLogout)
}

type StoreKind = 'memory' | 'sqlite' | 'postgres+redis'

/**
 * The stores the IdP runs on: every protocol test runs against each. PostgreSQL and Redis are
 * the real services (unique table and key prefix per run; records expire on their own).
 */
export const STORE_KINDS: StoreKind[] = ['memory', 'sqlite', 'postgres+redis']

export function storesFor(
  kind: StoreKind,
  /** Two calls with the same run share the data (another IdP instance), not the connections. */
  run = randomBytes(6).toString('hex'),
): {
  durable: Store
  ephemeral: Store
  /** Closes the stores and drops what the run left behind (its PostgreSQL table). */
  dispose(): Promise<void>
} {
  if (kind === 'memory') {
    const stores = { durable: memoryStore(), ephemeral: memoryStore() }
    return { ...stores, dispose: async () => {} }
  }
  if (kind === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'latchkey-idp-'))
    const store = sqliteStore({ path: join(dir, 'latchkey.db') })
    return {
      durable: store,
      ephemeral: store,
      async dispose() {
        await store.close()
        rmSync(dir, { recursive: true, force: true })
      },
    }
  }
  const url = process.env.LATCHKEY_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
  const table = `idp_test_${run}`
  const durable = postgresStore({ url, table })
  const ephemeral = redisStore({
    url: process.env.LATCHKEY_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
    prefix: `latchkey-idp-test:${run}:`,
  })
  return {
    durable,
    ephemeral,
    async dispose() {
      await durable.close()
      await ephemeral.close()
      const client = new pg.Client({ connectionString: url })
      await client.connect()
      await client.query(`DROP TABLE IF EXISTS ${table}`)
      await client.end()
    },
  }
}
