import { createHmac, timingSafeEqual } from 'node:crypto'

/**
 * CSRF tokens for the IdP's forms, bound to one interaction: HMAC(key, uid). The interaction
 * itself is bound to the browser by its cookie, so a token is worthless anywhere else
 * (OWASP CSRF Prevention: synchronizer token pattern).
 */
export function formTokens(key: string) {
  const sign = (uid: string) => createHmac('sha256', key).update(`form:${uid}`).digest('base64url')
  return {
    issue: sign,
    verify(uid: string, token: string | null | undefined): boolean {
      if (!token) return false
      const expected = Buffer.from(sign(uid))
      const actual = Buffer.from(token)
      return expected.length === actual.length && timingSafeEqual(expected, actual)
    },
  }
}
