import { CSRF_HEADER } from '@latchkey/protocol'
import { CsrfFailed } from './errors.ts'
import { hmac, safeEqual } from './lib/crypto.ts'

/**
 * CSRF defence in two layers (OWASP CSRF Prevention Cheat Sheet):
 * 1. an HMAC token bound to the session, `<sid>.<HMAC(secret, sid)>`, sent by JavaScript in the
 *    `X-CSRF-Token` header and compared in constant time with both the cookie and the value
 *    expected for the session — a token planted by a sibling subdomain fails the binding;
 * 2. an `Origin` / `Sec-Fetch-Site` check, so a cross-site form can't even get that far.
 */
export function csrf(secrets: string[], allowedOrigins: Set<string>) {
  // The token names the session it belongs to, so logout can check it even after the access
  // cookie has expired and gone.
  const tokenFor = (binding: string, secret = secrets[0] ?? '') =>
    `${binding}.${hmac(secret, `csrf:${binding}`)}`
  return {
    tokenFor: (binding: string) => tokenFor(binding),
    /** The session a token was issued for, when it carries our HMAC (under any secret). */
    bindingOf(token: string | undefined): string | undefined {
      const binding = token?.slice(0, token.lastIndexOf('.'))
      if (!token || !binding) return undefined
      return secrets.some((secret) => safeEqual(token, tokenFor(binding, secret)))
        ? binding
        : undefined
    },
    checkOrigin(request: Request): void {
      const origin = request.headers.get('origin')
      if (origin !== null) {
        if (!allowedOrigins.has(origin)) throw new CsrfFailed('request origin is not allowed')
        return
      }
      // No Origin (older browsers, some same-origin requests): Fetch Metadata decides.
      if (request.headers.get('sec-fetch-site') === 'cross-site')
        throw new CsrfFailed('cross-site request refused')
    },
    checkToken(
      request: Request,
      cookieValue: string | undefined,
      binding: string | undefined,
    ): void {
      const header = request.headers.get(CSRF_HEADER)
      if (!header || !cookieValue || !binding) throw new CsrfFailed('missing CSRF token')
      const matchesCookie = safeEqual(header, cookieValue)
      const bound = secrets.some((secret) => safeEqual(header, tokenFor(binding, secret)))
      if (!matchesCookie || !bound) throw new CsrfFailed('CSRF token mismatch')
    },
  }
}
