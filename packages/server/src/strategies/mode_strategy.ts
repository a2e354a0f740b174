import type { AuthContext } from '../authenticate.ts'
import type { Shared } from '../context.ts'
import { Unauthenticated } from '../errors.ts'
import type { Grant, TokenSet } from '../idp_client.ts'
import type { Binding } from '../session_binding.ts'
import type { SessionRecord } from '../session_store.ts'
import type { AccessClaims } from '../verify.ts'

/** A refresh's outcome: new tokens and what they are bound to, or the IdP's refusal. */
export type Refreshed = { tokens: TokenSet; binding: Binding } | { refused: Unauthenticated }

/**
 * What differs between cookie and session mode, chosen once at construction so that no
 * endpoint asks which mode it is in.
 */
export interface ModeStrategy {
  /** The caller's identity from its cookies, or a coded `AuthError`. */
  authenticate(cookies: Map<string, string>): Promise<AuthContext>
  /** Keeps the tokens a callback obtained (`claims`: of their access token) and names their binding. */
  signIn(
    headers: Headers,
    cookies: Map<string, string>,
    tokens: TokenSet,
    claims: AccessClaims,
  ): Promise<Binding>
  /** New tokens for the caller's refresh token; a refusal has already forgotten what it ended. */
  refresh(cookies: Map<string, string>): Promise<Refreshed>
  /** The server-side session logout ends, in the mode that keeps one. */
  sessionToEnd(cookies: Map<string, string>): Promise<SessionRecord | undefined>
  /** The cookies that carry tokens to the browser (none in session mode). */
  setTokenCookies(headers: Headers, tokens: TokenSet): void
}

/**
 * Refreshes `grant`; a refusal by the IdP (RFC 6749 §5.2) means sign in again, so `forget`
 * drops what the refresh token kept and the refusal is returned rather than thrown.
 */
export async function refreshOrForget(
  { refreshes }: Shared,
  grant: Grant,
  forget: () => Promise<unknown>,
): Promise<TokenSet | { refused: Unauthenticated }> {
  try {
    return await refreshes.refresh(grant)
  } catch (error) {
    if (!(error instanceof Unauthenticated)) throw error
    await forget()
    return { refused: error }
  }
}
