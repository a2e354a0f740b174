import type { Context } from '../context.ts'
import { digest, randomId } from '../lib/crypto.ts'
import { safeReturnTo } from '../return_to.ts'

/** `GET /auth/login`: starts an authorization-code flow with PKCE at the IdP. */
export const login =
  ({ o, store, seal, idp, cookies }: Context) =>
  async (_request: Request, url: URL): Promise<Response> => {
    const returnTo = safeReturnTo(url.searchParams.get('returnTo'))
    const tx = { state: randomId(), nonce: randomId(), verifier: randomId(), returnTo }
    const id = randomId()
    // Keyed by a digest, like sessions: the store never holds a live cookie value, and a
    // cookie of any length or shape maps to a valid key.
    await store.set('login', digest(id), seal.seal(tx), { ttl: o.attributes.transaction.maxAge })
    const headers = new Headers({ location: await idp.authorizationUrl(tx) })
    cookies.set(headers, 'transaction', id)
    return new Response(null, { status: 302, headers })
  }
