import type { Context } from '../context.ts'
import { asBinding, bindingOf } from '../session_binding.ts'
import type { Verifier } from '../verify.ts'

/** The session an access token names, if its signature verifies (expired is fine). */
const bindingOfAccess = async (verify: () => Promise<Verifier>, token: string | undefined) => {
  if (!token) return undefined
  try {
    return bindingOf(await (await verify()).verify(token, { allowExpired: true }))
  } catch {
    return undefined
  }
}

/** `POST /auth/logout`: ends the session here, on every instance and at the IdP. */
export const logout =
  ({ o, guard, cookies: jar, mode, sessions, refreshes, idp, revoked, verify }: Context) =>
  async (request: Request): Promise<Response> => {
    // A page on another site must not sign the user out: Origin / Fetch Metadata first.
    guard.checkOrigin(request)
    const { names } = o
    const cookies = jar.of(request)
    const sessionId = cookies.get(names.session)
    const record = await mode.sessionToEnd(cookies)
    // ASVS 5.0 V7.4.1: logout works whatever state the cookies are in — an expired, forged or
    // garbage access cookie only means the session is named some other way. Where one can be
    // named at all (a session record, an access token whose signature verifies, expired or
    // not, or a CSRF cookie carrying our HMAC), the X-CSRF-Token header must match it, or any
    // page on an allowed origin could end the user's session. Where none can, there is
    // nothing to end and nothing to protect: the cookies, worthless already, are cleared
    // without a token, so a browser holding garbage can always sign out.
    const binding =
      record?.binding ??
      (await bindingOfAccess(verify, cookies.get(names.access))) ??
      asBinding(guard.bindingOf(cookies.get(names.csrf)))
    if (binding) guard.checkToken(request, cookies.get(names.csrf), binding)
    // Everything kept under the binding ends here and on every instance (the revoked list);
    // its refresh tokens are refused here from now on, and revoked at the IdP (RFC 7009)
    // so they are dead everywhere.
    const refreshTokens = new Set(binding ? await sessions.end(binding) : [])
    if (record?.tokens.refreshToken) refreshTokens.add(record.tokens.refreshToken)
    await refreshes.end(refreshTokens, o.attributes.refresh.maxAge)
    for (const token of refreshTokens) await idp.revoke(token).catch(() => undefined)
    if (binding) await revoked.revoke(binding)
    if (sessionId) await sessions.destroy(sessionId)
    const headers = new Headers()
    jar.clearAll(headers)
    // An unreachable IdP costs the single logout, not the local one.
    const logoutUrl = await idp.endSessionUrl().catch(() => undefined)
    return Response.json({ logoutUrl: logoutUrl ?? null }, { headers })
  }
