import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createAdmin } from '../src/index.ts'
import {
  Browser,
  login,
  type RelyingParty,
  relyingParty,
  startIdp,
  type TestIdp,
} from './support.ts'

describe('identity provider: signing-key rotation while running', () => {
  let t: TestIdp
  let rp: RelyingParty
  const password = 'correct horse battery staple'

  beforeAll(async () => {
    t = await startIdp()
    rp = await relyingParty(t, 'app', { accountApi: true })
    await t.idp.accounts.add({ username: 'alice', password })
  })
  afterAll(() => t.close())

  const jwksKids = async () =>
    ((await (await fetch(`${t.issuer}/jwks`)).json()) as { keys: { kid: string }[] }).keys.map(
      (k) => k.kid,
    )
  const accessToken = async () =>
    (await login(rp, new Browser(), { username: 'alice', password })).tokens.access_token

  it('signs with the new key as soon as the CLI rotates, and keeps the old key published', async () => {
    const before = await accessToken()
    const oldKid = decodeProtectedHeader(before).kid
    // What `latchkey keys rotate` does, on the same stores, from another process.
    const rotated = await createAdmin(t.stores).rotateKey()
    await expect.poll(jwksKids, { timeout: 5000 }).toEqual([rotated.kid, oldKid])

    const after = await accessToken()
    expect(decodeProtectedHeader(after).kid).toBe(rotated.kid)
    // Tokens signed before the rotation stay verifiable until they expire.
    const jwks = createRemoteJWKSet(new URL(`${t.issuer}/jwks`))
    for (const token of [before, after])
      await expect(jwtVerify(token, jwks, { issuer: t.issuer })).resolves.toBeTruthy()
    // The IdP's own account API verifies with the new key set too.
    const sessions = await fetch(`${t.issuer}/account/sessions`, {
      headers: { authorization: `Bearer ${after}` },
    })
    expect(sessions.status).toBe(200)
    expect(await t.idp.keys.list()).toMatchObject([
      { kid: rotated.kid, status: 'signing' },
      { kid: oldKid, status: 'published' },
    ])
  })

  it('rotates through its own API at once', async () => {
    const key = await t.idp.keys.rotate()
    expect((await jwksKids())[0]).toBe(key.kid)
    expect(decodeProtectedHeader(await accessToken()).kid).toBe(key.kid)
  })

  it('publishes a delayed key at once and signs with it only when its time comes', async () => {
    const signer = decodeProtectedHeader(await accessToken()).kid
    const next = await createAdmin(t.stores).rotateKey(2)
    await expect.poll(jwksKids, { timeout: 5000 }).toContain(next.kid)
    // Published for verifiers, not used for signing yet; the JWKS says it may only verify.
    expect(decodeProtectedHeader(await accessToken()).kid).toBe(signer)
    const jwks = (await (await fetch(`${t.issuer}/jwks`)).json()) as {
      keys: { kid: string; key_ops?: string[] }[]
    }
    expect(jwks.keys.find((k) => k.kid === next.kid)?.key_ops).toEqual(['verify'])
    expect((await t.idp.keys.list()).find((k) => k.kid === next.kid)?.status).toBe('next')
    await expect
      .poll(async () => decodeProtectedHeader(await accessToken()).kid, { timeout: 5000 })
      .toBe(next.kid)
  })
})
