import { Writable } from 'node:stream'
import * as oidc from 'openid-client'
import { pino } from 'pino'
import { Registry } from 'prom-client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  addAlice,
  Browser,
  login,
  type RelyingParty,
  relyingParty,
  startIdp,
  type TestIdp,
} from './support.ts'

// Operations (issue 11 point 4): the IdP's metrics, and the request id a backend sends,
// carried into the audit lines written for that request.

describe('identity provider: metrics and request ids', () => {
  let t: TestIdp
  let rp: RelyingParty
  const registry = new Registry()
  const lines: Record<string, unknown>[] = []
  const password = 'correct horse battery staple'

  beforeAll(async () => {
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>)
        done()
      },
    })
    t = await startIdp({ logger: pino(sink), metrics: registry })
    rp = await relyingParty(t, 'app')
    await addAlice(t, password)
  })
  afterAll(() => t.close())

  it('writes the backend request id into the audit line of a refresh, and counts it', async () => {
    const { tokens } = await login(rp, new Browser(), { username: 'alice', password })
    rp.config[oidc.customFetch] = (url, options) =>
      fetch(url, {
        ...(options as RequestInit),
        headers: { ...options.headers, 'x-request-id': 'backend-7.42' },
      })
    await oidc.refreshTokenGrant(rp.config, tokens.refresh_token as string)
    expect(lines).toContainEqual(
      expect.objectContaining({ event: 'refresh_token.rotated', requestId: 'backend-7.42' }),
    )
    const text = await registry.metrics()
    expect(text).toMatch(/latchkey_idp_events_total\{event="login.succeeded"\} 1/)
    expect(text).toMatch(/latchkey_idp_events_total\{event="refresh_token.rotated"\} 1/)
    expect(text).toMatch(/latchkey_idp_request_seconds_count\{method="POST",status="200"\} [1-9]/)
  })

  it('counts failed sign-ins, and mints an id where none (or a bad one) was sent', async () => {
    const browser = new Browser()
    await expect(
      login(rp, browser, { username: 'alice', password: 'wrong password!' }),
    ).rejects.toThrow()
    expect(await registry.metrics()).toMatch(/latchkey_idp_events_total\{event="login.failed"\} 1/)
    const failed = lines.find((line) => line.event === 'login.failed')
    expect(failed?.requestId).toMatch(/^[0-9a-f-]{36}$/)
    const odd = await fetch(`${t.issuer}/.well-known/openid-configuration`, {
      headers: { 'x-request-id': 'x"} {"forged":1' },
    })
    expect(odd.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/)
  })
})
