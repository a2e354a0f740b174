export { type AuthClient, createAuthClient } from './auth_client.ts'
export type { AuthClientOptions, AuthEvent, AuthState, Status, User } from './types.ts'
