import type { Latchkey } from '@latchkey/server'
import { headers } from 'next/headers.js'
import { actionGuard } from './action.ts'
import { authReader } from './auth.ts'
import { type ServerFetchOptions, serverFetcher } from './server_fetch.ts'

export { ActionError, type ActionOptions, type ActionResult } from './action.ts'
export type { GuardOptions, ProtectedRoute } from './guard.ts'
export { latchkeyProxy, type ProxyOptions } from './proxy.ts'
export { authRoutes } from './route.ts'
export type { ServerFetchOptions } from './server_fetch.ts'
export type { Session } from './session.ts'

export interface LatchkeyNextOptions {
  /** Where `serverFetch` may send the user's token. @default [] (serverFetch refuses every URL) */
  apis?: string[]
  /** How `serverFetch` sends it. @default 'bearer' */
  sendTokenAs?: ServerFetchOptions['as']
}

/**
 * What server components, route handlers and server actions use, for one Latchkey core:
 * `auth()`, `authorizeAction()` / `action()`, and `serverFetch()`.
 *
 * @example
 * // lib/latchkey.ts
 * export const latchkey = sharedLatchkey('app', () => createLatchkey({ ...options, mode: 'session' }))
 * export const { auth, action, serverFetch } = latchkeyNext(latchkey, { apis: [API] })
 */
export function latchkeyNext(latchkey: Latchkey, options: LatchkeyNextOptions = {}) {
  const readHeaders = () => headers()
  const reader = authReader(latchkey, readHeaders)
  const { authorizeAction, action } = actionGuard(latchkey, reader.context, readHeaders)
  return {
    /** The signed-in user (no token in it) or `null`, verified locally, once per request. */
    auth: reader.auth,
    authorizeAction,
    action,
    serverFetch: serverFetcher(latchkey, reader, readHeaders, {
      apis: options.apis ?? [],
      as: options.sendTokenAs,
    }),
  }
}

/**
 * A Latchkey core made on first use, and one per process however many bundles ask (see
 * `shared`). Made lazily because `next build` evaluates the modules that import it, where the
 * settings (secrets, the store) are not there and must not be.
 */
export function sharedLatchkey(name: string, create: () => Latchkey): Latchkey {
  const core = () => shared(name, create)
  return {
    handle: (request) => core().handle(request),
    authenticate: (request) => core().authenticate(request),
    authorize: (request, options) => core().authorize(request, options),
    checkCsrf: (request, auth) => core().checkCsrf(request, auth),
    applyCors: (request, headers) => core().applyCors(request, headers),
    get mode() {
      return core().mode
    },
    get cookieNames() {
      return core().cookieNames
    },
    get origin() {
      return core().origin
    },
  }
}

/**
 * One instance per process, however many bundles ask: Next builds the proxy and the routes
 * as separate bundles, each with its own copy of every module, so a module-level
 * `createLatchkey()` would run twice — with a memory store, as two stores that know nothing
 * of each other's sign-ins and refreshes.
 */
function shared<T>(name: string, create: () => T): T {
  const key = Symbol.for(`@latchkey/next:${name}`)
  const slot = globalThis as unknown as Record<symbol, T | undefined>
  slot[key] ??= create()
  return slot[key] as T
}
