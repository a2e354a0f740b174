import { toAuth } from '../authenticate.ts'
import type { Shared } from '../context.ts'
import { TokenExpired, Unauthenticated } from '../errors.ts'
import type { TokenSet } from '../idp_client.ts'
import { type Binding, bindingOf } from '../session_binding.ts'
import { type ModeStrategy, refreshOrForget } from './mode_strategy.ts'

/** Cookie mode: the access and refresh tokens ride in HttpOnly cookies. */
export function cookieMode(shared: Shared): ModeStrategy {
  const { o, sessions, rolesOfTokens, claimsOf, cookies: jar } = shared
  const { names, attributes } = o

  /** What a later refresh, logout and request need of tokens just obtained. */
  const keep = async (binding: Binding, tokens: TokenSet, replacing?: string) => {
    await sessions.saveGrant(binding, tokens, replacing)
    if (tokens.idTokenSid && binding !== `sid:${tokens.idTokenSid}`)
      await sessions.alias(tokens.idTokenSid, binding)
    if (tokens.roles) await rolesOfTokens.save(tokens.accessToken, tokens.roles, tokens.expiresIn)
  }

  return {
    async authenticate(cookies) {
      const token = cookies.get(names.access)
      if (!token) {
        // The access cookie expires with its token; the CSRF cookie lives as long as the login,
        // so its presence means "signed in, refresh" rather than "never signed in".
        if (cookies.has(names.csrf)) throw new TokenExpired('the access token has expired')
        throw new Unauthenticated('sign in first')
      }
      const claims = await claimsOf(token)
      const roles =
        o.roles.from === 'access_token' ? o.roles.read(claims) : await rolesOfTokens.of(token)
      return toAuth(claims, token, roles)
    },

    // Bound to what the access token names: all a later request brings in this mode.
    async signIn(_headers, _cookies, tokens, claims) {
      const binding = bindingOf(claims)
      await keep(binding, tokens)
      return binding
    },

    async refresh(cookies) {
      const refreshToken = cookies.get(names.refresh)
      if (!refreshToken) throw new Unauthenticated('sign in first')
      const tokens = await refreshOrForget(
        shared,
        (await sessions.loadGrant(refreshToken)) ?? { refreshToken },
        () => sessions.forgetGrant(refreshToken),
      )
      if ('refused' in tokens) return tokens
      const binding = bindingOf(await claimsOf(tokens.accessToken))
      await keep(binding, tokens, refreshToken)
      return { tokens, binding }
    },

    sessionToEnd: async () => undefined,

    setTokenCookies(headers, tokens) {
      jar.set(
        headers,
        'access',
        tokens.accessToken,
        Math.min(tokens.expiresIn, attributes.access.maxAge),
      )
      if (tokens.refreshToken) jar.set(headers, 'refresh', tokens.refreshToken)
    },
  }
}
