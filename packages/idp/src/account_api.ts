import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Audit } from './audit.ts'
import { type BearerVerifier, sendInvalidToken } from './lib/bearer.ts'
import { sendJson } from './lib/http.ts'
import type { Sessions } from './sessions.ts'

/**
 * `/account/sessions`: a signed-in user's own IdP sessions, for "where am I signed in".
 * Authorised by the user's access token (RFC 6750 §2.1 Bearer), verified locally against the
 * IdP's own keys (RFC 9068 §4: `typ`, issuer, algorithm).
 */
export function accountApi(verifyBearer: BearerVerifier, sessions: Sessions, audit: Audit) {
  return async function handleAccount(
    req: IncomingMessage,
    res: ServerResponse,
    path: string,
  ): Promise<boolean> {
    const match = /^\/account\/sessions(?:\/([A-Za-z0-9_-]{1,64}))?$/.exec(path)
    if (!match) return false
    const claims = await verifyBearer(req)
    if (!claims) {
      sendInvalidToken(res)
      return true
    }
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
