import type { AuthContext, Latchkey } from '@latchkey/server'
import { failureOf } from './failure.ts'
import { type HeadersLike, requestFrom } from './request.ts'
import { type Session, sessionOf } from './session.ts'

/**
 * Who is calling, verified locally (the access token's signature, expiry and revocation, no
 * call to the IdP), once per request: keyed by the request's own headers object, which Next
 * gives every server component, route handler and server action of one request alike.
 */
export function authReader(latchkey: Latchkey, readHeaders: () => Promise<HeadersLike>) {
  const verified = new WeakMap<HeadersLike, Promise<AuthContext | null>>()

  const verify = async (headers: HeadersLike): Promise<AuthContext | null> => {
    try {
      return await latchkey.authenticate(requestFrom(headers, latchkey.origin))
    } catch (error) {
      // No session, an expired or refused token: signed out. A store outage (503) is thrown.
      if (failureOf(error).status === 401) return null
      throw error
    }
  }

  /** The verified caller with its access token: for this package's own use, never for a page. */
  async function context(): Promise<AuthContext | null> {
    const headers = await readHeaders()
    let pending = verified.get(headers)
    if (!pending) {
      pending = verify(headers)
      verified.set(headers, pending)
    }
    return pending
  }

  return {
    context,
    /** After a refresh within this request: later reads see the new token. */
    replace: async (auth: AuthContext) => verified.set(await readHeaders(), Promise.resolve(auth)),
    /** The signed-in user, or `null`; without any token, so safe to render or pass to the client. */
    auth: async (): Promise<Session | null> => {
      const auth = await context()
      return auth && sessionOf(auth)
    },
  }
}
