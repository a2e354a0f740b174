// A consumer's browser-side TypeScript: every public entry point of @latchkey/browser and
// @latchkey/react, used as their docs show. The @ts-expect-error lines fail the check if a
// type turns `any`.
import { type AuthState, createAuthClient, type User } from '@latchkey/browser'
import { withLatchkey } from '@latchkey/browser/axios'
import { AuthProvider, RequireAuth, useAuth } from '@latchkey/react'
import axios from 'axios'

const client = createAuthClient({ baseUrl: 'https://api.example.com' })
const api = withLatchkey(axios.create({ baseURL: 'https://api.example.com' }), client)
const state: AuthState = client.state
// @ts-expect-error: a status is one of three strings
const status: 'unknown' = state.status
client.onChange((event) => {
  if (event.type === 'session-ended') client.login('/')
})

function Header() {
  const { status, user, login, logout } = useAuth()
  const name: string = (user satisfies User | null)?.name ?? 'you'
  return status === 'signed-in' ? (
    <button type="button" onClick={() => logout()}>
      Sign out {name}
    </button>
  ) : (
    <button type="button" onClick={() => login()}>
      Sign in
    </button>
  )
}

export const app = (
  <AuthProvider client={client}>
    <RequireAuth roles={['ADMIN']} fallback={<p>…</p>} forbidden={<p>No.</p>}>
      <Header />
    </RequireAuth>
  </AuthProvider>
)
export const checked = [api, status]
