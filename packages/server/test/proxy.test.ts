import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { HttpBrowser } from '../../../test/support/http_browser.ts'
import {
  PASSWORD,
  startBackend,
  startIdp,
  type TestBackend,
  type TestIdp,
} from './fixtures/stack.ts'

const HSTS = 'max-age=31536000; includeSubDomains'

// Behind a TLS-terminating reverse proxy the backend sees plain http from the proxy; only a
// proxy it is told to trust can say the browser's request was https.
describe('behind a TLS-terminating proxy', () => {
  let t: TestIdp
  let trusting: TestBackend
  let plain: TestBackend

  beforeAll(async () => {
    t = await startIdp()
    // Its public address is https: the proxy's. The IdP only knows that one.
    trusting = await startBackend(t, 'express', (url) => ({
      trustProxy: true,
      redirectUri: `${url.replace('http:', 'https:')}/auth/callback`,
    }))
    plain = await startBackend(t, 'hono')
  })
  afterAll(async () => {
    await trusting?.close()
    await plain?.close()
    await t?.close()
  })

  const hsts = async (url: string, proto?: string) =>
    (
      await fetch(`${url}/auth/me`, { headers: proto ? { 'x-forwarded-proto': proto } : {} })
    ).headers.get('strict-transport-security')

  it('sends HSTS when a trusted proxy says https, and only then (RFC 6797 §7.2)', async () => {
    expect(await hsts(trusting.url, 'https')).toBe(HSTS)
    expect(await hsts(trusting.url, 'https, http')).toBe(HSTS) // the first is the client's hop
    expect(await hsts(trusting.url, 'http')).toBeNull()
    expect(await hsts(trusting.url)).toBeNull()
    // trustProxy is off by default: anyone can send the header.
    expect(await hsts(plain.url, 'https')).toBeNull()
  })

  it('completes a login whose registered redirect URI is https while the socket is http', async () => {
    const browser = new HttpBrowser()
    const publicOrigin = trusting.url.replace('http:', 'https:')
    const page = await browser.follow(`${trusting.url}/auth/login?returnTo=/dashboard`)
    const { url } = await browser.submit(
      page,
      { username: 'alice', password: PASSWORD },
      `${publicOrigin}/auth/callback`,
    )
    // The proxy hands the browser's https request on over http, and says so.
    const callback = await browser.request(url.replace(publicOrigin, trusting.url), {
      headers: { 'x-forwarded-proto': 'https' },
    })
    expect([callback.status, callback.headers.get('location')]).toEqual([
      303,
      `${publicOrigin}/dashboard`,
    ])
    expect(callback.headers.get('strict-transport-security')).toBe(HSTS)
    expect((await browser.request(`${trusting.url}/api/me`)).status).toBe(200)
  })
})
