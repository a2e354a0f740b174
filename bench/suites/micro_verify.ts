/**
 * Access-token verification, the work every authenticated request does.
 * Baseline: jose's full ES256 `jwtVerify` against an in-memory key set. Against it, Latchkey's
 * verifier on a token it has seen (the common case: one user, many requests) and on one it
 * has not (its cache forced to miss).
 */
import { createLocalJWKSet, exportJWK, generateKeyPair, jwtVerify, SignJWT } from 'jose'
import { createVerifier } from '../../packages/server/src/verify.ts'
import { compare } from '../lib/harness.ts'

const ISSUER = 'https://idp.bench'
const AUDIENCE = 'bench-app'

export async function benchVerify() {
  const { privateKey, publicKey } = await generateKeyPair('ES256')
  const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' }
  const sign = (sub: string) =>
    new SignJWT({ roles: ['USER'], sid: 'session-1' })
      .setProtectedHeader({ alg: 'ES256', kid: 'k1', typ: 'at+jwt' })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setSubject(sub)
      .setIssuedAt()
      .setJti(crypto.randomUUID())
      .setExpirationTime('15m')
      .sign(privateKey)
  const tokens = [await sign('alice'), await sign('bob')]
  const [token] = tokens as [string]
  const keySet = createLocalJWKSet({ keys: [jwk] })
  const options = {
    issuer: ISSUER,
    audience: AUDIENCE,
    keys: keySet,
    clockTolerance: 5,
    algorithms: ['ES256'],
    typ: 'at+jwt',
  }
  const cached = createVerifier(options)
  const missing = createVerifier({ ...options, cacheSize: 1 })
  let turn = 0

  return compare('access-token verification (ES256, one token per call)', [
    {
      name: 'jose jwtVerify (baseline)',
      run: () =>
        jwtVerify(token, keySet, {
          issuer: ISSUER,
          audience: AUDIENCE,
          algorithms: ['ES256'],
          typ: 'at+jwt',
        }),
    },
    { name: 'latchkey verify, token seen before', run: () => cached.verify(token) },
    // Two tokens through a one-entry cache: every call is a miss.
    { name: 'latchkey verify, new token', run: () => missing.verify(tokens[turn++ % 2] as string) },
  ])
}
