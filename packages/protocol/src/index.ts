export {
  COOKIE_BASE_NAMES,
  type CookieKind,
  cookieNameCandidates,
  cookiePrefix,
  type PrefixAttributes,
} from './cookie_names.ts'
export { CSRF_HEADER, isUnsafeMethod } from './csrf.ts'
export { AUTH_ENDPOINTS } from './endpoints.ts'
export { ERROR_CODES, type ErrorBody, type ErrorCode, REFRESH_ON } from './error_codes.ts'
export { acceptableRequestId, REQUEST_ID_HEADER } from './request_id.ts'
export { isAuthority, originForm } from './request_target.ts'
export { ACCESS_TOKEN_TYPE, DEFAULT_SCOPE, SIGNING_ALGORITHM } from './tokens.ts'
