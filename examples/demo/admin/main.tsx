import { createAuthClient } from '@latchkey/browser'
import { AuthProvider, RequireAuth, useAuth } from '@latchkey/react'
import { StrictMode, useEffect, useState } from 'react'
import { createRoot } from 'react-dom/client'
import {
  Roles,
  Shell,
  SIGNED_OUT,
  SignedOut,
  useSessionEnded,
  useSessionWatch,
} from '../ui/shell.tsx'
import '../ui/styles.css'

// A BFF: the API is on this same origin, and the CSRF cookie is readable here.
const client = createAuthClient({ baseUrl: location.origin })
;(window as unknown as { latchkey: typeof client }).latchkey = client

interface UserRow {
  username: string
  name: string
  email: string
  roles: string[]
  disabled: boolean
  totpEnrolled: boolean
}

function Users() {
  const { fetch } = useAuth()
  const [users, setUsers] = useState<UserRow[] | null>(null)
  useEffect(() => {
    void fetch('/api/users').then(async (r) =>
      setUsers(r.ok ? ((await r.json()) as { users: UserRow[] }).users : []),
    )
  }, [fetch])
  return (
    <section className="card">
      <h2>Users</h2>
      {users === null ? (
        <p className="muted">Loading…</p>
      ) : (
        <table data-testid="users">
          <thead>
            <tr>
              <th>User</th>
              <th>Email</th>
              <th>Roles</th>
              <th>Two-step</th>
              <th>Status</th>
            </tr>
          </thead>
          <tbody>
            {users.map((u) => (
              <tr key={u.username}>
                <td>
                  <strong>{u.name}</strong> <span className="muted">@{u.username}</span>
                </td>
                <td>{u.email}</td>
                <td>
                  <Roles roles={u.roles} />
                </td>
                <td>{u.totpEnrolled ? 'TOTP' : '—'}</td>
                <td>{u.disabled ? 'disabled' : 'active'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  )
}

function Forbidden() {
  const { user, roles } = useAuth()
  return (
    <section className="card hero" data-testid="forbidden">
      <h1>Admins only</h1>
      <p className="muted">
        You are signed in as <strong>{user?.name}</strong> with <Roles roles={roles} />, but this
        area needs the ADMIN role.
      </p>
      <a href="http://app.localhost:3000/">Back to Acme Notes</a>
    </section>
  )
}

function App() {
  const { status } = useAuth()
  const ended = useSessionEnded()
  useSessionWatch()
  return (
    <Shell title="Acme Admin">
      {/* Arriving signed out, RequireAuth signs in through the IdP (SSO: no password if the IdP
          session is alive); after signing out here or elsewhere, a sign-in page instead. */}
      {status === 'signed-out' && (ended || sessionStorage.getItem(SIGNED_OUT)) ? (
        <SignedOut app="Acme Admin" ended={ended} />
      ) : (
        <RequireAuth
          roles={['ADMIN']}
          fallback={<p className="muted">Checking your session…</p>}
          forbidden={<Forbidden />}
        >
          <Users />
        </RequireAuth>
      )}
    </Shell>
  )
}

createRoot(document.getElementById('root') as HTMLElement).render(
  <StrictMode>
    <AuthProvider client={client}>
      <App />
    </AuthProvider>
  </StrictMode>,
)
