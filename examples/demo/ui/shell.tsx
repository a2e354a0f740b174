import { useAuth } from '@latchkey/react'
import { type ReactNode, useEffect, useState } from 'react'

/** The page frame both apps share: brand, navigation, who is signed in, sign-out. */
export function Shell({
  title,
  nav,
  children,
}: {
  title: string
  nav?: ReactNode
  children: ReactNode
}) {
  const { status, user, logout } = useAuth()
  return (
    <>
      <header className="top">
        <div className="brand">
          <span aria-hidden="true">◆</span> {title}
        </div>
        <nav>{nav}</nav>
        {status === 'signed-in' && user && (
          <>
            <span className="chip" data-testid="user">
              {user.name ?? user.sub}
            </span>
            <button
              type="button"
              onClick={() => {
                sessionStorage.setItem(SIGNED_OUT, '1')
                void logout()
              }}
              data-testid="sign-out"
            >
              Sign out
            </button>
          </>
        )}
      </header>
      <main>{children}</main>
    </>
  )
}

/** Set when the user signs out here, so the app shows a sign-in page instead of signing in again. */
export const SIGNED_OUT = 'latchkey-demo:signed-out'

/** Shown when the session ended in another tab or app (single logout). */
export function useSessionEnded(): boolean {
  const { client } = useAuth()
  const [ended, setEnded] = useState(false)
  useEffect(
    () =>
      client.onChange((event) => {
        if (event.type === 'session-ended') setEnded(true)
        if (event.type === 'signed-in') setEnded(false)
      }),
    [client],
  )
  return ended
}

/** Re-checks the session every few seconds, so a logout elsewhere shows without a click. */
export function useSessionWatch(seconds = 5): void {
  const { client, status } = useAuth()
  useEffect(() => {
    if (status !== 'signed-in') return
    const timer = setInterval(() => void client.me(), seconds * 1000)
    return () => clearInterval(timer)
  }, [client, status, seconds])
}

export function SignedOut({ app, ended }: { app: string; ended: boolean }) {
  const { login } = useAuth()
  return (
    <section className="card hero">
      {ended && (
        <p className="banner" data-testid="session-ended">
          You were signed out — your session ended in another tab or app.
        </p>
      )}
      <h1>{app}</h1>
      <p className="muted">
        Sign in once with Latchkey and every app of the team knows you. Tokens stay in HttpOnly
        cookies; this page never sees one.
      </p>
      <button
        type="button"
        className="primary"
        onClick={() => {
          sessionStorage.removeItem(SIGNED_OUT)
          login('/')
        }}
        data-testid="sign-in"
      >
        Sign in with Latchkey
      </button>
    </section>
  )
}

export const Roles = ({ roles }: { roles: string[] }) => (
  <span data-testid="roles">
    {roles.map((role) => (
      <span className="role" key={role}>
        {role}
      </span>
    ))}
  </span>
)
