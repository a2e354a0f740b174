import { type Context, issue } from '../context.ts'
import { InvalidRequest } from '../errors.ts'
import { digest } from '../lib/crypto.ts'

/** `GET /auth/callback`: the IdP's answer, exchanged for tokens the mode keeps. */
export const callback =
  (ctx: Context) =>
  async (request: Request, url: URL): Promise<Response> => {
    const { o, store, seal, idp, mode } = ctx
    const cookies = ctx.cookies.of(request)
    const id = cookies.get(o.names.transaction)
    // Single use: the transaction is taken, so a replayed callback finds nothing.
    const sealed = id ? await store.take<string>('login', digest(id)) : undefined
    const tx = sealed
      ? seal.open<{ state: string; nonce: string; verifier: string; returnTo: string }>(sealed)
      : undefined
    if (!tx)
      throw new InvalidRequest('the login expired or was started in another browser; sign in again')
    // The callback URL openid-client sends as redirect_uri is the configured one, with the
    // response's parameters: never rebuilt from the Host header or the socket's scheme,
    // which a TLS-terminating proxy changes.
    const callbackUrl = new URL(o.redirectUri)
    callbackUrl.search = url.search
    const tokens = await idp.exchange(callbackUrl, tx)
    const claims = await ctx.claimsOf(tokens.accessToken, tokens.idTokenSid)
    const headers = new Headers({ location: new URL(tx.returnTo, `${o.appUrl}/`).href })
    ctx.cookies.clear(headers, 'transaction')
    const binding = await mode.signIn(headers, cookies, tokens, claims)
    issue(ctx, headers, tokens, binding)
    return new Response(null, { status: 303, headers })
  }
