export type {
  Account,
  Accounts,
  AccountView,
  NewAccount,
  TotpEnrolment,
} from './accounts/accounts.ts'
export { AccountError, type AccountErrorCode } from './accounts/accounts.ts'
export { type Admin, createAdmin } from './admin.ts'
export type { ClientRecord, Clients, NewClient } from './clients.ts'
export {
  createIdentityProvider,
  type IdentityProvider,
  type IdentityProviderOptions,
} from './identity_provider.ts'
export type { KeyInfo, Keys } from './keys.ts'
export type { Passkeys, PasskeyView } from './passkeys/credentials.ts'
export {
  ListenError,
  type ServedIdentityProvider,
  type ServeOptions,
  serveIdentityProvider,
} from './server.ts'
export type { SessionInfo, Sessions } from './sessions.ts'
