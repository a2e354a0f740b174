import { AUTH_ENDPOINTS, CSRF_HEADER, isUnsafeMethod, REFRESH_ON } from '@latchkey/protocol'
import { csrfTokenSource } from './csrf_token.ts'
import { refreshGate } from './refresh_gate.ts'
import type { AuthClientOptions, AuthEvent, AuthState, User } from './types.ts'

type TabMessage =
  | { type: 'signed-out' }
  | { type: 'refreshed'; expiresAt: number }
  | { type: 'signed-in'; user: User }

export interface AuthClient {
  /** `fetch` for the backend: cookies, CSRF header, one transparent refresh on `token_expired`. */
  fetch: typeof fetch
  /** The signed-in user (fetched from /auth/me), or `null` when signed out. */
  me(): Promise<User | null>
  /** Navigates to the backend's /auth/login, coming back to `returnTo` (default: this page). */
  login(returnTo?: string): void
  /** Signs out at the backend, tells the other tabs, then follows the IdP's logout URL. */
  logout(): Promise<void>
  /** Listens to sign-in, refresh and sign-out, in this tab and the others. */
  onChange(listener: (event: AuthEvent, state: AuthState) => void): () => void
  readonly state: AuthState
}

/**
 * A `Request`'s own settings as `RequestInit`, so that `send` can add the CSRF header and
 * credentials. The body is read once into memory: a stream can be sent only once, and a
 * request retried after a refresh must carry it again. `init` wins, as in `fetch(request, init)`.
 */
const initOf = async (request: Request, init?: RequestInit): Promise<RequestInit> => ({
  method: request.method,
  headers: request.headers,
  body: init?.body ?? (request.body ? await request.arrayBuffer() : undefined),
  signal: request.signal,
  cache: request.cache,
  redirect: request.redirect,
  referrer: request.referrer,
  referrerPolicy: request.referrerPolicy,
  integrity: request.integrity,
  keepalive: request.keepalive,
  mode: request.mode,
  ...init,
})

/**
 * The browser half of Latchkey. The page never sees a token: requests carry the backend's
 * HttpOnly cookies, and unsafe ones echo the CSRF token in `X-CSRF-Token`.
 *
 * @example
 * const auth = createAuthClient({ baseUrl: 'http://api.localhost:4001' })
 * const response = await auth.fetch('http://api.localhost:4001/api/me')
 */
export function createAuthClient(options: AuthClientOptions): AuthClient {
  const baseUrl = options.baseUrl.replace(/\/$/, '')
  const origin = new URL(baseUrl, typeof location === 'undefined' ? undefined : location.href)
    .origin
  const fetchImpl =
    options.fetch ?? ((...args: Parameters<typeof fetch>) => globalThis.fetch(...args))
  const maxRetries = options.maxRetries ?? 1
  const channelName = options.channelName ?? `latchkey:${baseUrl}`
  const navigate = options.navigate ?? ((url: string) => location.assign(url))
  const csrf = csrfTokenSource(options.csrfCookieName)
  const listeners = new Set<(event: AuthEvent, state: AuthState) => void>()
  let state: AuthState = { status: 'loading', user: null, expiresAt: null }
  const channel =
    typeof BroadcastChannel === 'undefined' ? undefined : new BroadcastChannel(channelName)
  // Set once logout() sends the page to the IdP's logout: a sign-in asked for meanwhile (a
  // <RequireAuth> re-rendering on signed-out) would replace that navigation, and the IdP's
  // still-open session would sign the user straight back in.
  let leaving = false

  const emit = (event: AuthEvent, next: Partial<AuthState>, tell = true) => {
    state = { ...state, ...next }
    for (const listener of listeners) listener(event, state)
    if (tell && channel && event.type !== 'session-ended')
      channel.postMessage(event satisfies TabMessage)
  }
  channel?.addEventListener('message', ({ data }: MessageEvent<TabMessage>) => {
    if (data.type === 'signed-out') {
      csrf.forget()
      emit({ type: 'session-ended' }, { status: 'signed-out', user: null, expiresAt: null }, false)
    } else if (data.type === 'refreshed') emit(data, { expiresAt: data.expiresAt }, false)
    else if (data.type === 'signed-in') emit(data, { status: 'signed-in', user: data.user }, false)
  })

  const ours = (url: string) =>
    new URL(url, typeof location === 'undefined' ? baseUrl : location.href).origin === origin
  const endpoint = (path: string) => `${baseUrl}${path}`
  const lostSession = () => {
    const signedOut = { status: 'signed-out', user: null, expiresAt: null } as const
    if (state.status === 'signed-in') emit({ type: 'session-ended' }, signedOut)
    // First answer after loading: nobody is signed in. Only this tab needs to know.
    else if (state.status === 'loading') emit({ type: 'signed-out' }, signedOut, false)
  }

  const send = (url: string, init: RequestInit = {}) => {
    const headers = new Headers(init.headers)
    const token = csrf.get()
    if (isUnsafeMethod(init.method ?? 'GET') && token) headers.set(CSRF_HEADER, token)
    return fetchImpl(url, { ...init, headers, credentials: 'include' })
  }
  const errorOf = async (response: Response): Promise<string | undefined> =>
    response.status === 401
      ? (
          (await response
            .clone()
            .json()
            .catch(() => undefined)) as { error?: string } | undefined
        )?.error
      : undefined

  const refresh = refreshGate(
    `${channelName}:refresh`,
    async () => {
      const response = await send(endpoint(AUTH_ENDPOINTS.refresh), { method: 'POST' })
      if (!response.ok) {
        lostSession()
        return false
      }
      const body = (await response.json()) as { expiresAt: number; csrfToken?: string }
      csrf.remember(body.csrfToken)
      emit({ type: 'refreshed', expiresAt: body.expiresAt }, { expiresAt: body.expiresAt })
      return true
    },
    // After waiting for another tab's refresh: is the session already good again?
    async () => (await send(endpoint(AUTH_ENDPOINTS.me))).ok,
  )

  const authFetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const url = input instanceof Request ? input.url : String(input)
    if (!ours(url)) return fetchImpl(input, init) // other origins get no cookies and no refresh
    const request = input instanceof Request ? await initOf(input, init) : init
    let sentAt = Date.now()
    let response = await send(url, request)
    for (let retries = 0; retries < maxRetries; retries++) {
      const error = await errorOf(response)
      // Only `token_expired` means "refresh": anything else is final (CONTRACT.md).
      if (error !== REFRESH_ON) {
        if (error) lostSession()
        return response
      }
      if (!(await refresh(sentAt))) return response
      sentAt = Date.now()
      response = await send(url, request)
    }
    return response
  }

  return {
    fetch: authFetch as typeof fetch,
    async me() {
      const response = await authFetch(endpoint(AUTH_ENDPOINTS.me))
      if (!response.ok) {
        lostSession()
        return null
      }
      const body = (await response.json()) as { user: User; expiresAt: number; csrfToken?: string }
      csrf.remember(body.csrfToken)
      if (state.status !== 'signed-in')
        emit(
          { type: 'signed-in', user: body.user },
          { status: 'signed-in', user: body.user, expiresAt: body.expiresAt },
        )
      else state = { ...state, user: body.user, expiresAt: body.expiresAt }
      return body.user
    },
    login(returnTo) {
      if (leaving) return
      const back =
        returnTo ??
        (typeof location === 'undefined' ? '/' : `${location.pathname}${location.search}`)
      navigate(`${endpoint(AUTH_ENDPOINTS.login)}?returnTo=${encodeURIComponent(back)}`)
    },
    async logout() {
      const response = await send(endpoint(AUTH_ENDPOINTS.logout), { method: 'POST' })
      const body = (await response.json().catch(() => ({}))) as { logoutUrl?: string | null }
      csrf.forget()
      leaving = Boolean(body.logoutUrl)
      emit({ type: 'signed-out' }, { status: 'signed-out', user: null, expiresAt: null })
      if (body.logoutUrl) navigate(body.logoutUrl)
    },
    onChange(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    get state() {
      return state
    },
  }
}
