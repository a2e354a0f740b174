import { AUTH_ENDPOINTS, isUnsafeMethod, REQUEST_ID_HEADER } from '@latchkey/protocol'
import { type AuthContext, authenticator } from './authenticate.ts'
import { type Context, sharedParts } from './context.ts'
import { cors, type HeaderSink } from './cors.ts'
import { backchannelLogout } from './endpoints/backchannel_logout_endpoint.ts'
import { callback } from './endpoints/callback.ts'
import { healthz, readyz } from './endpoints/health.ts'
import { login } from './endpoints/login.ts'
import { logout } from './endpoints/logout.ts'
import { me } from './endpoints/me.ts'
import { refresh } from './endpoints/refresh_endpoint.ts'
import { AuthError, Forbidden, MethodNotAllowed } from './errors.ts'
import { currentRequest, type EndpointName, requestIdOf } from './observe.ts'
import { type CookieNames, type LatchkeyOptions, resolveOptions } from './options.ts'
import { checkRequest } from './request_checks.ts'
import { bindingOf } from './session_binding.ts'
import { cookieMode } from './strategies/cookie_mode.ts'
import { sessionMode } from './strategies/session_mode.ts'

export type { AuthContext }

/** What a guarded route requires beyond a valid sign-in. */
export interface AuthorizeOptions {
  /** A role the user must have (from the access token, ID token or UserInfo: `roles`). */
  role?: string
}

export interface Latchkey {
  /**
   * Answers the `/auth/*` endpoints and CORS preflights, and refuses what no route should see
   * (TRACE: 501; a body over `maxBodyBytes`: 413; a path that does not percent-decode: 400);
   * `undefined` for any other request.
   */
  handle(request: Request): Promise<Response | undefined>
  /** The caller's identity, or a coded `AuthError` (401 unauthenticated/token_expired/invalid_token, 503). */
  authenticate(request: Request): Promise<AuthContext>
  /** Refuses unsafe requests without a valid CSRF token (for the app's own POST/PUT/PATCH/DELETE routes). */
  checkCsrf(request: Request, auth: AuthContext): Promise<void>
  /**
   * What a guarded route needs, in one call: `authenticate`, then `checkCsrf`, then the role.
   * Throws the coded `AuthError` (401, 403 `csrf_failed`, 403 `forbidden`, 503) on failure.
   */
  authorize(request: Request, options?: AuthorizeOptions): Promise<AuthContext>
  /**
   * Adds the CORS headers this request earns (an allowed frontend's origin, with credentials)
   * to the app's own response headers; nothing for a request from anywhere else.
   */
  applyCors(request: Request, headers: HeaderSink): void
  /** `cookie` or `session`, as configured. */
  readonly mode: 'cookie' | 'session'
  /** The cookies' names, prefixes included (they follow from `cookies.secure` and `.domain`). */
  readonly cookieNames: Readonly<CookieNames>
  /** This backend's own origin (from `redirectUri`): the URL of a request without `Host`. */
  readonly origin: string
}

/**
 * Creates the backend half of Latchkey: the login/callback/refresh/logout endpoints, the
 * cookies, CSRF and CORS rules and access-token verification, on the Fetch API. Framework
 * adapters (`@latchkey/server/express`, `/fastify`, `/hono`, `/node`) only translate to it.
 *
 * @example
 * const auth = createLatchkey({ issuer, clientId, clientSecret, redirectUri, secrets: [process.env.SECRET] })
 * export default { fetch: async (req) => (await auth.handle(req)) ?? app(req) }
 */
export function createLatchkey(options: LatchkeyOptions): Latchkey {
  const o = resolveOptions(options)
  const shared = sharedParts(o)
  // The mode is chosen here, once: no endpoint asks which one it is in.
  const ctx: Context = {
    ...shared,
    mode: o.mode === 'session' ? sessionMode(shared) : cookieMode(shared),
  }
  const { guard, cookies } = ctx
  const corsPolicy = cors(o.origins)
  const authenticateOnly = authenticator(ctx)

  type Answer = (request: Request, url: URL) => Promise<Response>
  const routes: Record<string, { endpoint: EndpointName; answer: Answer }> = {
    [`GET ${AUTH_ENDPOINTS.login}`]: { endpoint: 'login', answer: login(ctx) },
    [`GET ${AUTH_ENDPOINTS.callback}`]: { endpoint: 'callback', answer: callback(ctx) },
    [`POST ${AUTH_ENDPOINTS.refresh}`]: { endpoint: 'refresh', answer: refresh(ctx) },
    [`POST ${AUTH_ENDPOINTS.logout}`]: { endpoint: 'logout', answer: logout(ctx) },
    [`GET ${AUTH_ENDPOINTS.me}`]: { endpoint: 'me', answer: me(ctx) },
    [`POST ${AUTH_ENDPOINTS.backchannelLogout}`]: {
      endpoint: 'backchannelLogout',
      answer: backchannelLogout(ctx),
    },
    ...(o.health && {
      'GET /healthz': { endpoint: 'healthz', answer: healthz() },
      'GET /readyz': { endpoint: 'readyz', answer: readyz(ctx) },
    }),
  }
  const emit = o.events ?? (() => {})

  // Reported only when someone listens: the request id costs a map entry per request.
  const authenticate: Latchkey['authenticate'] = !o.events
    ? authenticateOnly
    : async (request) => {
        try {
          const user = await authenticateOnly(request)
          emit({ type: 'authenticate', result: 'valid', requestId: requestIdOf(request) })
          return user
        } catch (error) {
          const result = AuthError.from(error).code
          emit({ type: 'authenticate', result, requestId: requestIdOf(request) })
          throw error
        }
      }

  /** Each of Latchkey's paths: its endpoint, and the methods it answers (for a 405). */
  const paths = new Map<string, { endpoint: EndpointName; methods: string[] }>()
  for (const [route, { endpoint }] of Object.entries(routes)) {
    const [method = '', path = ''] = route.split(' ')
    paths.set(path, { endpoint, methods: [...(paths.get(path)?.methods ?? []), method] })
  }

  /** Whether the request came over https: the socket's TLS, or a trusted proxy's word. */
  const overHttps = (request: Request, url: URL) =>
    url.protocol === 'https:' ||
    (o.trustProxy &&
      request.headers.get('x-forwarded-proto')?.split(',')[0]?.trim().toLowerCase() === 'https')

  async function handle(request: Request): Promise<Response | undefined> {
    const url = new URL(request.url)
    const route = routes[`${request.method} ${url.pathname}`]
    const ours = paths.get(url.pathname)
    const started = performance.now()
    let response: Response
    let refusal: AuthError | undefined
    try {
      checkRequest(request, url, o.maxBodyBytes)
      if (corsPolicy.isPreflight(request)) {
        if (!corsPolicy.allows(request))
          emit({ type: 'cors_refused', requestId: requestIdOf(request) })
        return corsPolicy.preflight(request)
      }
      if (!ours) return undefined // not ours: the app's route
      if (!route) throw new MethodNotAllowed(`use ${ours.methods.join(' or ')}`)
      // The IdP calls made while answering carry this request's id (observe.ts).
      response = await currentRequest.run(requestIdOf(request), () => route.answer(request, url))
    } catch (error) {
      refusal = AuthError.from(error)
      response = refusal.toResponse(
        error instanceof MethodNotAllowed ? { allow: ours?.methods.join(', ') ?? '' } : undefined,
      )
    }
    const requestId = requestIdOf(request)
    // Requests refused before routing (a malformed target, TRACE on an app path) are no
    // endpoint's: the adapters answer them, and they are counted as refusals there.
    if (ours)
      emit({
        type: 'endpoint',
        endpoint: ours.endpoint,
        status: response.status,
        ...(refusal && { error: refusal.code }),
        seconds: (performance.now() - started) / 1000,
        requestId,
      })
    // Every endpoint builds its response with mutable headers (no `Response.redirect`), so
    // the headers every answer carries are added in place, without copying the response.
    const { headers } = response
    headers.set('cache-control', 'no-store')
    // JSON is never sniffed into something a browser would run (Fetch §3.5.2).
    headers.set('x-content-type-options', 'nosniff')
    // RFC 6797 §7.2: only over https (a browser ignores it on http anyway).
    if (overHttps(request, url))
      headers.set('strict-transport-security', 'max-age=31536000; includeSubDomains')
    headers.set(REQUEST_ID_HEADER, requestId)
    corsPolicy.decorate(request, headers)
    return response
  }

  const checkCsrf = async (request: Request, auth: AuthContext) => {
    if (!isUnsafeMethod(request.method)) return
    guard.checkOrigin(request)
    guard.checkToken(request, cookies.of(request).get(o.names.csrf), bindingOf(auth))
  }

  return {
    handle,
    authenticate,
    checkCsrf,
    async authorize(request, { role } = {}) {
      const user = await authenticate(request)
      try {
        await checkCsrf(request, user)
        if (role && !user.roles.includes(role)) throw new Forbidden(`requires role ${role}`)
      } catch (error) {
        if (o.events) {
          const refusal = AuthError.from(error).code
          emit({ type: 'refused', error: refusal, requestId: requestIdOf(request) })
        }
        throw error
      }
      return user
    },
    applyCors: corsPolicy.decorate,
    mode: o.mode,
    cookieNames: Object.freeze({ ...o.names }),
    origin: o.ownOrigin,
  }
}
