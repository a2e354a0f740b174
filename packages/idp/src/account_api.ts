import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Audit } from './audit.ts'
import type { Clients } from './clients.ts'
import type { Audience, BearerGuard } from './lib/bearer.ts'
import { sendJson } from './lib/http.ts'
import type { Sessions } from './sessions.ts'

/**
 * `/account/sessions`: a signed-in user's own IdP sessions, for "where am I signed in".
 * Authorised by the user's access token (RFC 6750), verified locally against the IdP's own
 * keys and its record of revoked tokens.
 */
export function accountApi(guard: BearerGuard, clients: Clients, sessions: Sessions, audit: Audit) {
  // RFC 9068 §4: the account API is a resource of its own, and a token is accepted here only
  // if its audience — the client it was issued to — is registered for it (`accountApi`). An
  // app that merely signs its users in cannot list or end their sessions everywhere.
  const audience: Audience = {
    accepts: async (clientId) => (await clients.find(clientId))?.accountApi === true,
  }
  return async function handleAccount(
    req: IncomingMessage,
    res: ServerResponse,
    path: string,
  ): Promise<boolean> {
    const match = /^\/account\/sessions(?:\/([A-Za-z0-9_-]{1,64}))?$/.exec(path)
    if (!match) return false
    const claims = await guard.authorize(req, res, audience)
    if (!claims) return true
    const sub = claims.sub
    const id = match[1]
    if (req.method === 'GET' && !id) {
      sendJson(res, 200, { sessions: await sessions.list(sub, claims.sid) })
    } else if (req.method === 'DELETE' && id) {
      const ended = await sessions.endOne(sub, id)
      if (ended) audit('session.revoked_by_user', { accountId: sub, session: id })
      if (ended) res.writeHead(204, { 'cache-control': 'no-store' }).end()
      else sendJson(res, 404, { error: 'not_found', message: 'no such session' })
    } else {
      sendJson(res, 405, { error: 'invalid_request', message: 'method not allowed' })
    }
    return true
  }
}
