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
/** A body larger than `maxBodyBytes` (RFC 9110 §15.5.14); the connection is closed after it. */
export class PayloadTooLarge extends AuthError {
  static override code = 'payload_too_large'
  static override status = 413
}
/**
 * A method this server never implements: those the Fetch standard forbids (CONNECT, TRACE,
 * TRACK). TRACE would echo the request's cookies back (cross-site tracing). RFC 9110 §15.6.2.
 */
export class NotImplemented extends AuthError {
  static override code = 'not_implemented'
  static override status = 501
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

/**
 * Client errors raised by frameworks and body parsers (http-errors' `status`, Fastify's
 * `statusCode`, Hono's `HTTPException`), by status. Their own messages may quote input or
 * internals, so each gets a fixed one.
 */
const CLIENT_ERRORS: Record<number, [code: string, message: string]> = {
  400: ['invalid_request', 'the request is malformed'],
  401: ['unauthenticated', 'sign in first'],
  403: ['forbidden', 'not allowed'],
  404: ['not_found', 'no such resource'],
  405: ['method_not_allowed', 'method not allowed'],
  413: ['payload_too_large', 'the request body is too large'],
  414: ['invalid_request', 'the request target is too long'],
  415: ['unsupported_media_type', 'unsupported content type'],
  431: ['invalid_request', 'the request headers are too large'],
}

const asAuthError = (error: unknown): AuthError => {
  if (error instanceof AuthError) return error
  const { code, status, statusCode } = (error ?? {}) as Record<string, unknown>
  if (code === 'ERR_STORE_UNAVAILABLE')
    return new StoreUnavailable('the session store is unavailable')
  const clientStatus = [status, statusCode].find(
    (s): s is number => Number.isInteger(s) && (s as number) >= 400 && (s as number) < 500,
  )
  if (clientStatus === undefined) return new AuthError('internal error')
  const [errorCode, message] = CLIENT_ERRORS[clientStatus] ?? [
    'invalid_request',
    'the request is refused',
  ]
  return Object.assign(new AuthError(message), { code: errorCode, status: clientStatus })
}

/**
 * Turns any error into the contract's JSON error response: Latchkey's own with their code,
 * a framework's client error (4xx) with a fixed message, anything else as a bare 500 —
 * never a stack, a file path or an internal message.
 */
export function errorResponse(
  error: unknown,
  // Not the DOM's HeadersInit: the declarations must hold in a Node project without the DOM lib.
  headers?: ResponseInit['headers'],
): Response {
  const known = asAuthError(error)
  const response = Response.json(
    { error: known.code, message: known.message },
    { status: known.status, headers },
  )
  response.headers.set('cache-control', 'no-store')
  if (known.status === 401) {
    // RFC 6750 §3.1: a request without credentials gets the bare challenge ("SHOULD NOT
    // include an error code"); a token that was sent and refused is `invalid_token`.
    response.headers.set(
      'www-authenticate',
      known.code === 'unauthenticated' ? 'Bearer' : 'Bearer error="invalid_token"',
    )
  }
  // RFC 9112 §9.6: the body was not read; this response ends the connection.
  if (known.status === 413) response.headers.set('connection', 'close')
  return response
}
