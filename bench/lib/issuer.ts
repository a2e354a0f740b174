/**
 * A signing key and the smallest issuer that publishes it (discovery and JWKS only), so the
 * per-request benchmark can mint as many distinct valid access tokens as it needs without a
 * sign-in each: the servers under test trust this issuer exactly as they would the real IdP
 * (they fetch its discovery document and JWKS once, at their first request).
 */
import { once } from 'node:events'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { exportJWK, exportSPKI, generateKeyPair, SignJWT } from 'jose'

export const CLIENT_ID = 'bench-app'
const KID = 'bench-key-1'

export async function startIssuer() {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true })
  const jwk = { ...(await exportJWK(publicKey)), kid: KID, alg: 'ES256', use: 'sig' }
  const server = createServer((req, res) => {
    const body =
      req.url === '/.well-known/openid-configuration'
        ? {
            issuer,
            authorization_endpoint: `${issuer}/auth`,
            token_endpoint: `${issuer}/token`,
            jwks_uri: `${issuer}/jwks`,
            end_session_endpoint: `${issuer}/session/end`,
            response_types_supported: ['code'],
            subject_types_supported: ['public'],
            id_token_signing_alg_values_supported: ['ES256'],
            token_endpoint_auth_methods_supported: ['client_secret_basic'],
          }
        : req.url === '/jwks'
          ? { keys: [jwk] }
          : undefined
    res.statusCode = body ? 200 : 404
    res.setHeader('content-type', 'application/json')
    res.end(JSON.stringify(body ?? { error: 'not_found' }))
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const lifetime = 4 * 3600 // outlives any run

  /** An access token as Latchkey's IdP issues them (RFC 9068): user `n`, session `sid-n`. */
  const accessToken = (n: number) =>
    new SignJWT({
      roles: ['USER'],
      sid: `sid-${n}`,
      client_id: CLIENT_ID,
      scope: 'openid profile email offline_access',
    })
      .setProtectedHeader({ alg: 'ES256', kid: KID, typ: 'at+jwt' })
      .setIssuer(issuer)
      .setAudience(CLIENT_ID)
      .setSubject(`user-${n}`)
      .setIssuedAt()
      .setJti(crypto.randomUUID())
      .setExpirationTime(`${lifetime}s`)
      .sign(privateKey)

  /** An ID token for user `n` (express-openid-connect keeps one in its session cookie). */
  const idToken = (n: number) =>
    new SignJWT({ sid: `sid-${n}`, email: `user-${n}@example.com` })
      .setProtectedHeader({ alg: 'ES256', kid: KID })
      .setIssuer(issuer)
      .setAudience(CLIENT_ID)
      .setSubject(`user-${n}`)
      .setIssuedAt()
      .setExpirationTime(`${lifetime}s`)
      .sign(privateKey)

  return {
    issuer,
    publicKeyPem: await exportSPKI(publicKey),
    lifetime,
    accessToken,
    idToken,
    /** `count` tokens from `mint`, a few in flight at a time. */
    async many(count: number, mint: (n: number) => Promise<string>, from = 0) {
      const tokens: string[] = []
      for (let n = from; n < from + count; n += 100)
        tokens.push(
          ...(await Promise.all(
            Array.from({ length: Math.min(100, from + count - n) }, (_, i) => mint(n + i)),
          )),
        )
      return tokens
    },
    close() {
      server.closeAllConnections()
      server.close()
    },
  }
}

export type Issuer = Awaited<ReturnType<typeof startIssuer>>
