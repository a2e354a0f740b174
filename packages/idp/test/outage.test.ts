import { randomUUID } from 'node:crypto'
import { memoryStore, redisStore } from '@latchkey/store'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tcpProxy } from '../../../test/support/tcp_proxy.ts'
import {
  Browser,
  CLIENT_SECRET,
  login,
  type RelyingParty,
  relyingParty,
  startIdp,
  type TestIdp,
} from './support.ts'

// Redis goes away under a running IdP (a real Redis behind a proxy that drops it): the IdP
// answers 503 — a page for browsers, JSON for APIs — never a 500 or a crash, and recovers
// by itself when Redis is back.

describe('identity provider: Redis goes down and comes back', () => {
  let proxy: Awaited<ReturnType<typeof tcpProxy>>
  let t: TestIdp
  let rp: RelyingParty
  const password = 'correct horse battery staple'

  beforeAll(async () => {
    proxy = await tcpProxy(6379)
    const ephemeral = redisStore({
      url: `redis://127.0.0.1:${proxy.port}`,
      prefix: `latchkey-idp-test:${randomUUID()}:`,
    })
    t = await startIdp({ stores: { durable: memoryStore(), ephemeral } })
    rp = await relyingParty(t, 'app', { accountApi: true })
    await t.idp.accounts.add({ username: 'alice', password })
  })
  afterAll(async () => {
    await t.close()
    await t.stores.ephemeral.close()
    await proxy.close()
  })

  it('answers 503 while Redis is away and signs in again once it is back', async () => {
    const { tokens } = await login(rp, new Browser(), { username: 'alice', password })
    proxy.cut()

    const page = await fetch(
      `${t.issuer}/auth?client_id=app&response_type=code&scope=openid&redirect_uri=${encodeURIComponent(rp.redirectUri)}&code_challenge=${'a'.repeat(43)}&code_challenge_method=S256`,
      { redirect: 'manual' },
    )
    expect(page.status).toBe(503)
    expect(await page.text()).not.toMatch(/ at \S+ \(|node:internal/)
    const api = await fetch(`${t.issuer}/account/sessions`, {
      headers: { authorization: `Bearer ${tokens.access_token}` },
    })
    expect(api.status).toBe(503)
    expect(await api.json()).toMatchObject({ error: 'store_unavailable' })
    // The token endpoint: a retryable answer (HTTP 503 + Retry-After), not server_error.
    const token = await fetch(`${t.issuer}/token`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${btoa(`app:${CLIENT_SECRET}`)}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: tokens.refresh_token ?? '',
      }),
    })
    expect([token.status, token.headers.get('retry-after')]).toEqual([503, '5'])
    expect(await token.json()).toMatchObject({ error: 'temporarily_unavailable' })
    // So is introspection of an access token, which needs the store's record of it.
    const introspection = await fetch(`${t.issuer}/token/introspection`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${btoa(`app:${CLIENT_SECRET}`)}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ token: tokens.access_token }),
    })
    expect([introspection.status, introspection.headers.get('retry-after')]).toEqual([503, '5'])
    expect(await introspection.json()).toMatchObject({ error: 'temporarily_unavailable' })
    // What needs no store still answers.
    expect((await fetch(`${t.issuer}/.well-known/openid-configuration`)).status).toBe(200)

    proxy.restore()
    const signsIn = () =>
      login(rp, new Browser(), { username: 'alice', password }).then(
        () => true,
        () => false,
      )
    await expect.poll(signsIn, { timeout: 10_000, interval: 500 }).toBe(true)
  })
})
