import type { IncomingMessage, ServerResponse } from 'node:http'
import type { AccessTokenClaims } from '../access_tokens.ts'
import { readForm, sendJson } from './http.ts'

/** Which tokens a resource accepts (RFC 9068 §4: the resource checks it is the audience). */
export interface Audience {
  /** Whether this resource accepts a token issued to this client. */
  accepts(clientId: string): Promise<boolean>
  /** A scope every accepted token must carry (RFC 6750 §3.1 `insufficient_scope`). */
  scope?: string
}

type Presented = { token: string } | { malformed: string } | undefined

// RFC 6750 §2.1: `Bearer` (case-insensitive, RFC 9110 §11.1) and a b64token.
const BEARER = /^Bearer +([A-Za-z0-9._~+/-]+=*)$/i
const FORM = 'application/x-www-form-urlencoded'

/**
 * The access token a request presents (RFC 6750 §2): in the Authorization header (§2.1) or,
 * on a form POST, as the `access_token` body parameter (§2.2). Never in the query string
 * (RFC 9700 §4.3.2: it leaks through logs and history), and never two ways at once (§2). Another scheme (Basic, DPoP)
 * counts as no credentials (§3.1), which is the answer a DPoP client needs: this IdP issues
 * Bearer tokens only.
 */
async function presentedToken(req: IncomingMessage, maxBodyBytes: number): Promise<Presented> {
  const header = req.headers.authorization
  const fromHeader = header === undefined ? undefined : BEARER.exec(header)?.[1]
  if (header !== undefined && !fromHeader && /^Bearer\b/i.test(header))
    return { malformed: 'the Authorization header is not a Bearer token' }
  const query = new URLSearchParams((req.url ?? '').split('?')[1] ?? '')
  if (query.has('access_token')) return { malformed: 'access tokens are not accepted in the URL' }
  const type = req.headers['content-type']?.split(';')[0]?.trim().toLowerCase()
  if (req.method !== 'POST' || type !== FORM) return fromHeader ? { token: fromHeader } : undefined
  const inBody = (await readForm(req, maxBodyBytes))?.getAll('access_token') ?? []
  if (inBody.length === 0) return fromHeader ? { token: fromHeader } : undefined
  if (inBody.length > 1 || fromHeader)
    return { malformed: 'the access token must be sent exactly once' }
  return inBody[0] ? { token: inBody[0] } : { malformed: 'access_token is empty' }
}

/**
 * Authorisation for the IdP's own resources (UserInfo, the account API) with its own access
 * tokens, answering as RFC 6750 §3 says: no credentials → 401 with a bare challenge; a bad
 * request → 400 `invalid_request`; a token that is forged, expired, revoked or meant for
 * another resource → 401 `invalid_token`; a token without the needed scope → 403
 * `insufficient_scope`.
 */
export function bearerGuard(
  realm: string,
  verify: (token: string) => Promise<AccessTokenClaims | undefined>,
  /** The IdP's body limit: a larger form throws `BodyTooLargeError` (413). */
  maxBodyBytes: number,
) {
  // The JSON body always names the error; the header names it only when there is one to name.
  const challenge = (
    res: ServerResponse,
    status: number,
    error: string,
    message: string,
    params = `, error="${error}"`,
  ) =>
    sendJson(
      res,
      status,
      { error, message },
      { 'www-authenticate': `Bearer realm="${realm}"${params}` },
    )
  const refuse = (res: ServerResponse) =>
    challenge(res, 401, 'invalid_token', 'a valid access token is required')

  return {
    /** The token's claims, or `undefined` once the refusal has been sent. */
    async authorize(
      req: IncomingMessage,
      res: ServerResponse,
      audience: Audience,
    ): Promise<AccessTokenClaims | undefined> {
      const presented = await presentedToken(req, maxBodyBytes)
      if (!presented) {
        challenge(res, 401, 'unauthenticated', 'an access token is required', '')
        return undefined
      }
      if ('malformed' in presented) {
        challenge(res, 400, 'invalid_request', presented.malformed)
        return undefined
      }
      const claims = await verify(presented.token)
      if (!claims || !(await audience.accepts(claims.client_id))) {
        refuse(res)
        return undefined
      }
      if (audience.scope && !(claims.scope ?? '').split(' ').includes(audience.scope)) {
        const message = `the access token lacks the ${audience.scope} scope`
        challenge(
          res,
          403,
          'insufficient_scope',
          message,
          `, error="insufficient_scope", scope="${audience.scope}"`,
        )
        return undefined
      }
      return claims
    },
    /** RFC 6750 §3.1 `invalid_token`, for a token that verified but whose user is gone. */
    refuse,
  }
}

export type BearerGuard = ReturnType<typeof bearerGuard>
