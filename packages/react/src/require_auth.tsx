import { type ReactNode, useEffect } from 'react'
import { useAuth } from './auth_provider.tsx'

export interface RequireAuthProps {
  /** Every one of these roles is needed. */
  roles?: string[]
  children: ReactNode
  /** Shown while the session is being checked and while redirecting to sign-in. */
  fallback?: ReactNode
  /** Shown to a signed-in user who lacks a role. */
  forbidden?: ReactNode
}

/**
 * Protects a route: signed-out users are sent to sign in (and brought back here), users
 * without the roles see `forbidden`. Works as a React Router `element` wrapper.
 *
 * @example
 * <Route path="/admin" element={<RequireAuth roles={['ADMIN']} forbidden={<Forbidden />}><Admin /></RequireAuth>} />
 */
export function RequireAuth({
  roles = [],
  children,
  fallback = null,
  forbidden = null,
}: RequireAuthProps) {
  const { status, roles: granted, login } = useAuth()
  useEffect(() => {
    if (status === 'signed-out') login()
  }, [status, login])
  if (status !== 'signed-in') return <>{fallback}</>
  if (!roles.every((role) => granted.includes(role))) return <>{forbidden}</>
  return <>{children}</>
}
