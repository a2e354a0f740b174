import type { AuthClient, AuthEvent, AuthState } from '@latchkey/browser'
import { renderToStaticMarkup } from 'react-dom/server'
import { describe, expect, it } from 'vitest'
import { AuthProvider, RequireAuth, useAuth } from '../src/index.ts'

/** A client whose state the test sets by hand. */
function fakeClient(state: AuthState) {
  const listeners = new Set<(event: AuthEvent, state: AuthState) => void>()
  const logins: string[] = []
  const client: AuthClient = {
    fetch: globalThis.fetch,
    me: async () => state.user,
    login: (returnTo) => logins.push(returnTo ?? '/'),
    logout: async () => undefined,
    onChange: (listener) => {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    get state() {
      return state
    },
  }
  return { client, logins }
}

const alice = { sub: 'a', name: 'Alice', email: null, roles: ['USER'] }
const render = (state: AuthState, roles?: string[]) =>
  renderToStaticMarkup(
    <AuthProvider client={fakeClient(state).client}>
      <RequireAuth roles={roles} fallback={<p>loading</p>} forbidden={<p>forbidden</p>}>
        <p>secret</p>
      </RequireAuth>
    </AuthProvider>,
  )

function Orphan() {
  useAuth()
  return null
}

describe('RequireAuth', () => {
  it('shows the fallback while loading and when signed out', () => {
    expect(render({ status: 'loading', user: null, expiresAt: null })).toBe('<p>loading</p>')
    expect(render({ status: 'signed-out', user: null, expiresAt: null })).toBe('<p>loading</p>')
  })

  it('shows the children to a signed-in user with the roles, and forbidden to one without', () => {
    const signedIn: AuthState = { status: 'signed-in', user: alice, expiresAt: 1 }
    expect(render(signedIn)).toBe('<p>secret</p>')
    expect(render(signedIn, ['USER'])).toBe('<p>secret</p>')
    expect(render(signedIn, ['ADMIN'])).toBe('<p>forbidden</p>')
  })

  it('useAuth outside a provider fails loudly', () => {
    expect(() => renderToStaticMarkup(<Orphan />)).toThrow(/AuthProvider/)
  })
})
