// What a React app ships of Latchkey (React itself is the app's own).
export { createAuthClient } from '@latchkey/browser'
export { AuthProvider, RequireAuth, useAuth } from '@latchkey/react'
