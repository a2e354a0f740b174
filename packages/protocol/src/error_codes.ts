/**
 * Every `error` code a Latchkey backend puts in its JSON error body
 * (`{ "error": code, "message": text }`), with the HTTP status it always comes with. The
 * codes are a public promise: clients switch on them, so one is never renamed or reused.
 */
export const ERROR_CODES = {
  /** No credentials, or a session that has ended: sign in (RFC 6750 §3.1, bare challenge). */
  unauthenticated: 401,
  /** The access token was valid and has expired: the one 401 a client answers with a refresh. */
  token_expired: 401,
  /** A token that is malformed, forged, revoked or meant for someone else (RFC 6750 §3.1). */
  invalid_token: 401,
  /** An unsafe request without the CSRF token, with a wrong one, or from a foreign origin. */
  csrf_failed: 403,
  /** Signed in, but without the role the route requires. */
  forbidden: 403,
  /** A request that cannot be understood: a bad parameter, header or target (RFC 9110 §15.5.1). */
  invalid_request: 400,
  /** No such resource (RFC 9110 §15.5.5). */
  not_found: 404,
  /** A Latchkey endpoint called with a method it does not answer (RFC 9110 §15.5.6). */
  method_not_allowed: 405,
  /** A body larger than the configured limit (RFC 9110 §15.5.14); the connection is closed. */
  payload_too_large: 413,
  /** A body in a format the route does not take (RFC 9110 §15.5.16). */
  unsupported_media_type: 415,
  /** A method no Latchkey server implements: CONNECT, TRACE, TRACK (RFC 9110 §15.6.2). */
  not_implemented: 501,
  /** The identity provider could not be reached or answered unexpectedly (RFC 9110 §15.6.3). */
  idp_unavailable: 502,
  /** The session store could not be reached: nothing was changed, try again (RFC 9110 §15.6.4). */
  store_unavailable: 503,
  /** Anything else: a bug on the server's side, reported without detail. */
  server_error: 500,
} as const satisfies Record<string, number>

export type ErrorCode = keyof typeof ERROR_CODES

/** The body of every error response. */
export interface ErrorBody {
  error: ErrorCode
  message: string
}

/** The only error a client answers by refreshing and retrying (CONTRACT.md). */
export const REFRESH_ON = 'token_expired' satisfies ErrorCode
