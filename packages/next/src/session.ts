import type { AuthContext } from '@latchkey/server'

/**
 * What a page may know of the signed-in user: the shape `GET /auth/me` answers and
 * `@latchkey/browser` keeps, and nothing that authenticates — no access token, refresh
 * token or session id — so it can be rendered or handed to a client component as it is.
 */
export interface Session {
  user: { sub: string; name: string | null; email: string | null; roles: string[] }
  /** When the access token expires, epoch seconds. */
  expiresAt: number
}

export const sessionOf = (auth: AuthContext): Session => ({
  user: { sub: auth.sub, name: auth.name ?? null, email: auth.email ?? null, roles: auth.roles },
  expiresAt: auth.expiresAt,
})
