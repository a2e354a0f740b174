import { logoutTokenVerifier } from './backchannel_logout.ts'
import { parseCookies, serializeCookie } from './cookies.ts'
import { cors } from './cors.ts'
import { csrf, isUnsafe } from './csrf.ts'
import {
  errorResponse,
  Forbidden,
  InvalidRequest,
  InvalidToken,
  MethodNotAllowed,
  TokenExpired,
  Unauthenticated,
} from './errors.ts'
import { readForm } from './form_body.ts'
import { type Grant, idpClient, type TokenSet } from './idp_client.ts'
import { digest, randomId, sealer } from './lib/crypto.ts'
import { type CookieNames, type LatchkeyOptions, resolveOptions } from './options.ts'
import { refresher } from './refresh.ts'
import { checkRequest } from './request_checks.ts'
import { safeReturnTo } from './return_to.ts'
import { revocationList } from './revocation.ts'
import { asBinding, type Binding, bindingOf, sidOf } from './session_binding.ts'
import { sessionStore } from './session_store.ts'
import { tokenRoles } from './token_roles.ts'
import { type AccessClaims, createVerifier, type Verifier } from './verify.ts'

/** Who is calling: the same shape in cookie and session mode. */
export interface AuthContext {
  sub: string
  /** The IdP session: the access token's `sid`, or in session mode the ID token's. */
  sid?: string
  roles: string[]
  email?: string
  name?: string
  /** When the access token expires, epoch seconds. */
  expiresAt: number
  claims: AccessClaims
  /** The verified access token, for calling other APIs on the user's behalf. Never send it to the browser. */
  accessToken: string
}

export interface Latchkey {
  /**
   * Answers the `/auth/*` endpoints and CORS preflights, and refuses what no route should see
   * (TRACE: 501; a body over `maxBodyBytes`: 413; a path that does not percent-decode: 400);
   * `undefined` for any other request.
   */
  handle(request: Request): Promise<Response | undefined>
  /** The caller's identity, or a coded `AuthError` (401 unauthenticated/token_expired/invalid_token, 503). */
  authenticate(request: Request): Promise<AuthContext>
  /** CORS headers for the app's own responses to cross-origin frontends. */
  decorate(request: Request, headers: Headers): void
  /** Refuses unsafe requests without a valid CSRF token (for the app's own POST/PUT/PATCH/DELETE routes). */
  checkCsrf(request: Request, auth: AuthContext): Promise<void>
  /**
   * What a guarded route needs, in one call: `authenticate`, then `checkCsrf`, then the role.
   * Throws the coded `AuthError` (401, 403 `csrf_failed`, 403 `forbidden`, 503) on failure.
   */
  authorize(request: Request, role?: string): Promise<AuthContext>
  readonly options: {
    mode: 'cookie' | 'session'
    cookieNames: CookieNames
    /** This backend's own origin (from `redirectUri`): the URL of a request without `Host`. */
    origin: string
  }
}

const toAuth = (
  claims: AccessClaims,
  accessToken: string,
  roles: string[],
  sid = claims.sid,
): AuthContext => ({
  sub: claims.sub,
  sid,
  roles,
  email: claims.email,
  name: claims.name,
  expiresAt: claims.exp,
  claims,
  accessToken,
})

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

/**
 * Creates the backend half of Latchkey: the login/callback/refresh/logout endpoints, the
 * cookies, CSRF and CORS rules and access-token verification, on the Fetch API. Framework
 * adapters (`@latchkey/server/express`, `/fastify`, `/hono`, `/node`) only translate to it.
 *
 * @example
 * const auth = createLatchkey({ issuer, clientId, clientSecret, redirectUri, secrets: [process.env.SECRET] })
 * export default { fetch: async (req) => (await auth.handle(req)) ?? app(req) }
 */
export function createLatchkey(options: LatchkeyOptions): Latchkey {
  const o = resolveOptions(options)
  const { store, names, attributes } = o
  const seal = sealer(o.secrets)
  const idp = idpClient(o)
  const guard = csrf(o.secrets, new Set([o.ownOrigin, ...o.origins]))
  const corsPolicy = cors(o.origins)
  const revoked = revocationList(
    store,
    Math.max(o.attributes.access.maxAge, 3600),
    o.revocationResyncSeconds,
  )
  const refreshes = refresher(store, seal, o.refreshGraceSeconds, (grant) => idp.refresh(grant))
  const rolesOfTokens = tokenRoles(store)
  const cookieNames = Object.values(names)
  const sessions = sessionStore(store, seal, {
    session: attributes.session.maxAge,
    grant: attributes.refresh.maxAge,
  })
  const verifyLogoutToken = logoutTokenVerifier(
    {
      issuer: o.issuer,
      clientId: o.clientId,
      clockTolerance: o.clockToleranceSeconds,
      algorithms: o.accessToken.algorithms,
      fetch: o.fetch,
      jwksUri: async () => (await idp.metadata()).jwks_uri ?? '',
    },
    store,
  )

  let verifier: Promise<Verifier> | undefined
  const verify = () => {
    verifier ??= idp.metadata().then((m) =>
      createVerifier({
        issuer: o.issuer,
        audience: o.audience,
        jwksUri: m.jwks_uri ?? '',
        algorithms: o.accessToken.algorithms,
        typ: o.accessToken.typ,
        clockTolerance: o.clockToleranceSeconds,
        fetch: o.fetch,
      }),
    )
    verifier.catch(() => {
      verifier = undefined
    })
    return verifier
  }

  // Parsed once per request, however many steps (authenticate, CSRF check) read them.
  const parsed = new WeakMap<Request, Map<string, string>>()
  const cookiesOf = (request: Request) => {
    let cookies = parsed.get(request)
    if (!cookies) {
      cookies = parseCookies(request.headers.get('cookie'), cookieNames)
      parsed.set(request, cookies)
    }
    return cookies
  }
  const setCookie = (headers: Headers, kind: keyof CookieNames, value: string, maxAge?: number) =>
    headers.append(
      'set-cookie',
      serializeCookie(names[kind], value, {
        ...attributes[kind],
        maxAge: maxAge ?? attributes[kind].maxAge,
      }),
    )
  const clearCookie = (headers: Headers, kind: keyof CookieNames) => setCookie(headers, kind, '', 0)

  /** Verified claims of a token whose session has not ended (`sid`: the session it is of). */
  const claimsOf = async (token: string, sid?: string) => {
    const claims = await (await verify()).verify(token)
    await revoked.ready()
    if (revoked.isRevoked(claims, sid ?? claims.sid))
      throw new InvalidToken('the session has ended')
    return claims
  }

  /** The session an access token names, if its signature verifies (expired is fine). */
  const bindingOfAccess = async (token: string | undefined) => {
    if (!token) return undefined
    try {
      return bindingOf(await (await verify()).verify(token, { allowExpired: true }))
    } catch {
      return undefined
    }
  }

  async function authenticate(request: Request): Promise<AuthContext> {
    const cookies = cookiesOf(request)
    if (o.mode === 'session') {
      const record = await sessions.load(cookies.get(names.session))
      if (!record) throw new Unauthenticated('sign in first')
      const { accessToken, roles } = record.tokens
      const sid = sidOf(record.binding)
      const claims = await claimsOf(accessToken, sid)
      return toAuth(claims, accessToken, roles ?? o.roles.read(claims), sid ?? claims.sid)
    }
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
  }

  const issue = (headers: Headers, tokens: TokenSet, binding: Binding) => {
    const token = guard.tokenFor(binding)
    if (o.mode === 'cookie') {
      setCookie(
        headers,
        'access',
        tokens.accessToken,
        Math.min(tokens.expiresIn, attributes.access.maxAge),
      )
      if (tokens.refreshToken) setCookie(headers, 'refresh', tokens.refreshToken)
    }
    setCookie(headers, 'csrf', token)
    return token
  }

  /** Cookie mode: what a later refresh, logout and request need of tokens just obtained. */
  const keep = async (binding: Binding, tokens: TokenSet, replacing?: string) => {
    await sessions.saveGrant(binding, tokens, replacing)
    if (tokens.idTokenSid && binding !== `sid:${tokens.idTokenSid}`)
      await sessions.alias(tokens.idTokenSid, binding)
    if (tokens.roles) await rolesOfTokens.save(tokens.accessToken, tokens.roles, tokens.expiresIn)
  }

  /** A refresh the IdP refused (RFC 6749 §5.2): sign in again, with every auth cookie cleared. */
  const refused = (error: Unauthenticated) => {
    const headers = new Headers()
    for (const kind of Object.keys(names) as (keyof CookieNames)[]) clearCookie(headers, kind)
    return errorResponse(error, headers)
  }

  const routes: Record<string, (request: Request, url: URL) => Promise<Response>> = {
    async 'GET /auth/login'(_request, url) {
      const returnTo = safeReturnTo(url.searchParams.get('returnTo'))
      const tx = { state: randomId(), nonce: randomId(), verifier: randomId(), returnTo }
      const id = randomId()
      // Keyed by a digest, like sessions: the store never holds a live cookie value, and a
      // cookie of any length or shape maps to a valid key.
      await store.set('login', digest(id), seal.seal(tx), { ttl: attributes.transaction.maxAge })
      const headers = new Headers({ location: await idp.authorizationUrl(tx) })
      setCookie(headers, 'transaction', id)
      return new Response(null, { status: 302, headers })
    },

    async 'GET /auth/callback'(request, url) {
      const cookies = cookiesOf(request)
      const id = cookies.get(names.transaction)
      // Single use: the transaction is taken, so a replayed callback finds nothing.
      const sealed = id ? await store.take<string>('login', digest(id)) : undefined
      const tx = sealed
        ? seal.open<{ state: string; nonce: string; verifier: string; returnTo: string }>(sealed)
        : undefined
      if (!tx)
        throw new InvalidRequest(
          'the login expired or was started in another browser; sign in again',
        )
      // The callback URL openid-client sends as redirect_uri is the configured one, with the
      // response's parameters: never rebuilt from the Host header or the socket's scheme,
      // which a TLS-terminating proxy changes.
      const callbackUrl = new URL(o.redirectUri)
      callbackUrl.search = url.search
      const tokens = await idp.exchange(callbackUrl, tx)
      const claims = await claimsOf(tokens.accessToken, tokens.idTokenSid)
      const headers = new Headers({ location: new URL(tx.returnTo, `${o.appUrl}/`).href })
      clearCookie(headers, 'transaction')
      // Session mode binds to the IdP session the ID token names; cookie mode to what the
      // access token names (all a request brings there).
      let binding: Binding
      if (o.mode === 'session') {
        binding = bindingOf(claims, tokens.idTokenSid)
        const sessionId = await sessions.create({ tokens, binding }, cookies.get(names.session))
        setCookie(headers, 'session', sessionId)
      } else {
        binding = bindingOf(claims)
        await keep(binding, tokens)
      }
      issue(headers, tokens, binding)
      return new Response(null, { status: 303, headers })
    },

    async 'POST /auth/refresh'(request) {
      guard.checkOrigin(request)
      const cookies = cookiesOf(request)
      const headers = new Headers()
      if (o.mode === 'session') {
        const sessionId = cookies.get(names.session)
        const record = await sessions.load(sessionId)
        const refreshToken = record?.tokens.refreshToken
        if (!sessionId || !record || !refreshToken) throw new Unauthenticated('sign in first')
        // The record is shared by every tab: tokens obtained within the grace window are the
        // answer to this burst of refreshes, not a reason for another rotation.
        const obtainedAt = record.tokens.expiresAt - record.tokens.expiresIn
        const fresh = Date.now() / 1000 - obtainedAt < o.refreshGraceSeconds
        let tokens = record.tokens
        if (!fresh) {
          try {
            tokens = await refreshes.refresh(grantOf({ ...record.tokens, refreshToken }))
          } catch (error) {
            if (!(error instanceof Unauthenticated)) throw error
            await sessions.destroy(sessionId)
            return refused(error)
          }
          await sessions.save(sessionId, { tokens, binding: record.binding })
        }
        return Response.json(
          { expiresAt: tokens.expiresAt, csrfToken: issue(headers, tokens, record.binding) },
          { headers },
        )
      }
      const refreshToken = cookies.get(names.refresh)
      if (!refreshToken) throw new Unauthenticated('sign in first')
      let tokens: TokenSet
      try {
        tokens = await refreshes.refresh(
          (await sessions.loadGrant(refreshToken)) ?? { refreshToken },
        )
      } catch (error) {
        if (!(error instanceof Unauthenticated)) throw error
        await sessions.forgetGrant(refreshToken)
        return refused(error)
      }
      const binding = bindingOf(await claimsOf(tokens.accessToken))
      await keep(binding, tokens, refreshToken)
      return Response.json(
        { expiresAt: tokens.expiresAt, csrfToken: issue(headers, tokens, binding) },
        { headers },
      )
    },

    async 'POST /auth/logout'(request) {
      // A page on another site must not sign the user out: Origin / Fetch Metadata first.
      guard.checkOrigin(request)
      const cookies = cookiesOf(request)
      const sessionId = cookies.get(names.session)
      const record = o.mode === 'session' ? await sessions.load(sessionId) : undefined
      // ASVS 5.0 V7.4.1: logout works whatever state the cookies are in — an expired, forged or
      // garbage access cookie only means the session is named some other way. Where one can be
      // named at all (a session record, an access token whose signature verifies, expired or
      // not, or a CSRF cookie carrying our HMAC), the X-CSRF-Token header must match it, or any
      // page on an allowed origin could end the user's session. Where none can, there is
      // nothing to end and nothing to protect: the cookies, worthless already, are cleared
      // without a token, so a browser holding garbage can always sign out.
      const binding =
        record?.binding ??
        (await bindingOfAccess(cookies.get(names.access))) ??
        asBinding(guard.bindingOf(cookies.get(names.csrf)))
      if (binding) guard.checkToken(request, cookies.get(names.csrf), binding)
      // Everything kept under the binding ends here and on every instance (the revoked list);
      // its refresh tokens are refused here from now on, and revoked at the IdP (RFC 7009)
      // so they are dead everywhere.
      const refreshTokens = new Set(binding ? await sessions.end(binding) : [])
      if (record?.tokens.refreshToken) refreshTokens.add(record.tokens.refreshToken)
      await refreshes.end(refreshTokens, attributes.refresh.maxAge)
      for (const token of refreshTokens) await idp.revoke(token).catch(() => undefined)
      if (binding) await revoked.revoke(binding)
      if (sessionId) await sessions.destroy(sessionId)
      const headers = new Headers()
      for (const kind of Object.keys(names) as (keyof CookieNames)[]) clearCookie(headers, kind)
      // An unreachable IdP costs the single logout, not the local one.
      const logoutUrl = await idp.endSessionUrl().catch(() => undefined)
      return Response.json({ logoutUrl: logoutUrl ?? null }, { headers })
    },

    async 'GET /auth/me'(request) {
      const auth = await authenticate(request)
      return Response.json({
        user: {
          sub: auth.sub,
          name: auth.name ?? null,
          email: auth.email ?? null,
          roles: auth.roles,
        },
        expiresAt: auth.expiresAt,
        csrfToken: guard.tokenFor(bindingOf(auth)),
      })
    },

    async 'POST /auth/backchannel-logout'(request) {
      const form = await readForm(request, o.maxBodyBytes)
      const ended = await verifyLogoutToken(form?.get('logout_token'))
      // In cookie mode too: the binding goes on the revoked list every instance reads, so an
      // access cookie issued before the logout stops working at once.
      const bindings: Binding[] =
        'sid' in ended ? await sessions.bindingsOfSid(ended.sid) : [`sub:${ended.sub}`]
      for (const binding of bindings) {
        await revoked.revoke(binding)
        await sessions.end(binding)
      }
      return new Response(null, { status: 200, headers: { 'cache-control': 'no-store' } })
    },
  }

  /** The methods Latchkey answers on a path, for the 405 of a wrong one. */
  const methodsOf = (path: string) =>
    Object.keys(routes)
      .filter((route) => route.endsWith(` ${path}`))
      .map((route) => route.split(' ')[0] as string)

  /** Whether the request came over https: the socket's TLS, or a trusted proxy's word. */
  const overHttps = (request: Request, url: URL) =>
    url.protocol === 'https:' ||
    (o.trustProxy &&
      request.headers.get('x-forwarded-proto')?.split(',')[0]?.trim().toLowerCase() === 'https')

  async function handle(request: Request): Promise<Response | undefined> {
    const url = new URL(request.url)
    const route = routes[`${request.method} ${url.pathname}`]
    const allowed = route ? [] : methodsOf(url.pathname)
    let response: Response
    try {
      checkRequest(request, url, o.maxBodyBytes)
      if (corsPolicy.isPreflight(request)) return corsPolicy.preflight(request)
      if (!route && allowed.length === 0) return undefined // not ours: the app's route
      if (!route) throw new MethodNotAllowed(`use ${allowed.join(' or ')}`)
      response = await route(request, url)
    } catch (error) {
      response = errorResponse(
        error,
        error instanceof MethodNotAllowed ? { allow: allowed.join(', ') } : undefined,
      )
    }
    // Responses of a redirect or JSON are immutable once built: copy into fresh headers.
    const headers = new Headers(response.headers)
    headers.set('cache-control', 'no-store')
    // RFC 6797 §7.2: only over https (a browser ignores it on http anyway).
    if (overHttps(request, url))
      headers.set('strict-transport-security', 'max-age=31536000; includeSubDomains')
    corsPolicy.decorate(request, headers)
    return new Response(response.body, { status: response.status, headers })
  }

  const checkCsrf = async (request: Request, auth: AuthContext) => {
    if (!isUnsafe(request.method)) return
    guard.checkOrigin(request)
    guard.checkToken(request, cookiesOf(request).get(names.csrf), bindingOf(auth))
  }

  return {
    handle,
    authenticate,
    decorate: corsPolicy.decorate,
    checkCsrf,
    async authorize(request, role) {
      const user = await authenticate(request)
      await checkCsrf(request, user)
      if (role && !user.roles.includes(role)) throw new Forbidden(`requires role ${role}`)
      return user
    },
    options: { mode: o.mode, cookieNames: names, origin: o.ownOrigin },
  }
}
