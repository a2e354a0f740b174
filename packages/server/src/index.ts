export type { CookieAttributes } from './cookies.ts'
export {
  AuthError,
  CsrfFailed,
  errorResponse,
  Forbidden,
  IdpUnavailable,
  InvalidRequest,
  InvalidToken,
  MethodNotAllowed,
  NotImplemented,
  PayloadTooLarge,
  StoreUnavailable,
  TokenExpired,
  Unauthenticated,
} from './errors.ts'
export { type AuthContext, createLatchkey, type Latchkey } from './latchkey.ts'
export type {
  AccessTokenOptions,
  ClientAuthentication,
  CookieNames,
  LatchkeyOptions,
  RolesOptions,
} from './options.ts'
export type { AccessClaims } from './verify.ts'
