import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { SIGNING_ALGORITHM } from '@latchkey/protocol'
import { base64url, compactVerify, createLocalJWKSet, type JWK } from 'jose'
import { describe, expect, it } from 'vitest'

// Third-party vectors (Google's Wycheproof) against the signature policy the access-token
// verifier applies, rather than our own guesses at what an attacker would send.

interface JwsGroup {
  /** A single JWK (JWS file) or a JWK Set (JWK file). */
  public?: JWK | { keys: JWK[] }
  private?: JWK | { keys: JWK[] }
  tests: { tcId: number; jws?: string; result: string; comment: string }[]
}

const load = <T>(name: string): { numberOfTests: number; testGroups: T[] } =>
  JSON.parse(readFileSync(join(import.meta.dirname, 'vectors/wycheproof', name), 'utf8'))

/** What a verifier may ever see of a key: its public members. */
const publicPart = ({ d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, k: _k, ...rest }: JWK) => rest

const headerAlg = (jws: string): string | undefined => {
  try {
    return JSON.parse(new TextDecoder().decode(base64url.decode(jws.split('.')[0] ?? ''))).alg
  } catch {
    return undefined
  }
}

/**
 * A vector is accepted only if it is valid, compact (RFC 7519 §7.2: a JWT is a compact JWS)
 * and signed with an allowed algorithm (RFC 8725 §3.1: ES256 only). The keys go through a
 * JWK Set, as the IdP's keys do in the verifier, so key selection honours `use`, `key_ops`,
 * `alg`, `kty`, `crv` and `kid`.
 */
async function runJws(groups: JwsGroup[]) {
  let checked = 0
  for (const group of groups) {
    const set = group.public ?? group.private ?? { keys: [] }
    const keys = ('keys' in set ? set.keys : [set as JWK]).map(publicPart)
    for (const test of group.tests) {
      if (typeof test.jws !== 'string') continue // JSON serialisations are not JWTs
      let accepted: boolean
      try {
        await compactVerify(test.jws, createLocalJWKSet({ keys }), {
          algorithms: [SIGNING_ALGORITHM],
        })
        accepted = true
      } catch {
        accepted = false
      }
      const alg = headerAlg(test.jws)
      const expected =
        test.result === 'valid' &&
        /^[\w-]*\.[\w-]*\.[\w-]*$/.test(test.jws) &&
        alg !== undefined &&
        alg === SIGNING_ALGORITHM
      expect(accepted, `tcId ${test.tcId} (${alg}): ${test.comment}`).toBe(expected)
      checked++
    }
  }
  return checked
}

describe('Wycheproof vectors', () => {
  it('JWS: accepts only valid compact ES256 signatures', async () => {
    expect(await runJws(load<JwsGroup>('json_web_signature_test.json').testGroups)).toBe(401)
  })

  it('JWK: refuses mixed and duplicate key sets, weak, mismatched and wrong-use keys', async () => {
    expect(await runJws(load<JwsGroup>('json_web_key_test.json').testGroups)).toBe(26)
  })

  // ES256 is ECDSA P-256 + SHA-256 with r||s signatures (RFC 7518 §3.4), verified by jose through
  // WebCrypto. These vectors (malleability, r or s out of range, wrong lengths, edge points) pin
  // that primitive: a JWS carries the same bytes, so what it refuses here no token gets past.
  it('ECDSA P-256 SHA-256 (IEEE P1363, the ES256 encoding): verdicts match every vector', async () => {
    const { numberOfTests, testGroups } = load<{
      publicKey: { uncompressed: string }
      tests: { tcId: number; msg: string; sig: string; result: string; comment: string }[]
    }>('ecdsa_secp256r1_sha256_p1363_test.json')
    let checked = 0
    for (const group of testGroups) {
      const key = await crypto.subtle.importKey(
        'raw',
        Buffer.from(group.publicKey.uncompressed, 'hex'),
        { name: 'ECDSA', namedCurve: 'P-256' },
        false,
        ['verify'],
      )
      for (const test of group.tests) {
        const accepted = await crypto.subtle.verify(
          { name: 'ECDSA', hash: 'SHA-256' },
          key,
          Buffer.from(test.sig, 'hex'),
          Buffer.from(test.msg, 'hex'),
        )
        expect(accepted, `tcId ${test.tcId}: ${test.comment}`).toBe(test.result === 'valid')
        checked++
      }
    }
    expect(checked).toBe(numberOfTests)
  })
})
