import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Accounts } from './accounts/accounts.ts'
import type { Clients } from './clients.ts'
import type { Audience, BearerGuard } from './lib/bearer.ts'
import { sendJson } from './lib/http.ts'

/**
 * The UserInfo endpoint (OIDC Core §5.3) at `/me`. oidc-provider serves UserInfo only for
 * opaque access tokens without an audience, and every Latchkey access token is a JWT for its
 * client (RFC 9068), so Latchkey answers it: the token is verified locally and must not be
 * revoked, the account must still exist and be enabled, and the claims follow the token's
 * scopes (OIDC Core §5.4). The token comes in the Authorization header or, on a POST, in the
 * form body (RFC 6750 §2.2, as mod_auth_openidc's `post_param` sends it): same answer.
 */
export function userinfoEndpoint(guard: BearerGuard, accounts: Accounts, clients: Clients) {
  // UserInfo is the resource every client's OpenID Connect access token is for: it accepts a
  // token issued to any client still registered here, provided it was issued with `openid`.
  const audience: Audience = {
    accepts: async (clientId) => (await clients.find(clientId)) !== undefined,
    scope: 'openid',
  }
  return async function handleUserinfo(
    req: IncomingMessage,
    res: ServerResponse,
    path: string,
  ): Promise<boolean> {
    if (path !== '/me') return false
    if (req.method !== 'GET' && req.method !== 'POST') {
      sendJson(
        res,
        405,
        { error: 'invalid_request', message: 'use GET or POST' },
        { allow: 'GET, POST' },
      )
      return true
    }
    const claims = await guard.authorize(req, res, audience)
    if (!claims) return true
    const account = await accounts.find(claims.sub)
    if (!account || account.disabled) {
      guard.refuse(res)
      return true
    }
    const scopes = new Set((claims.scope ?? '').split(' '))
    sendJson(res, 200, {
      sub: account.id,
      roles: account.roles,
      ...(scopes.has('profile') && { name: account.name, preferred_username: account.username }),
      ...(scopes.has('email') && { email: account.email, email_verified: false }),
    })
    return true
  }
}
