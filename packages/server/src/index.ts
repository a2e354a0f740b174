export { ERROR_CODES, type ErrorBody, type ErrorCode } from '@latchkey/protocol'
export type { CookieAttributes } from './cookies.ts'
export type { HeaderSink } from './cors.ts'
export {
  AuthError,
  CsrfFailed,
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
export {
  type AuthContext,
  type AuthorizeOptions,
  createLatchkey,
  type Latchkey,
} from './latchkey.ts'
export type { EndpointName, LatchkeyEvent, StoreOperation } from './observe.ts'
export type {
  AccessTokenOptions,
  ClientAuthentication,
  CookieNames,
  LatchkeyOptions,
  RolesOptions,
} from './options.ts'
export type { AccessClaims } from './verify.ts'
