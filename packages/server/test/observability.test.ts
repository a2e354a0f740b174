import { randomUUID } from 'node:crypto'
import { redisStore } from '@latchkey/store'
import { Registry } from 'prom-client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tcpProxy } from '../../../test/support/tcp_proxy.ts'
import { prometheusMetrics } from '../src/metrics.ts'
import type { LatchkeyEvent } from '../src/observe.ts'
import { call, signIn } from './fixtures/login.ts'
import { startBackend, startIdp, type TestIdp } from './fixtures/stack.ts'

// Operations (issue 11 point 4): what a backend reports (`events`, Prometheus metrics), the
// request id it hands on to the IdP, and health/readiness for a load balancer.

describe('observability', () => {
  let t: TestIdp
  const idpRequestIds: string[] = []

  beforeAll(async () => {
    t = await startIdp()
  })
  afterAll(() => t.close())

  it('reports sign-ins, authentications and refusals as events and metrics, with no token in them', async () => {
    const events: LatchkeyEvent[] = []
    const registry = new Registry()
    const metrics = prometheusMetrics({ registry })
    const backend = await startBackend(t, 'express', {
      events: (event) => {
        events.push(event)
        metrics.events(event)
      },
    })
    try {
      const { browser, csrfToken } = await signIn(backend.url)
      expect((await call(browser, `${backend.url}/api/me`)).status).toBe(200)
      // An unsafe request without the CSRF header, and an admin route without the role.
      expect((await call(browser, `${backend.url}/api/items`, { method: 'POST' })).status).toBe(403)
      expect((await call(browser, `${backend.url}/api/admin`)).status).toBe(403)
      // A preflight from an origin that is not trusted.
      await fetch(`${backend.url}/api/me`, {
        method: 'OPTIONS',
        headers: { origin: 'https://evil.example', 'access-control-request-method': 'GET' },
      })

      const callback = events.find((e) => e.type === 'endpoint' && e.endpoint === 'callback')
      expect(callback).toMatchObject({ status: 303 })
      expect(events).toContainEqual(
        expect.objectContaining({ type: 'authenticate', result: 'valid' }),
      )
      expect(events).toContainEqual(
        expect.objectContaining({ type: 'refused', error: 'csrf_failed' }),
      )
      expect(events).toContainEqual(
        expect.objectContaining({ type: 'refused', error: 'forbidden' }),
      )
      expect(events).toContainEqual(expect.objectContaining({ type: 'cors_refused' }))
      expect(events).toContainEqual(expect.objectContaining({ type: 'store', ok: true }))
      const serialized = JSON.stringify(events)
      for (const [, value] of browser.cookies) expect(serialized).not.toContain(value)
      expect(serialized).not.toContain(csrfToken)

      const text = await registry.metrics()
      expect(text).toMatch(
        /latchkey_endpoint_seconds_count\{endpoint="callback",status="303",error=""\} 1/,
      )
      expect(text).toMatch(/latchkey_authentications_total\{result="valid"\} [1-9]/)
      expect(text).toMatch(/latchkey_refusals_total\{reason="csrf_failed"\} 1/)
      expect(text).toMatch(/latchkey_refusals_total\{reason="cors_refused"\} 1/)
      expect(text).toMatch(/latchkey_store_seconds_count\{operation="take"\} [1-9]/)
    } finally {
      await backend.close()
    }
  })

  it('sends the request id to the IdP with the calls it makes for that request, and answers with it', async () => {
    const backend = await startBackend(t, 'node', {
      fetch: (input, init) => {
        const id = new Headers(init?.headers).get('x-request-id')
        if (id) idpRequestIds.push(id)
        return fetch(input, init)
      },
    })
    try {
      const { browser } = await signIn(backend.url)
      const refreshed = await call(browser, `${backend.url}/auth/refresh`, {
        method: 'POST',
        headers: { 'x-request-id': 'lb-7f3a.42' },
      })
      expect(refreshed.status).toBe(200)
      expect(refreshed.headers.get('x-request-id')).toBe('lb-7f3a.42')
      expect(idpRequestIds).toContain('lb-7f3a.42')
      // An id that could forge a log line is replaced, not passed on.
      const odd = await call(browser, `${backend.url}/auth/me`, {
        headers: { 'x-request-id': 'a b\tc' },
      })
      expect(odd.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/)
    } finally {
      await backend.close()
    }
  })

  it('answers /healthz while alive and /readyz only while its Redis answers', async () => {
    const proxy = await tcpProxy(6379)
    const store = redisStore({
      url: `redis://127.0.0.1:${proxy.port}`,
      prefix: `latchkey-server-test:${randomUUID()}:`,
    })
    const backend = await startBackend(t, 'hono', { store, health: true })
    try {
      expect((await fetch(`${backend.url}/healthz`)).status).toBe(200)
      expect((await fetch(`${backend.url}/readyz`)).status).toBe(200)
      proxy.cut()
      const down = await fetch(`${backend.url}/readyz`)
      expect(down.status).toBe(503) // RFC 9110 §15.6.4
      expect(down.headers.get('retry-after')).toBe('5')
      expect(await down.json()).toMatchObject({ error: 'store_unavailable' })
      expect((await fetch(`${backend.url}/healthz`)).status).toBe(200)
      proxy.restore()
      await expect
        .poll(async () => (await fetch(`${backend.url}/readyz`)).status, {
          timeout: 10_000,
          interval: 250,
        })
        .toBe(200)
      expect((await fetch(`${backend.url}/readyz`, { method: 'POST' })).status).toBe(405)
    } finally {
      await backend.close()
      await store.close()
      await proxy.close()
    }
  })

  it('leaves /healthz and /readyz to the app unless asked', async () => {
    const backend = await startBackend(t, 'express')
    try {
      expect((await fetch(`${backend.url}/healthz`)).status).toBe(404)
    } finally {
      await backend.close()
    }
  })
})
