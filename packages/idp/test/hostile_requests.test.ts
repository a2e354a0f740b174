import { execFileSync } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer, request } from 'node:https'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { memoryStore } from '@latchkey/store'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchChromium } from '../../../test/support/chromium.ts'
import { rawRequest } from '../../../test/support/raw_http.ts'
import { createIdentityProvider } from '../src/index.ts'
import {
  Browser,
  type RelyingParty,
  relyingParty,
  signInUrl,
  startIdp,
  type TestIdp,
} from './support.ts'

// Requests no honest client sends — broken `Host` headers, absolute-form targets, forged
// hosts, oversized bodies — and the headers every page must carry: issue 14 items 3, 4 and 8,
// issue 17 items 3 and 4.

// Any valid Host will do: the IdP never reads it (its URLs come from the issuer).
const head = (target: string, host: string, extra = '') =>
  `GET ${target} HTTP/1.1\nHost: ${host}\n${extra}Connection: close`

describe('identity provider: hostile requests', () => {
  let t: TestIdp
  let rp: RelyingParty

  beforeAll(async () => {
    t = await startIdp()
    rp = await relyingParty(t, 'app')
  })
  afterAll(() => t.close())

  // RFC 9112 §3.2: a request whose Host is not a valid authority gets 400 — as JSON with a code,
  // never oidc-provider's 500 `server_error` (issue 14 item 3, issue 17 item 3).
  it.each([
    ['a bracket', '/.well-known/openid-configuration', '['],
    ['a space', '/.well-known/openid-configuration', 'a b'],
    ['credentials', '/.well-known/openid-configuration', 'user:secret@idp.example'],
    ['a port out of range', '/jwks', 'idp.example:99999'],
    ['a bracket, at /session/end', '/session/end', '['],
    ['a space, at /session/end', '/session/end', 'a b'],
    ['a bracket, at a screen', '/interaction/abc', '['],
    ['a bracket, at /me', '/me', '['],
  ])('answers a Host with %s with 400 JSON', async (_case, path, host) => {
    const response = await rawRequest(t.issuer, head(path, host))
    expect(response?.status).toBe(400)
    expect(response?.headers.get('content-type')).toContain('application/json')
    expect(JSON.parse(response?.body ?? '')).toMatchObject({ error: 'invalid_request' })
  })

  it.each([
    ['a negative port', 'http://idp.localhost:-1/.well-known/openid-configuration'],
    ['credentials', 'http://user:secret@idp.example/session/end'],
  ])('answers an absolute-form target with %s with 400 JSON', async (_case, target) => {
    const response = await rawRequest(t.issuer, head(target, 'idp.example'))
    expect(response?.status).toBe(400)
    expect(JSON.parse(response?.body ?? '')).toMatchObject({ error: 'invalid_request' })
  })

  // Issue 14 item 4: with a forged Host (or absolute-form target, or X-Forwarded-Host), every
  // URL the IdP publishes still derives from its issuer.
  it.each([
    ['a forged Host', head('/.well-known/openid-configuration', 'evil.example')],
    [
      'an absolute-form target',
      head('http://evil.example/.well-known/openid-configuration', 'evil.example'),
    ],
    [
      'X-Forwarded-Host and -Proto',
      head(
        '/.well-known/openid-configuration',
        'idp.example',
        'X-Forwarded-Host: evil.example\nX-Forwarded-Proto: https\n',
      ),
    ],
  ])('publishes only issuer URLs in discovery, whatever %s says', async (_case, request) => {
    const response = await rawRequest(t.issuer, request)
    expect(response?.status).toBe(200)
    const metadata = JSON.parse(response?.body ?? '') as Record<string, unknown>
    const urls = Object.values(metadata).filter(
      (v): v is string => typeof v === 'string' && /^https?:/.test(v),
    )
    expect(urls.length).toBeGreaterThan(5)
    for (const url of urls) expect(url.startsWith(t.issuer)).toBe(true)
    expect(response?.body).not.toContain('evil.example')
  })

  it('sends the browser only to its own URLs, whatever the Host', async () => {
    const url = new URL(await signInUrl(rp))
    const response = await rawRequest(
      t.issuer,
      head(`${url.pathname}${url.search}`, 'evil.example'),
    )
    expect(response?.status).toBe(303)
    const location = new URL(response?.headers.get('location') ?? '', t.issuer)
    expect(location.origin).toBe(t.issuer)
  })

  it('gives discovery and the JWKS an explicit cache policy, and nothing else', async () => {
    for (const path of ['/.well-known/openid-configuration', '/jwks']) {
      const response = await fetch(`${t.issuer}${path}`)
      expect(response.headers.get('cache-control')).toBe('public, max-age=300')
      expect(response.headers.get('pragma')).toBeNull()
    }
    const token = await fetch(`${t.issuer}/token`, { method: 'POST' })
    expect(token.headers.get('cache-control')).toBe('no-store')
  })

  // Issue 14 item 8: every page the IdP serves, oidc-provider's own included.
  it('puts the same security headers on every page, oidc-provider’s own included', async () => {
    const browser = new Browser()
    const pages = {
      'the sign-in screen': (await browser.follow(await signInUrl(rp))).response,
      // The auto-submitting logout form oidc-provider serves when there is no session.
      'end_session without a session': await fetch(`${t.issuer}/session/end`),
      'an oidc-provider error page': await fetch(`${t.issuer}/auth?client_id=nobody`),
      'an unknown path': await fetch(`${t.issuer}/nothing-here`),
      'a JSON endpoint': await fetch(`${t.issuer}/me`),
    }
    for (const [name, response] of Object.entries(pages)) {
      const csp = response.headers.get('content-security-policy') ?? ''
      expect(csp, name).toContain("frame-ancestors 'none'")
      expect(csp, name).toContain("default-src 'none'")
      expect(response.headers.get('x-frame-options'), name).toBe('DENY')
      expect(response.headers.get('x-content-type-options'), name).toBe('nosniff')
      expect(response.headers.get('referrer-policy'), name).toBe('no-referrer')
      expect(response.headers.get('cache-control'), name).toBe('no-store')
      // Plain HTTP and no trusted proxy: no HSTS (RFC 6797 §7.2).
      expect(response.headers.get('strict-transport-security'), name).toBeNull()
    }
  })

  it('lets through only the auto-submitting form’s own script: end_session still signs out in Chromium', async () => {
    const chromium = await launchChromium()
    try {
      const page = await chromium.newPage()
      await page.goto(`${t.issuer}/session/end`)
      await page.waitForURL(/\/session\/end\/success/)
      expect(await page.textContent('h1')).toBe('Signed out')
    } finally {
      await chromium.close()
    }
  })

  // Issue 17 item 4: refused at once, unread, and the connection closed.
  it('answers a body over the limit with 413 JSON at once and closes the connection', async () => {
    for (const path of ['/token', '/interaction/abc/login', '/jwks', '/account/sessions']) {
      const response = await rawRequest(
        t.issuer,
        `POST ${path} HTTP/1.1\nHost: idp.example\nContent-Type: application/x-www-form-urlencoded\nContent-Length: ${64 * 1024}`,
        // Only the first kilobyte is ever sent: the answer must not wait for the rest.
        { body: 'a'.repeat(1024), waitForClose: true },
      )
      expect(response?.status, path).toBe(413)
      expect(JSON.parse(response?.body ?? '')).toMatchObject({ error: 'request_too_large' })
      expect(response?.closed, path).toBe(true)
    }
  })

  it('counts a body sent without a length as it arrives', async () => {
    const response = await rawRequest(
      t.issuer,
      `POST /interaction/abc/login HTTP/1.1\nHost: idp.example\nContent-Type: application/x-www-form-urlencoded\nTransfer-Encoding: chunked`,
      {
        body: (async function* () {
          for (let i = 0; i < 80; i++) yield Buffer.from(`400\r\n${'a'.repeat(1024)}\r\n`)
        })(),
        waitForClose: true,
      },
    )
    expect(response?.status).toBe(413)
  })

  it('takes its body limit as an option', async () => {
    const small = await startIdp({ maxBodyBytes: 1024 })
    try {
      const post = (size: number) =>
        fetch(`${small.issuer}/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: `grant_type=refresh_token&pad=${'a'.repeat(size)}`,
        })
      expect((await post(2000)).status).toBe(413)
      expect((await post(100)).status).toBe(400) // no client: RFC 6749 §5.2 invalid_request/client
    } finally {
      await small.close()
    }
  })
})

// HSTS only for https: on a TLS socket, or when a trusted proxy says so (issue 14 item 8).
describe('identity provider: HSTS', () => {
  it('sends HSTS when a trusted proxy says the request was https, and only then', async () => {
    const trusting = await startIdp({ trustProxy: true })
    const plain = await startIdp()
    try {
      const hsts = async (t: TestIdp, proto: string) =>
        (
          await fetch(`${t.issuer}/session/end`, { headers: { 'x-forwarded-proto': proto } })
        ).headers.get('strict-transport-security')
      expect(await hsts(trusting, 'https')).toMatch(/^max-age=\d{8}; includeSubDomains$/)
      expect(await hsts(trusting, 'http')).toBeNull()
      // Not told by a trusted proxy: the header is the client's word, and ignored.
      expect(await hsts(plain, 'https')).toBeNull()
    } finally {
      await trusting.close()
      await plain.close()
    }
  })

  it('sends HSTS on a TLS connection', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'latchkey-tls-'))
    const [key, cert] = [join(dir, 'key.pem'), join(dir, 'cert.pem')]
    execFileSync(
      'openssl',
      [
        'req',
        ...['-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'],
        ...['-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1'],
        ...['-addext', 'subjectAltName=IP:127.0.0.1'],
      ],
      { stdio: 'ignore' },
    )
    let idp: Awaited<ReturnType<typeof createIdentityProvider>> | undefined
    const server = createServer({ key: readFileSync(key), cert: readFileSync(cert) }, (req, res) =>
      idp?.handler(req, res),
    )
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    const issuer = `https://127.0.0.1:${(server.address() as AddressInfo).port}`
    idp = await createIdentityProvider({
      issuer,
      stores: { durable: memoryStore(), ephemeral: memoryStore() },
    })
    try {
      const hsts = await new Promise<string | undefined>((resolve, reject) => {
        request(`${issuer}/session/end`, { ca: readFileSync(cert) }, (res) => {
          res.resume()
          resolve(res.headers['strict-transport-security'])
        })
          .on('error', reject)
          .end()
      })
      expect(hsts).toMatch(/^max-age=\d{8}; includeSubDomains$/)
    } finally {
      server.closeAllConnections()
      server.close()
      await idp.close()
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
