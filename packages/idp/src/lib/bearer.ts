import type { IncomingMessage, ServerResponse } from 'node:http'
import { type JWTPayload, type JWTVerifyGetKey, jwtVerify } from 'jose'
import { sendJson } from './http.ts'

export interface AccessTokenClaims extends JWTPayload {
  sub: string
  sid?: string
  scope?: string
}

/**
 * The Bearer access token of a request (RFC 6750 §2.1), verified as one of this IdP's own,
 * locally (RFC 9068 §4: `typ`, issuer, algorithm, expiry). `undefined` when missing or bad.
 */
export function bearerVerifier(issuer: string, jwks: JWTVerifyGetKey) {
  return async function verifyBearer(req: IncomingMessage): Promise<AccessTokenClaims | undefined> {
    const token = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/.exec(req.headers.authorization ?? '')?.[1]
    if (!token) return undefined
    try {
      const { payload } = await jwtVerify<AccessTokenClaims>(token, jwks, {
        issuer,
        typ: 'at+jwt',
        algorithms: ['ES256'],
        requiredClaims: ['sub', 'exp'],
      })
      return payload
    } catch {
      return undefined
    }
  }
}

export type BearerVerifier = ReturnType<typeof bearerVerifier>

/** RFC 6750 §3.1: the answer to a missing, malformed, expired or forged access token. */
export const sendInvalidToken = (res: ServerResponse) =>
  sendJson(
    res,
    401,
    { error: 'invalid_token', message: 'a valid access token is required' },
    { 'www-authenticate': 'Bearer error="invalid_token"' },
  )
