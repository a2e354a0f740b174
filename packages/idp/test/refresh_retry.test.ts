import { Writable } from 'node:stream'
import * as oidc from 'openid-client'
import { pino } from 'pino'
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

// A refresh whose answer is lost (an instance died between rotating and answering) is
// retried with the rotated token: with `refreshTokenRetrySeconds`, that one retry rotates
// again instead of ending the session; anything beyond it is still reuse (RFC 9700 §4.14.2).

describe('identity provider: the one retry of a refresh whose answer was lost', () => {
  let t: TestIdp
  let rp: RelyingParty
  const events: string[] = []
  const password = 'correct horse battery staple'

  beforeAll(async () => {
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        events.push(String((JSON.parse(chunk.toString()) as { event?: string }).event))
        done()
      },
    })
    t = await startIdp({ refreshTokenRetrySeconds: 30, logger: pino(sink) })
    rp = await relyingParty(t, 'app')
    await addAlice(t, password)
  })
  afterAll(() => t.close())

  it('rotates once more for the first replay, audits it, and treats a second replay as reuse', async () => {
    const { tokens } = await login(rp, new Browser(), { username: 'alice', password })
    const first = tokens.refresh_token ?? ''
    const lost = await oidc.refreshTokenGrant(rp.config, first) // the answer that never arrived
    const retried = await oidc.refreshTokenGrant(rp.config, first)
    expect(retried.refresh_token).toBeTruthy()
    expect(retried.refresh_token).not.toBe(lost.refresh_token)
    expect(events).toContain('refresh_token.retried')
    // The retried session goes on.
    const next = await oidc.refreshTokenGrant(rp.config, retried.refresh_token ?? '')
    // A second replay of the first token is reuse: refused, and the whole family ends.
    await expect(oidc.refreshTokenGrant(rp.config, first)).rejects.toMatchObject({
      error: 'invalid_grant',
    })
    expect(events, events.join()).toContain('refresh_token.reuse_detected')
    await expect(oidc.refreshTokenGrant(rp.config, next.refresh_token ?? '')).rejects.toMatchObject(
      { error: 'invalid_grant' },
    )
  })

  it('does not revive a token rotated longer ago than the window', async () => {
    const short = await startIdp({ refreshTokenRetrySeconds: 1 })
    try {
      const app = await relyingParty(short, 'app')
      await addAlice(short, password)
      const { tokens } = await login(app, new Browser(), { username: 'alice', password })
      await oidc.refreshTokenGrant(app.config, tokens.refresh_token ?? '')
      await new Promise((resolve) => setTimeout(resolve, 2100))
      await expect(
        oidc.refreshTokenGrant(app.config, tokens.refresh_token ?? ''),
      ).rejects.toMatchObject({ error: 'invalid_grant' })
    } finally {
      await short.close()
    }
  })
})
