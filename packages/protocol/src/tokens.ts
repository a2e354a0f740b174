/**
 * How a Latchkey IdP signs and a Latchkey backend verifies, by default: ES256 (ECDSA P-256,
 * RFC 7518 §3.4) for every token, the one algorithm both sides allow (RFC 8725 §3.1: an
 * allow-list, never the token's own `alg`).
 */
export const SIGNING_ALGORITHM = 'ES256'

/** The `typ` header of an access token (RFC 9068 §2.1), which no ID token can pass for. */
export const ACCESS_TOKEN_TYPE = 'at+jwt'

/**
 * What a backend asks for at sign-in: an ID token and the user's profile and email (OIDC Core
 * §5.4), and a refresh token (`offline_access`, §11) so the session outlives the access token.
 */
export const DEFAULT_SCOPE = 'openid profile email offline_access'
