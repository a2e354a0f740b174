import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Accounts } from './accounts/accounts.ts'
import { type BearerVerifier, sendInvalidToken } from './lib/bearer.ts'
import { sendJson } from './lib/http.ts'

/**
 * The UserInfo endpoint (OIDC Core §5.3) at `/me`. oidc-provider serves UserInfo only for
 * opaque access tokens without an audience, and every Latchkey access token is a JWT for its
 * client (RFC 9068), so Latchkey answers it: the token is verified locally, the account must
 * still exist and be enabled, and the claims follow the token's scopes (OIDC Core §5.4).
 */
export function userinfoEndpoint(verifyBearer: BearerVerifier, accounts: Accounts) {
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
    const claims = await verifyBearer(req)
    const account = claims && (await accounts.find(claims.sub))
    if (!claims || !account || account.disabled) {
      sendInvalidToken(res)
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
