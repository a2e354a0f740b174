import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type RawResponse, rawRequest } from '../../../test/support/raw_http.ts'
import {
  ADAPTERS,
  startBackend,
  startIdp,
  type TestBackend,
  type TestIdp,
} from './fixtures/stack.ts'

// Requests no HTTP client library would send, written byte for byte on a socket: a broken
// Host, absolute-form targets, TRACE, paths that do not percent-decode, bodies over the limit.
// Each adapter answers them itself, as the contract's JSON — never a framework's HTML error
// page, a stack, a file path or an internal message — and promptly.

/** Fails unless the answer is the contract's JSON error, with nothing internal in it. */
function expectJsonError(response: RawResponse | undefined, status: number, error: string) {
  expect(response, 'answered before the deadline').toBeDefined()
  const { status: actual, headers, body } = response as RawResponse
  expect([actual, body]).toEqual([status, expect.any(String)])
  expect(headers.get('content-type')).toMatch(/^application\/json/)
  expect(JSON.parse(body)).toEqual({ error, message: expect.any(String) })
  expect(body).not.toMatch(/ at |node:|\/work\/|\.ts\b|TypeError|URL/)
}

const MiB = 1024 * 1024

/** A body sent as `Transfer-Encoding: chunked`, which declares no length up front. */
async function* chunked(total: number, size = 16 * 1024) {
  for (let sent = 0; sent < total; sent += size) {
    yield Buffer.from(`${size.toString(16)}\r\n${'a'.repeat(size)}\r\n`)
  }
  yield Buffer.from('0\r\n\r\n')
}

describe.each(ADAPTERS)('%s adapter: requests it cannot take as they are', (adapter) => {
  let t: TestIdp
  let backend: TestBackend
  let roomy: TestBackend
  let host: string

  beforeAll(async () => {
    t = await startIdp()
    backend = await startBackend(t, adapter)
    roomy = await startBackend(t, adapter, { maxBodyBytes: 4 * MiB })
    host = new URL(backend.url).host
  })
  afterAll(async () => {
    await backend?.close()
    await roomy?.close()
    await t?.close()
  })

  const send = (head: string, options?: Parameters<typeof rawRequest>[2]) =>
    rawRequest(backend.url, head, options)

  it.each([
    ['Host: [', 'Host: ['],
    ['a Host with a space', 'Host: a b'],
    ['credentials in the Host', 'Host: user:pass@127.0.0.1'],
    ['a Host with a path', 'Host: 127.0.0.1/x'],
    ['a port out of range', 'Host: 127.0.0.1:99999'],
    ['two Host headers (RFC 9112 §3.2)', 'Host: 127.0.0.1\nHost: evil.example'],
  ])('answers %s with 400 JSON, on /auth/* and on the app routes', async (_name, hostLines) => {
    for (const path of ['/auth/me', '/api/me', '/anything']) {
      expectJsonError(await send(`GET ${path} HTTP/1.1\n${hostLines}`), 400, 'invalid_request')
    }
  })

  it.each([
    ['an absolute-form target with a port of -1', 'http://x:-1/y'],
    ['an absolute-form target with credentials', 'http://user:pass@x/auth/me'],
    ['the asterisk-form outside OPTIONS', '*'],
  ])('answers %s with 400 JSON', async (_name, target) => {
    expectJsonError(await send(`GET ${target} HTTP/1.1\nHost: ${host}`), 400, 'invalid_request')
  })

  it('answers an absolute-form target with an unclosed IPv6 literal without a stack', async () => {
    const response = await send(`GET http://[/auth/me HTTP/1.1\nHost: ${host}`)
    if (adapter !== 'express') return expectJsonError(response, 400, 'invalid_request')
    // Express's router cannot parse this target, so it runs no middleware at all and its
    // final handler answers 404 (docs/server.md): the one answer that is not Latchkey's.
    expect(response?.status).toBe(404)
    expect(response?.body).not.toMatch(/ at |node:|\/work\//)
  })

  it('serves a valid absolute-form target on its path, whatever the Host (RFC 9112 §3.2.2)', async () => {
    const response = await send(`GET http://${host}/auth/me HTTP/1.1\nHost: [`)
    expectJsonError(response, 401, 'unauthenticated')
  })

  it('serves an HTTP/1.0 request without Host on its own origin', async () => {
    expectJsonError(await send('GET /auth/me HTTP/1.0'), 401, 'unauthenticated')
  })

  it('answers TRACE with 501 JSON, never echoing the request (cross-site tracing)', async () => {
    for (const path of ['/auth/me', '/auth/logout', '/api/me']) {
      const response = await send(`TRACE ${path} HTTP/1.1\nHost: ${host}\nCookie: secret=1`)
      expectJsonError(response, 501, 'not_implemented')
      expect(response?.body).not.toContain('secret')
    }
  })

  it.each(['/api/items/%zz', '/api/items/%FF', '/auth/me%zz', '/api/items/%E0%A4%A'])(
    'answers %s, a path that does not percent-decode, with 400 JSON',
    async (path) => {
      expectJsonError(await send(`GET ${path} HTTP/1.1\nHost: ${host}`), 400, 'invalid_request')
    },
  )

  it('refuses a declared body over maxBodyBytes on an app route with 413, then closes', async () => {
    const response = await send(
      `POST /api/items HTTP/1.1\nHost: ${host}\nContent-Type: application/json\nContent-Length: ${MiB}`,
      { body: Buffer.alloc(MiB, 97), waitForClose: true },
    )
    expectJsonError(response, 413, 'payload_too_large')
    expect(response?.closed).toBe(true)
  })

  it('refuses a chunked body over maxBodyBytes on a Latchkey endpoint with 413, then closes', async () => {
    const response = await send(
      `POST /auth/backchannel-logout HTTP/1.1\nHost: ${host}\nContent-Type: application/x-www-form-urlencoded\nTransfer-Encoding: chunked`,
      { body: chunked(MiB), waitForClose: true },
    )
    expectJsonError(response, 413, 'payload_too_large')
    expect(response?.closed).toBe(true)
  })

  it('answers a body under a raised limit promptly: the body is left to the app', async () => {
    // Before: the bridge's eager body stream took the first 64 KiB and paused the request,
    // so Fastify's parser never saw its end (held until Node's 300 s request timeout).
    const size = 512 * 1024
    const response = await rawRequest(
      roomy.url,
      `POST /api/items HTTP/1.1\nHost: ${host}\nContent-Type: application/json\nContent-Length: ${size}`,
      { body: `"${'a'.repeat(size - 2)}"` },
    )
    expectJsonError(response, 401, 'unauthenticated')
  })
})
