'use client'
import { type AuthClient, createAuthClient } from '@latchkey/browser'
import { AuthProvider } from '@latchkey/react'
import { type ReactNode, useState } from 'react'
import type { Session } from './session.ts'

/**
 * The client's first `GET /auth/me` answered from the session the server rendered with,
 * without a request; everything else goes to the network as usual.
 */
function seededFetch(session: Session | null, me: string): typeof fetch {
  let seeded = false
  return (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url
    if (!seeded && url === me && (init?.method ?? 'GET') === 'GET') {
      seeded = true
      return Promise.resolve(
        session
          ? Response.json(session)
          : Response.json({ error: 'unauthenticated', message: 'sign in first' }, { status: 401 }),
      )
    }
    return globalThis.fetch(input, init)
  }
}

/**
 * `@latchkey/react`'s `<AuthProvider>` for a Next app, started from the session the server
 * already verified (`await auth()`): no second round trip to `/auth/me`, and nothing in the
 * page but the user's name, email, roles and expiry — no token. `useAuth()` and
 * `<RequireAuth>` work below it as in any React app.
 *
 * @example
 * <LatchkeyProvider session={await auth()} origin="https://app.example.com">{children}</LatchkeyProvider>
 */
export function LatchkeyProvider({
  session,
  origin,
  children,
}: {
  session: Session | null
  /** The app's own origin (the core's `latchkey.origin`), where `/auth/*` is served. */
  origin: string
  children: ReactNode
}) {
  const [client] = useState<AuthClient>(() =>
    createAuthClient({ baseUrl: origin, fetch: seededFetch(session, `${origin}/auth/me`) }),
  )
  return <AuthProvider client={client}>{children}</AuthProvider>
}

export { RequireAuth, useAuth } from '@latchkey/react'
