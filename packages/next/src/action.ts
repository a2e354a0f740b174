import type { AuthContext, Latchkey } from '@latchkey/server'
import { failureOf } from './failure.ts'
import { type HeadersLike, requestFrom } from './request.ts'
import { type Session, sessionOf } from './session.ts'

/** Why a server action was refused: the contract's code (`unauthenticated`, `forbidden`, `csrf_failed`). */
export class ActionError extends Error {
  override name = 'ActionError'
  readonly code: string
  readonly status: number
  constructor(code: string, status: number, message: string) {
    super(message)
    this.code = code
    this.status = status
  }
}

/**
 * A server action's outcome as the UI gets it. Next replaces the message of an error thrown by
 * an action with a generic one in production, so refusals are returned as values.
 */
export type ActionResult<T> =
  | { ok: true; value: T }
  | { ok: false; error: { code: string; message: string } }

export interface ActionOptions {
  /** A role the user must have. */
  role?: string
}

/**
 * Guards server actions. An action is a POST to the page's own URL, sent with the user's
 * cookies; three checks stand between it and a forged request:
 * 1. Next's own: the Origin must match the Host (`serverActions.allowedOrigins` widens it);
 * 2. Latchkey's origin rule: the Origin, when sent, must be this app's origin, and without one
 *    Fetch Metadata must not say cross-site (the check `POST /auth/refresh` makes);
 * 3. Latchkey's CSRF token, where the caller sends one (`X-CSRF-Token`, as `@latchkey/browser`
 *    does): Next's client sends none, so the first two and the session cookie's SameSite=Lax
 *    (RFC 6265bis §5.4.7: no cookie on a cross-site POST) are what protect a form's action.
 */
export function actionGuard(
  latchkey: Latchkey,
  context: () => Promise<AuthContext | null>,
  readHeaders: () => Promise<HeadersLike>,
) {
  const checkOrigin = (headers: HeadersLike) => {
    const origin = headers.get('origin')
    if (
      origin !== null ? origin !== latchkey.origin : headers.get('sec-fetch-site') === 'cross-site'
    )
      throw new ActionError('csrf_failed', 403, 'request origin is not allowed')
  }

  /** The signed-in user the action may act for; throws `ActionError` otherwise. */
  async function authorizeAction(options: ActionOptions = {}): Promise<Session> {
    const headers = await readHeaders()
    checkOrigin(headers)
    const auth = await context()
    if (!auth) throw new ActionError('unauthenticated', 401, 'sign in first')
    if (headers.get('x-csrf-token') !== null) {
      try {
        await latchkey.checkCsrf(requestFrom(headers, latchkey.origin, 'POST'), auth)
      } catch (error) {
        const failure = failureOf(error)
        throw new ActionError(failure.code, failure.status, failure.message)
      }
    }
    if (options.role && !auth.roles.includes(options.role))
      throw new ActionError('forbidden', 403, `requires role ${options.role}`)
    return sessionOf(auth)
  }

  /**
   * Wraps a server action: it runs only for a signed-in user (with `role`), from this app's
   * origin, and a refusal comes back as `{ ok: false, error: { code, message } }`.
   *
   * @example
   * 'use server'
   * export const publish = action({ role: 'ADMIN' }, async (session, form: FormData) => save(form))
   */
  function action<Args extends unknown[], T>(
    options: ActionOptions,
    run: (session: Session, ...args: Args) => Promise<T>,
  ): (...args: Args) => Promise<ActionResult<T>> {
    return async (...args) => {
      let session: Session
      try {
        session = await authorizeAction(options)
      } catch (error) {
        if (!(error instanceof ActionError)) throw error
        return { ok: false, error: { code: error.code, message: error.message } }
      }
      return { ok: true, value: await run(session, ...args) }
    }
  }

  return { authorizeAction, action }
}
