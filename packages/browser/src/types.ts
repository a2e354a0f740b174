export interface User {
  sub: string
  name: string | null
  email: string | null
  roles: string[]
}

export type Status = 'loading' | 'signed-in' | 'signed-out'

export interface AuthState {
  status: Status
  user: User | null
  /** When the access token expires, epoch seconds. */
  expiresAt: number | null
}

/** What happened, for UIs: `session-ended` means elsewhere (another tab, single logout, revocation). */
export type AuthEvent =
  | { type: 'signed-in'; user: User }
  | { type: 'refreshed'; expiresAt: number }
  | { type: 'signed-out' }
  | { type: 'session-ended' }

export interface AuthClientOptions {
  /** The backend's origin (and base path), e.g. `http://api.localhost:4001`. */
  baseUrl: string
  /** @default globalThis.fetch */
  fetch?: typeof fetch
  /**
   * Read when the backend is on this origin (a BFF); otherwise the token from /auth/me is used.
   * By default, the name `@latchkey/server` gives it: `csrf_token` behind the prefix its
   * attributes allow (`__Host-`, or `__Secure-` with `cookies.domain`, or none without `secure`).
   * @default ['__Host-csrf_token', '__Secure-csrf_token', 'csrf_token']
   */
  csrfCookieName?: string
  /** Retries of one request after a refresh. @default 1 */
  maxRetries?: number
  /** BroadcastChannel and Web Lock name shared by this app's tabs. @default `latchkey:${baseUrl}` */
  channelName?: string
  /** Where `login()`/`logout()` navigate; replace in tests. @default (url) => location.assign(url) */
  navigate?: (url: string) => void
}
