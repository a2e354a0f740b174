import { AuthError, type ErrorCode } from '@latchkey/server'

/** A refusal as the contract's code and status. */
export interface Failure {
  code: ErrorCode
  status: number
  message: string
}

/**
 * The coded failure an error stands for (`AuthError.from`: Latchkey's own errors, a store
 * outage as 503); an error that is no refusal at all (a bug) is rethrown for Next to handle.
 */
export function failureOf(error: unknown): Failure {
  const known = AuthError.from(error)
  if (known.code === 'server_error' && !(error instanceof AuthError)) throw error
  return { code: known.code, status: known.status, message: known.message }
}

/** The contract's JSON error response (`{ error, message }`, no-store, the 401 challenge). */
export const failureResponse = (failure: Failure, headers?: Headers): Response =>
  Object.assign(new AuthError(failure.message), failure).toResponse(headers)
