/**
 * What a sign-in is bound to, and the one key under which it is revoked: the IdP session
 * (`sid:<sid>`) or, for IdPs that name none, the user (`sub:<sub>`). CSRF tokens, grant
 * records, session indexes and the revoked list all use this same string, so what logout
 * writes is what `isRevoked` reads.
 *
 * Revoking `sub:<sub>` ends every session of that user at this backend (access tokens issued
 * until then are refused, every refresh token kept for the user is revoked): the price of
 * an IdP whose tokens carry nothing narrower that a request can be checked against.
 */
export type Binding = `sid:${string}` | `sub:${string}`

/**
 * The binding of a sign-in: the access token's `sid`, else the ID token's (`idTokenSid`),
 * else the user. Cookie mode passes no `idTokenSid`: there a request brings only the access
 * token, so its binding must be readable from the access token alone.
 */
export const bindingOf = (access: { sid?: string; sub: string }, idTokenSid?: string): Binding => {
  const sid = access.sid ?? idTokenSid
  return sid ? `sid:${sid}` : `sub:${access.sub}`
}

/** The IdP session a binding names, if it names one. */
export const sidOf = (binding: Binding): string | undefined =>
  binding.startsWith('sid:') ? binding.slice(4) : undefined

/** A binding read back from a signed CSRF token (any other string is not one). */
export const asBinding = (value: string | undefined): Binding | undefined =>
  value?.startsWith('sid:') || value?.startsWith('sub:') ? (value as Binding) : undefined
