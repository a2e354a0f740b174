import { ERROR_CODES, type ErrorBody, type ErrorCode } from '@latchkey/protocol'
import { StoreUnavailableError } from '@latchkey/store'

/**
 * The backend's errors: one class per failure, each with the stable `error` code the contract
 * publishes (the browser SDK switches on it) and the HTTP status it maps to, both from the
 * catalog in `@latchkey/protocol`. Messages are fixed, so nothing about a token or key leaks
 * into a response.
 */
export class AuthError extends Error {
  static code: ErrorCode = 'server_error'
  code: ErrorCode
  /** The HTTP status the code always comes with (`ERROR_CODES` in `@latchkey/protocol`). */
  status: number

  constructor(message?: string, options?: { cause?: unknown }) {
    const ctor = new.target as typeof AuthError
    super(message ?? ctor.code, options)
    // Each class keeps its own name (`TokenExpired`), so logs and stack traces say which.
    this.name = ctor.name
    this.code = ctor.code
    this.status = ERROR_CODES[ctor.code]
  }

  /**
   * Any error as one of Latchkey's: itself, a store outage as `StoreUnavailable`, a
   * framework's or body parser's client error (4xx) by its status with a fixed message, and
   * anything else as a bare `server_error` — so a response never carries a stack, a file path
   * or an internal message.
   */
  static from(error: unknown): AuthError {
    if (error instanceof AuthError) return error
    if (error instanceof StoreUnavailableError)
      return new StoreUnavailable('the session store is unavailable', { cause: error })
    const { status, statusCode } = (error ?? {}) as Record<string, unknown>
    const clientStatus = [status, statusCode].find(
      (s): s is number => Number.isInteger(s) && (s as number) >= 400 && (s as number) < 500,
    )
    if (clientStatus === undefined) return new AuthError('internal error', { cause: error })
    const [code, message] = CLIENT_ERRORS[clientStatus] ?? [
      'invalid_request',
      'the request is refused',
    ]
    return Object.assign(new AuthError(message, { cause: error }), { code, status: clientStatus })
  }

  /** The contract's JSON error response for this error: `{ error, message }` with its status. */
  toResponse(
    // Not the DOM's HeadersInit: the declarations must hold in a Node project without the DOM lib.
    headers?: ResponseInit['headers'],
  ): Response {
    const body: ErrorBody = { error: this.code, message: this.message }
    const response = Response.json(body, { status: this.status, headers })
    response.headers.set('cache-control', 'no-store')
    response.headers.set('x-content-type-options', 'nosniff')
    if (this.status === 401) {
      // RFC 6750 §3.1: a request without credentials gets the bare challenge ("SHOULD NOT
      // include an error code"); a token that was sent and refused is `invalid_token`.
      response.headers.set(
        'www-authenticate',
        this.code === 'unauthenticated' ? 'Bearer' : 'Bearer error="invalid_token"',
      )
    }
    // RFC 9112 §9.6: the body was not read; this response ends the connection.
    if (this.status === 413) response.headers.set('connection', 'close')
    return response
  }
}

/** No credentials at all: sign in. */
export class Unauthenticated extends AuthError {
  static override code: ErrorCode = 'unauthenticated'
}
/** The access token was valid but has expired: the one 401 a client answers with a refresh. */
export class TokenExpired extends AuthError {
  static override code: ErrorCode = 'token_expired'
}
/** A token that is malformed, forged, revoked or meant for someone else. */
export class InvalidToken extends AuthError {
  static override code: ErrorCode = 'invalid_token'
}
export class CsrfFailed extends AuthError {
  static override code: ErrorCode = 'csrf_failed'
}
export class Forbidden extends AuthError {
  static override code: ErrorCode = 'forbidden'
}
export class InvalidRequest extends AuthError {
  static override code: ErrorCode = 'invalid_request'
}
/** A Latchkey endpoint called with a method it does not answer (RFC 9110 §15.5.6). */
export class MethodNotAllowed extends AuthError {
  static override code: ErrorCode = 'method_not_allowed'
}
/** A body larger than `maxBodyBytes` (RFC 9110 §15.5.14); the connection is closed after it. */
export class PayloadTooLarge extends AuthError {
  static override code: ErrorCode = 'payload_too_large'
}
/**
 * A method this server never implements: those the Fetch standard forbids (CONNECT, TRACE,
 * TRACK). TRACE would echo the request's cookies back (cross-site tracing). RFC 9110 §15.6.2.
 */
export class NotImplemented extends AuthError {
  static override code: ErrorCode = 'not_implemented'
}
/** The session store (e.g. Redis) cannot be reached: try again later, nothing was changed. */
export class StoreUnavailable extends AuthError {
  static override code: ErrorCode = 'store_unavailable'
}
/** The identity provider cannot be reached or answered unexpectedly. */
export class IdpUnavailable extends AuthError {
  static override code: ErrorCode = 'idp_unavailable'
}

/**
 * Client errors raised by frameworks and body parsers (http-errors' `status`, Fastify's
 * `statusCode`, Hono's `HTTPException`), by status. Their own messages may quote input or
 * internals, so each gets a fixed one.
 */
const CLIENT_ERRORS: Record<number, [code: ErrorCode, message: string]> = {
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

/** Any error as the contract's JSON error response (see `AuthError.from`). */
export const errorResponse = (error: unknown, headers?: ResponseInit['headers']): Response =>
  AuthError.from(error).toResponse(headers)
