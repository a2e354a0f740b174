export { type AuthContextValue, AuthProvider, useAuth } from './auth_provider.tsx'
export { RequireAuth, type RequireAuthProps } from './require_auth.tsx'
