import { createAuthClient } from '@latchkey/browser'
import { AuthProvider, RequireAuth, useAuth } from '@latchkey/react'
import { useState } from 'react'
import { createRoot } from 'react-dom/client'

// A consumer's single-page app, served by its own backend: the SDK talks to the same origin.
const client = createAuthClient({ baseUrl: location.origin })

function Account() {
  const { user, fetch, logout } = useAuth()
  const [api, setApi] = useState('')
  const callApi = async () => {
    const response = await fetch('/api/me')
    setApi(`${response.status} ${JSON.stringify(await response.json())}`)
  }
  return (
    <main>
      <p data-testid="user">{user?.sub}</p>
      <button type="button" data-testid="call-api" onClick={callApi}>
        Call the API
      </button>
      <pre data-testid="api">{api}</pre>
      <button type="button" data-testid="sign-out" onClick={() => logout()}>
        Sign out
      </button>
    </main>
  )
}

createRoot(document.getElementById('root')!).render(
  <AuthProvider client={client}>
    {/* Signed-out visitors go straight to the IdP's sign-in page, and come back here. */}
    <RequireAuth fallback={<p>Checking your session…</p>}>
      <Account />
    </RequireAuth>
  </AuthProvider>,
)
