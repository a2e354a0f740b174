'use client'
import { useAuth } from '@latchkey/next/client'

/** A client component on @latchkey/react: signed in or not, and the two buttons. */
export function ClientStatus() {
  const { status, user, login, logout } = useAuth()
  if (status === 'signed-in')
    return (
      <span style={{ marginLeft: 'auto' }}>
        <span data-testid="client-user">{user?.name ?? user?.sub}</span>{' '}
        <button type="button" data-testid="logout" onClick={() => void logout()}>
          Sign out
        </button>
      </span>
    )
  if (status === 'signed-out')
    return (
      <button type="button" style={{ marginLeft: 'auto' }} onClick={() => login()}>
        Sign in
      </button>
    )
  return <span style={{ marginLeft: 'auto' }}>…</span>
}
