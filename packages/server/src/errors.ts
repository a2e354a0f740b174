/**
 * The backend's errors: one class per failure, each with the stable `error` code the contract
 * publishes (the browser SDK switches on it) and the HTTP status it maps to. Messages are
 * fixed, so nothing about a token or key leaks into a response.
 */
export class AuthError extends Error {
  static code = 'server_error'
  static status = 500
  code: string
  status: number
  override name = 'AuthError'

  constructor(message?: string, options?: { cause?: unknown }) {
    const ctor = new.target as typeof AuthError
    super(message ?? ctor.code, options)
    this.code = ctor.code
    this.status = ctor.status
  }
}

/** No credentials at all: sign in. */
export class Unauthenticated extends AuthError {
  static override code = 'unauthenticated'
  static override status = 401
}
/** The access token was valid but has expired: the one 401 a client answers with a refresh. */
export class TokenExpired extends AuthError {
  static override code = 'token_expired'
  static override status = 401
}
/** A token that is malformed, forged, revoked or meant for someone else. */
export class InvalidToken extends AuthError {
  static override code = 'invalid_token'
  static override status = 401
}
export class CsrfFailed extends AuthError {
  static override code = 'csrf_failed'
  static override status = 403
}
export class Forbidden extends AuthError {
  static override code = 'forbidden'
  static override status = 403
}
export class InvalidRequest extends AuthError {
  static override code = 'invalid_request'
  static override status = 400
}
/** A Latchkey endpoint called with a method it does not answer (RFC 9110 §15.5.6). */
export class MethodNotAllowed extends AuthError {
  static override code = 'method_not_allowed'
  static override status = 405
}
/** The session store (e.g. Redis) cannot be reached: try again later, nothing was changed. */
export class StoreUnavailable extends AuthError {
  static override code = 'store_unavailable'
  static override status = 503
}
/** The identity provider cannot be reached or answered unexpectedly. */
export class IdpUnavailable extends AuthError {
  static override code = 'idp_unavailable'
  static override status = 502
}

/** Turns any error into the contract's JSON error response; unknown errors become a bare 500. */
export function errorResponse(error: unknown, headers?: HeadersInit): Response {
  const known =
    error instanceof AuthError
      ? error
      : (error as { code?: string })?.code === 'ERR_STORE_UNAVAILABLE'
        ? new StoreUnavailable('the session store is unavailable')
        : new AuthError('internal error')
  const response = Response.json(
    { error: known.code, message: known.message },
    { status: known.status, headers },
  )
  response.headers.set('cache-control', 'no-store')
  if (known.status === 401) {
    // RFC 6750 §3: say why a protected resource refused the request.
    response.headers.set(
      'www-authenticate',
      `Bearer error="${known.code === 'unauthenticated' ? 'invalid_request' : 'invalid_token'}"`,
    )
  }
  return response
}
