import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CLIENT_SECRET, relyingParty, startIdp, type TestIdp } from './support.ts'

// A client_id, code or token longer than any store key (found by the demo's fuzz suite): it
// names no record, and is refused like any other unknown one — not a 500 from the store's
// argument check.

describe('identity provider: ids longer than a store key', () => {
  let t: TestIdp
  const long = 'a'.repeat(600)
  const form = (path: string, body: string) =>
    fetch(`${t.issuer}${path}`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${btoa(`app:${CLIENT_SECRET}`)}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body,
    })

  beforeAll(async () => {
    t = await startIdp()
    await relyingParty(t, 'app')
  })
  afterAll(() => t.close())

  it('refuses an authorization request for an unknown client with 400', async () => {
    const response = await fetch(
      `${t.issuer}/auth?client_id=${long}&response_type=code&scope=openid&redirect_uri=http://x/cb`,
      { redirect: 'manual' },
    )
    expect(response.status).toBe(400)
  })

  it('answers invalid_grant for such a code or refresh token (RFC 6749 §5.2)', async () => {
    for (const body of [
      `grant_type=refresh_token&refresh_token=${long}`,
      `grant_type=authorization_code&code=${long}&redirect_uri=http://x/cb&code_verifier=${'b'.repeat(50)}`,
    ]) {
      const response = await form('/token', body)
      expect(response.status).toBe(400)
      expect((await response.json()).error).toBe('invalid_grant')
    }
  })

  it('introspects such a token as inactive (RFC 7662 §2.2) and revokes it with 200 (RFC 7009 §2.2)', async () => {
    const introspection = await form('/token/introspection', `token=${long}`)
    expect(await introspection.json()).toEqual({ active: false })
    expect((await form('/token/revocation', `token=${long}`)).status).toBe(200)
  })
})
