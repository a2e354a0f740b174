import { toAuth } from '../authenticate.ts'
import type { Shared } from '../context.ts'
import { Unauthenticated } from '../errors.ts'
import type { Grant, TokenSet } from '../idp_client.ts'
import { bindingOf, sidOf } from '../session_binding.ts'
import { type ModeStrategy, refreshOrForget } from './mode_strategy.ts'

/** What a refresh of `tokens` starts from. */
const grantOf = ({
  refreshToken,
  idTokenSid,
  roles,
}: TokenSet & { refreshToken: string }): Grant => ({
  refreshToken,
  idTokenSid,
  roles,
})

/** Session mode: the browser holds an opaque session id; its tokens live in the store. */
export function sessionMode(shared: Shared): ModeStrategy {
  const { o, sessions, claimsOf } = shared
  const { names } = o
  return {
    async authenticate(cookies) {
      const record = await sessions.load(cookies.get(names.session))
      if (!record) throw new Unauthenticated('sign in first')
      const { accessToken, roles } = record.tokens
      const sid = sidOf(record.binding)
      const claims = await claimsOf(accessToken, sid)
      return toAuth(claims, accessToken, roles ?? o.roles.read(claims), sid ?? claims.sid)
    },

    // Bound to the IdP session the ID token names.
    async signIn(headers, cookies, tokens, claims) {
      const binding = bindingOf(claims, tokens.idTokenSid)
      const sessionId = await sessions.create({ tokens, binding }, cookies.get(names.session))
      shared.cookies.set(headers, 'session', sessionId)
      return binding
    },

    async refresh(cookies) {
      const sessionId = cookies.get(names.session)
      const record = await sessions.load(sessionId)
      const refreshToken = record?.tokens.refreshToken
      if (!sessionId || !record || !refreshToken) throw new Unauthenticated('sign in first')
      // The record is shared by every tab: tokens obtained within the grace window are the
      // answer to this burst of refreshes, not a reason for another rotation.
      const obtainedAt = record.tokens.expiresAt - record.tokens.expiresIn
      if (Date.now() / 1000 - obtainedAt < o.refreshGraceSeconds)
        return { tokens: record.tokens, binding: record.binding }
      const tokens = await refreshOrForget(
        shared,
        grantOf({ ...record.tokens, refreshToken }),
        () => sessions.destroy(sessionId),
      )
      if ('refused' in tokens) return tokens
      await sessions.save(sessionId, { tokens, binding: record.binding })
      return { tokens, binding: record.binding }
    },

    sessionToEnd: (cookies) => sessions.load(cookies.get(names.session)),

    setTokenCookies() {},
  }
}
