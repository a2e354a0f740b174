/**
 * The paths a Latchkey backend serves (CONTRACT.md), where the browser SDK finds them. The
 * refresh cookie is scoped to `refresh` and the login transaction's to `callback`, so these
 * are also cookie paths: renaming one is a breaking change for every deployed browser.
 */
export const AUTH_ENDPOINTS = {
  /** `GET`: redirects to the IdP (code + PKCE). */
  login: '/auth/login',
  /** `GET`: finishes the sign-in, sets the cookies. */
  callback: '/auth/callback',
  /** `POST`: rotates the refresh token, sets a new access cookie. */
  refresh: '/auth/refresh',
  /** `POST`: CSRF-checked; ends the session, answers the IdP's logout URL. */
  logout: '/auth/logout',
  /** `GET`: the signed-in user. */
  me: '/auth/me',
  /** `POST`: OIDC Back-Channel Logout 1.0 receiver. */
  backchannelLogout: '/auth/backchannel-logout',
} as const
