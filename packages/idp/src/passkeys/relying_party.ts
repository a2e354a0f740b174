import type { Store } from '@latchkey/store'

/**
 * The WebAuthn relying party the IdP is: its RP ID is the issuer's host name and the only
 * origin it accepts is the issuer's (WebAuthn L3 §5.1.4.1, §7.2 steps 9 and 13), so a
 * passkey made for the IdP works nowhere else and an assertion made elsewhere fails here.
 */
export interface RelyingParty {
  name: string
  id: string
  origin: string
}

export function relyingPartyOf(issuer: string, name: string): RelyingParty {
  const url = new URL(issuer)
  return { name, id: url.hostname, origin: url.origin }
}

const NS = 'webauthn:challenge'
/** Seconds a challenge lives: the ceremony's own timeout (60 s) and some slack. */
export const CHALLENGE_TTL = 120
/** Milliseconds the browser waits for the authenticator (the `timeout` option). */
export const CEREMONY_TIMEOUT = 60_000

/**
 * Challenges in the ephemeral store, one per place a ceremony runs (an interaction, a console
 * session): a new one replaces the last, and checking one spends it, so an assertion or
 * attestation can be answered once only (WebAuthn L3 §13.4.3).
 */
export function challenges(ephemeral: Store) {
  return {
    keep: (place: string, challenge: string) =>
      ephemeral.set(NS, place, challenge, { ttl: CHALLENGE_TTL }),
    take: (place: string) => ephemeral.take<string>(NS, place),
  }
}

export type Challenges = ReturnType<typeof challenges>

/** A ceremony's answer from the browser, as JSON text; `undefined` when it is not one. */
export function parseCredential<T extends { id: string; response: object }>(
  text: string | null | undefined,
): T | undefined {
  if (!text || text.length > 16_384) return undefined
  try {
    const value = JSON.parse(text) as Partial<T>
    const ok =
      typeof value === 'object' &&
      value !== null &&
      typeof value.id === 'string' &&
      typeof value.response === 'object' &&
      value.response !== null
    return ok ? (value as T) : undefined
  } catch {
    return undefined
  }
}
