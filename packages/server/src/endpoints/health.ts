import type { Context } from '../context.ts'
import { AuthError, IdpUnavailable, StoreUnavailable } from '../errors.ts'

/** How long readiness waits for the store before calling it down. */
const PROBE_MS = 2000

const within = <T>(promise: Promise<T>, ms: number, onTimeout: () => Error) =>
  new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(onTimeout()), ms)
    promise.then(resolve, reject).finally(() => clearTimeout(timer))
  })

/** `GET /healthz`: the process is alive and answering. */
export const healthz = () => async (): Promise<Response> => Response.json({ status: 'ok' })

/**
 * `GET /readyz`: this instance can serve sign-ins and sessions — its store answers and the
 * IdP's discovery document is known (fetched once, then cached). A 503 names the part that
 * is down, so a load balancer stops sending users here until it is back.
 */
export const readyz =
  ({ store, idp }: Context) =>
  async (): Promise<Response> => {
    try {
      await within(store.get('health', 'probe'), PROBE_MS, () => new StoreUnavailable())
      await idp.metadata()
      return Response.json({ status: 'ready' })
    } catch (error) {
      // RFC 9110 §15.6.4: not ready is 503, whichever part is down; the code says which.
      const known = AuthError.from(error)
      const down = known instanceof IdpUnavailable ? IdpUnavailable : StoreUnavailable
      return Response.json(
        { error: down.code, message: 'not ready' },
        { status: 503, headers: { 'retry-after': '5' } },
      )
    }
  }
