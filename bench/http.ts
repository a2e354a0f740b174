/**
 * What Latchkey adds to an authenticated API call, over real HTTP on loopback: the real IdP
 * signs the user in once per backend, then `GET /api/me` is called with the resulting cookies,
 * 16 requests in flight. Baseline: a bare node:http server answering the same JSON with no
 * authentication at all, so the ratio is the whole cost of cookies, verification and (in
 * session mode) the store lookup, including each framework's own overhead.
 */
import { once } from 'node:events'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { signIn } from '../packages/server/test/fixtures/login.ts'
import {
  type AdapterName,
  startBackend,
  startIdp,
  type TestBackend,
} from '../packages/server/test/fixtures/stack.ts'
import { redisStore } from '../packages/store/src/index.ts'
import { compare } from './harness.ts'

const PARALLEL = 16

export async function benchHttp() {
  const idp = await startIdp()
  const bare = createServer((_req, res) => {
    res.setHeader('content-type', 'application/json')
    res.end(JSON.stringify({ sub: 'alice', roles: ['USER'] }))
  })
  bare.listen(0, '127.0.0.1')
  await once(bare, 'listening')
  const redis = redisStore({ url: process.env.LATCHKEY_REDIS_URL ?? 'redis://127.0.0.1:6379' })
  const backends: TestBackend[] = []
  try {
    const signedIn = async (name: string, adapter: AdapterName, mode?: 'session') => {
      const backend = await startBackend(idp, adapter, mode ? { mode, store: redis } : {})
      backends.push(backend)
      const { browser } = await signIn(backend.url)
      const url = `${backend.url}/api/me`
      const cookie = browser.cookieHeader(url)
      return burst(name, url, { cookie })
    }
    const burst = (name: string, url: string, headers: Record<string, string> = {}) => ({
      name,
      batch: PARALLEL,
      run: () =>
        Promise.all(
          Array.from({ length: PARALLEL }, async () => {
            const response = await fetch(url, { headers })
            if (response.status !== 200) throw new Error(`${name}: ${response.status}`)
            await response.arrayBuffer()
          }),
        ),
    })
    await compare(`authenticated GET /api/me over HTTP, ${PARALLEL} in flight`, [
      burst(
        'node:http, no auth (baseline)',
        `http://127.0.0.1:${(bare.address() as AddressInfo).port}/`,
      ),
      await signedIn('node:http + latchkey (cookie mode)', 'node'),
      await signedIn('node:http + latchkey (session mode, Redis)', 'node', 'session'),
      await signedIn('express + latchkey', 'express'),
      await signedIn('fastify + latchkey', 'fastify'),
      await signedIn('hono + latchkey', 'hono'),
    ])
  } finally {
    for (const backend of backends) await backend.close()
    bare.closeAllConnections()
    bare.close()
    await redis.close()
    await idp.close()
  }
}
