import { AsyncLocalStorage } from 'node:async_hooks'
import {
  type AUTH_ENDPOINTS,
  acceptableRequestId,
  type ErrorCode,
  REQUEST_ID_HEADER,
} from '@latchkey/protocol'
import type { Store } from '@latchkey/store'

/** The backend's endpoints by name, as `AUTH_ENDPOINTS` has them, plus the health checks. */
export type EndpointName = keyof typeof AUTH_ENDPOINTS | 'healthz' | 'readyz'

/**
 * What the backend reports as it works, for metrics and logs (`events` option). Each event
 * carries the request id the backend also sends to the IdP, so a backend's log line and the
 * IdP's audit line of one sign-in or refresh can be matched. No event carries a token, a
 * cookie or a secret.
 */
export type LatchkeyEvent =
  /** An `/auth/*` (or health) request was answered: sign-ins are `callback`, refreshes `refresh`. */
  | {
      type: 'endpoint'
      endpoint: EndpointName
      status: number
      /** The error code of a refusal. */
      error?: ErrorCode
      seconds: number
      requestId: string
    }
  /** A guarded route checked the caller: `valid`, or why not (`token_expired`, `invalid_token`…). */
  | { type: 'authenticate'; result: 'valid' | ErrorCode; requestId: string }
  /** A signed-in caller refused on a guarded route: `csrf_failed` or `forbidden`. */
  | { type: 'refused'; error: ErrorCode; requestId: string }
  /** A CORS preflight from an origin that is not in `trustedOrigins`. */
  | { type: 'cors_refused'; requestId: string }
  /** One store operation, how long it took, and whether the store answered. */
  | { type: 'store'; operation: StoreOperation; seconds: number; ok: boolean }

export type StoreOperation = Exclude<keyof Store, 'close' | 'subscribe'>

const ids = new WeakMap<Request, string>()

/** The request's id: the `X-Request-Id` it came with when that is sane, else a new one. */
export function requestIdOf(request: Request): string {
  let id = ids.get(request)
  if (!id) {
    id = acceptableRequestId(request.headers.get(REQUEST_ID_HEADER)) ?? crypto.randomUUID()
    ids.set(request, id)
  }
  return id
}

/** The id of the request being answered, for the calls to the IdP made while answering it. */
export const currentRequest = new AsyncLocalStorage<string>()

/** `fetch` that sends the current request's id along (to the IdP's token endpoint, …). */
export const withRequestId =
  (fetchImpl: typeof fetch): typeof fetch =>
  (input, init) => {
    const id = currentRequest.getStore()
    if (!id) return fetchImpl(input, init)
    const headers = new Headers(init?.headers)
    headers.set(REQUEST_ID_HEADER, id)
    return fetchImpl(input, { ...init, headers })
  }

const OPERATIONS: StoreOperation[] = [
  'get',
  'set',
  'add',
  'take',
  'delete',
  'list',
  'increment',
  'publish',
]

/** The store, each operation timed and reported (only when someone listens). */
export function observedStore(store: Store, emit: (event: LatchkeyEvent) => void): Store {
  const observed = Object.create(store) as Store
  for (const operation of OPERATIONS) {
    const call = (store[operation] as (...args: unknown[]) => Promise<unknown>).bind(store)
    Object.defineProperty(observed, operation, {
      value: async (...args: unknown[]) => {
        const started = performance.now()
        let ok = false
        try {
          const result = await call(...args)
          ok = true
          return result
        } finally {
          emit({ type: 'store', operation, seconds: (performance.now() - started) / 1000, ok })
        }
      },
    })
  }
  return observed
}
