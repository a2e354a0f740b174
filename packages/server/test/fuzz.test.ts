import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { signIn } from './fixtures/login.ts'
import {
  ADAPTERS,
  APP_ORIGIN,
  startBackend,
  startIdp,
  type TestBackend,
  type TestIdp,
} from './fixtures/stack.ts'

// "Bad input gets a clear error and loses nothing": random requests — garbage, truncated and
// recombined real cookies, forged headers, odd bodies — thrown at every endpoint of real
// backends (each adapter, both modes) never get a 5xx, and Latchkey's own answers are the
// contract's JSON errors.

const PATHS = [
  '/auth/login',
  '/auth/callback',
  '/auth/refresh',
  '/auth/logout',
  '/auth/me',
  '/auth/backchannel-logout',
  '/api/me',
  '/api/items',
  '/api/admin',
]
const COOKIE_NAMES = [
  '__Host-access_token',
  '__Secure-refresh_token',
  '__Host-csrf_token',
  '__Host-session',
  '__Secure-latchkey_tx',
  'other',
]
/** Printable ASCII without the characters that end a cookie pair. */
const cookieText = fc.string({
  unit: fc.constantFrom(...'abcXYZ019._-=+/"%\\{} '.split('')),
  maxLength: 2000,
})

describe('server: random requests never get a 5xx', () => {
  let t: TestIdp
  const backends: TestBackend[] = []
  /** Real cookie values from real sign-ins, to mix, cut and recombine. */
  const real: string[] = []
  const csrfTokens: string[] = []

  beforeAll(async () => {
    t = await startIdp()
    for (const adapter of ADAPTERS) backends.push(await startBackend(t, adapter))
    backends.push(await startBackend(t, 'express', { mode: 'session' }))
    for (const backend of [backends[0], backends.at(-1)] as TestBackend[]) {
      const { browser, csrfToken } = await signIn(backend.url)
      real.push(...browser.cookies.values())
      csrfTokens.push(csrfToken)
    }
  })
  afterAll(async () => {
    for (const backend of backends) await backend.close()
    await t.close()
  })

  /** Built once the sign-ins have produced real values to mix in. */
  const arbitraries = () => {
    const value = fc.oneof(
      cookieText,
      fc.constantFrom(...real),
      // A real value cut short, or with a character flipped.
      fc
        .tuple(fc.constantFrom(...real), fc.nat(), fc.constantFrom('A', '.', '-', ''))
        .map(
          ([v, at, c]) => v.slice(0, at % (v.length + 1)) + c + v.slice((at % (v.length + 1)) + 1),
        ),
    )
    const request = fc.record({
      backend: fc.nat(),
      method: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'),
      path: fc.constantFrom(...PATHS),
      query: fc.option(fc.string({ unit: 'grapheme-ascii', maxLength: 40 }), { nil: undefined }),
      cookies: fc.array(fc.tuple(fc.constantFrom(...COOKIE_NAMES), value), { maxLength: 6 }),
      origin: fc.option(fc.constantFrom(APP_ORIGIN, 'http://evil.test', 'null'), {
        nil: undefined,
      }),
      csrf: fc.option(fc.oneof(cookieText, fc.constantFrom(...csrfTokens)), { nil: undefined }),
      body: fc.option(
        fc.oneof(
          fc.string({ maxLength: 200 }),
          fc.constantFrom('logout_token=a.b.c', 'logout_token=', '{"a":', 'code=x&state=y'),
        ),
        { nil: undefined },
      ),
      contentType: fc.constantFrom(
        'application/x-www-form-urlencoded',
        'application/json',
        'text/plain',
      ),
    })
    return request
  }

  it('answers 500 random requests per run with < 500, and JSON errors from Latchkey', async () => {
    await fc.assert(
      fc.asyncProperty(arbitraries(), async (r) => {
        const backend = backends[r.backend % backends.length] as TestBackend
        const headers = new Headers({ 'content-type': r.contentType })
        if (r.cookies.length)
          headers.set('cookie', r.cookies.map(([n, v]) => `${n}=${v}`).join('; '))
        if (r.origin) headers.set('origin', r.origin)
        if (r.csrf) headers.set('x-csrf-token', r.csrf)
        const query = r.query ? `?${encodeURIComponent(r.query)}` : ''
        const hasBody = r.body !== undefined && !['GET', 'OPTIONS'].includes(r.method)
        const response = await fetch(`${backend.url}${r.path}${query}`, {
          method: r.method,
          headers,
          body: hasBody ? r.body : undefined,
          redirect: 'manual',
        })
        const text = await response.text()
        expect(response.status, `${r.method} ${r.path}: ${text}`).toBeLessThan(500)
        const ours = r.path.startsWith('/auth/') || response.status === 401
        if (ours && response.status >= 400 && response.status !== 404 && response.status !== 405) {
          expect(JSON.parse(text), `${r.method} ${r.path}`).toEqual({
            error: expect.any(String),
            message: expect.any(String),
          })
          expect(text).not.toMatch(/ at \S+ \(|node:internal/) // no stack traces
        }
      }),
      { numRuns: 500 },
    )
  })
})
