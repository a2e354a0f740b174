import type { AuthClient, AuthState, User } from '@latchkey/browser'
import {
  createContext,
  type ReactNode,
  useContext,
  useEffect,
  useMemo,
  useSyncExternalStore,
} from 'react'

export interface AuthContextValue extends AuthState {
  roles: string[]
  login: (returnTo?: string) => void
  logout: () => Promise<void>
  /** The client's `fetch`: cookies, CSRF header and one shared refresh. */
  fetch: typeof fetch
  client: AuthClient
}

const Context = createContext<AuthContextValue | null>(null)

/**
 * Makes an AuthClient's state available to the tree and asks the backend who is signed in
 * once, on mount. Re-renders on sign-in, refresh and sign-out — in this tab or another one.
 *
 * @example
 * <AuthProvider client={createAuthClient({ baseUrl: 'http://api.localhost:4001' })}><App /></AuthProvider>
 */
export function AuthProvider({ client, children }: { client: AuthClient; children: ReactNode }) {
  const state = useSyncExternalStore(
    (onChange) => client.onChange(onChange),
    () => client.state,
    () => client.state,
  )
  useEffect(() => {
    client.me().catch(() => undefined)
  }, [client])
  const value = useMemo<AuthContextValue>(
    () => ({
      ...state,
      roles: state.user?.roles ?? [],
      login: client.login,
      logout: client.logout,
      fetch: client.fetch,
      client,
    }),
    [state, client],
  )
  return <Context.Provider value={value}>{children}</Context.Provider>
}

/** The session as the UI needs it: `status`, `user`, `roles`, `expiresAt`, `login`, `logout`, `fetch`. */
export function useAuth(): AuthContextValue {
  const value = useContext(Context)
  if (!value) throw new Error('@latchkey/react: useAuth() must be used inside <AuthProvider>')
  return value
}

export type { User }
