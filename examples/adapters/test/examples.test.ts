import type { LatchkeyOptions } from '@latchkey/server'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { call, signIn } from '../../../packages/server/test/fixtures/login.ts'
import { SECRET, startIdp, type TestIdp } from '../../../packages/server/test/fixtures/stack.ts'
import { freePort } from '../../../test/support/free_port.ts'
import { rawRequest } from '../../../test/support/raw_http.ts'
import * as express from '../src/express.ts'
import * as fastify from '../src/fastify.ts'
import * as hono from '../src/hono.ts'
import * as nodeHttp from '../src/node_http.ts'

const EXAMPLES = [
  { name: 'express', start: express.start, notes: true },
  { name: 'fastify', start: fastify.start, notes: true },
  { name: 'hono', start: hono.start, notes: true },
  { name: 'node:http', start: nodeHttp.start, notes: false },
]

// Each example as a user runs it, against the real IdP: sign in, call, post, be refused.
describe.each(EXAMPLES)('the $name example', ({ name, start, notes }) => {
  let t: TestIdp
  let url: string
  let close: () => Promise<void>

  beforeAll(async () => {
    t = await startIdp()
    const port = await freePort()
    url = `http://127.0.0.1:${port}`
    const clientId = `example-${name.replace(':', '-')}`
    await t.idp.clients.add({
      id: clientId,
      secret: SECRET,
      redirectUris: [`${url}/auth/callback`],
    })
    const options: LatchkeyOptions = {
      issuer: t.issuer,
      clientId,
      clientSecret: SECRET,
      redirectUri: `${url}/auth/callback`,
      secrets: ['example-secret-0123456789abcdef0123456789'],
    }
    ;({ close } = await start(options, port))
  })
  afterAll(async () => {
    await close?.()
    await t?.close()
  })

  it('signs in through the IdP and answers the guarded routes', async () => {
    expect((await fetch(`${url}/api/me`)).status).toBe(401)
    const { browser, csrfToken } = await signIn(url, 'alice')
    const me = await call(browser, `${url}/api/me`)
    expect(await me.json()).toEqual({ sub: expect.any(String), roles: ['USER'], framework: name })
    // alice is no ADMIN: a 403 with the contract's code.
    const admin = await call(browser, `${url}/api/admin`)
    expect([admin.status, (await admin.json()).error]).toEqual([403, 'forbidden'])
    if (notes) {
      const body = JSON.stringify({ text: 'hi' })
      const headers = { 'content-type': 'application/json' }
      const refused = await call(browser, `${url}/api/notes`, { method: 'POST', body, headers })
      expect([refused.status, (await refused.json()).error]).toEqual([403, 'csrf_failed'])
      const saved = await call(browser, `${url}/api/notes`, {
        method: 'POST',
        body,
        headers,
        csrf: csrfToken,
      })
      expect(saved.status).toBe(201)
      expect(await saved.json()).toMatchObject({ saved: { text: 'hi' } })
    }
  })

  /** The contract's JSON error, and nothing internal (stack, file path, framework page). */
  const expectJsonError = async (response: Response, status: number, error: string) => {
    const text = await response.text()
    expect([response.status, response.headers.get('content-type')]).toEqual([
      status,
      expect.stringMatching(/^application\/json/),
    ])
    expect(JSON.parse(text)).toEqual({ error, message: expect.any(String) })
    expect(text).not.toMatch(/ at |node:|\/work\/|<html/i)
  }

  it("answers the app's own errors and unknown routes as JSON, never a framework's page", async () => {
    await expectJsonError(await fetch(`${url}/nowhere`), 404, 'not_found')
    if (!notes) return
    const { browser, csrfToken } = await signIn(url, 'alice')
    const malformed = await call(browser, `${url}/api/notes`, {
      method: 'POST',
      body: '{"text":',
      headers: { 'content-type': 'application/json' },
      csrf: csrfToken,
    })
    await expectJsonError(malformed, 400, 'invalid_request')
  })

  it('answers what no client library sends with JSON: a broken Host, TRACE, a bad path, a big body', async () => {
    const host = new URL(url).host
    const cases: [string, number, string, Parameters<typeof rawRequest>[2]?][] = [
      ['GET /api/me HTTP/1.1\nHost: [', 400, 'invalid_request'],
      [`TRACE /api/me HTTP/1.1\nHost: ${host}`, 501, 'not_implemented'],
      [`GET /api/me/%zz HTTP/1.1\nHost: ${host}`, 400, 'invalid_request'],
      [
        `POST /api/notes HTTP/1.1\nHost: ${host}\nContent-Type: application/json\nContent-Length: 1000000`,
        413,
        'payload_too_large',
        { body: Buffer.alloc(1_000_000, 32), waitForClose: true },
      ],
    ]
    for (const [head, status, error, options] of cases) {
      const response = await rawRequest(url, head, options)
      expect([response?.status, JSON.parse(response?.body ?? '{}').error], head).toEqual([
        status,
        error,
      ])
    }
  })
})
