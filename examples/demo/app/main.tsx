import { createAuthClient } from '@latchkey/browser'
import type { SessionInfo } from '@latchkey/idp'
import { AuthProvider, useAuth } from '@latchkey/react'
import { StrictMode, useCallback, useEffect, useState } from 'react'
import { createRoot } from 'react-dom/client'
import { Roles, Shell, SignedOut, useSessionEnded, useSessionWatch } from '../ui/shell.tsx'
import '../ui/styles.css'

// The app's backend, on this origin (see examples/demo/src/stack.ts for why not api.localhost).
const API = location.origin
const client = createAuthClient({ baseUrl: API })
// For the end-to-end tests and the curious: the client, never a token.
;(window as unknown as { latchkey: typeof client }).latchkey = client

function useNow() {
  const [now, setNow] = useState(() => Date.now() / 1000)
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now() / 1000), 1000)
    return () => clearInterval(timer)
  }, [])
  return now
}

function Dashboard() {
  const { user, roles, expiresAt, fetch } = useAuth()
  const [data, setData] = useState<{ message: string; serverTime: string } | null>(null)
  const [error, setError] = useState<string | null>(null)
  const now = useNow()
  const load = useCallback(async () => {
    const response = await fetch(`${API}/api/me`)
    if (response.ok) {
      setData(await response.json())
      setError(null)
    } else setError(`The API answered ${response.status}.`)
  }, [fetch])
  useEffect(() => void load(), [load])
  const left = expiresAt ? Math.max(0, Math.round(expiresAt - now)) : 0
  // When the access token runs out, the next API call refreshes it transparently.
  useEffect(() => {
    if (expiresAt && left === 0) void load()
  }, [expiresAt, left, load])
  return (
    <>
      <div className="grid">
        <section className="card">
          <h2>Signed in as</h2>
          <div className="big" data-testid="name">
            {user?.name}
          </div>
          <p className="muted">{user?.email}</p>
          <Roles roles={roles} />
        </section>
        <section className="card">
          <h2>Access token</h2>
          <div className="big" data-testid="countdown">
            {left}s
          </div>
          <p className="muted">left before it expires; then one refresh renews it, unseen.</p>
          <div className="bar">
            <div style={{ width: `${Math.min(100, (left / 60) * 100)}%` }} />
          </div>
        </section>
      </div>
      <section className="card">
        <h2>From the API</h2>
        {error && <p className="banner error">{error}</p>}
        {data ? (
          <p data-testid="api-message">
            {data.message}{' '}
            <span className="muted">({new Date(data.serverTime).toLocaleTimeString()})</span>
          </p>
        ) : (
          <p className="muted">Loading…</p>
        )}
        <button type="button" onClick={() => void load()} data-testid="call-api">
          Call the API again
        </button>
      </section>
    </>
  )
}

function Sessions() {
  const { fetch, client } = useAuth()
  const [sessions, setSessions] = useState<SessionInfo[] | null>(null)
  const load = useCallback(async () => {
    const response = await fetch(`${API}/api/sessions`)
    setSessions(
      response.ok ? ((await response.json()) as { sessions: SessionInfo[] }).sessions : [],
    )
  }, [fetch])
  useEffect(() => void load(), [load])
  const revoke = async (row: SessionInfo) => {
    await fetch(`${API}/api/sessions/${row.id}`, { method: 'DELETE' })
    if (row.current) await client.me()
    else await load()
  }
  return (
    <section className="card">
      <h2>My sessions</h2>
      <p className="muted">
        Everywhere you are signed in with Latchkey. Revoking one signs that browser out of every
        app.
      </p>
      {sessions === null ? (
        <p className="muted">Loading…</p>
      ) : sessions.length === 0 ? (
        <p className="muted">No active sessions.</p>
      ) : (
        <table data-testid="sessions">
          <thead>
            <tr>
              <th>Signed in</th>
              <th>Last seen</th>
              <th>Browser</th>
              <th>Apps</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {sessions.map((s) => (
              <tr key={s.id}>
                <td>
                  {new Date(s.createdAt).toLocaleString()}{' '}
                  {s.current && <span className="role">THIS ONE</span>}
                </td>
                <td>{new Date(s.lastSeenAt).toLocaleTimeString()}</td>
                <td className="muted">{s.userAgent?.slice(0, 40) ?? '—'}</td>
                <td>{s.clients.join(', ')}</td>
                <td>
                  <button type="button" className="danger" onClick={() => void revoke(s)}>
                    Revoke
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  )
}

function App() {
  const { status } = useAuth()
  const ended = useSessionEnded()
  useSessionWatch()
  const [page, setPage] = useState(() => location.hash || '#/')
  useEffect(() => {
    const onHash = () => setPage(location.hash || '#/')
    addEventListener('hashchange', onHash)
    return () => removeEventListener('hashchange', onHash)
  }, [])
  const link = (hash: string, label: string) => (
    <a href={hash} className={page === hash ? 'active' : ''}>
      {label}
    </a>
  )
  return (
    <Shell
      title="Acme Notes"
      nav={
        status === 'signed-in' && (
          <>
            {link('#/', 'Dashboard')}
            {link('#/sessions', 'My sessions')}
          </>
        )
      }
    >
      {status === 'loading' && <p className="muted">Checking your session…</p>}
      {status === 'signed-out' && <SignedOut app="Acme Notes" ended={ended} />}
      {status === 'signed-in' && (page === '#/sessions' ? <Sessions /> : <Dashboard />)}
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
