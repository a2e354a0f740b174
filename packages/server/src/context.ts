import { createRemoteJWKSet, customFetch } from 'jose'
import { claimsChecker } from './authenticate.ts'
import { logoutTokenVerifier } from './backchannel_logout.ts'
import { parseCookies, serializeCookie } from './cookies.ts'
import { csrf } from './csrf.ts'
import { idpClient, type TokenSet } from './idp_client.ts'
import { sealer } from './lib/crypto.ts'
import { once } from './lib/once.ts'
import { observedStore } from './observe.ts'
import type { CookieNames, ResolvedOptions } from './options.ts'
import { refresher } from './refresh.ts'
import { revocationList } from './revocation.ts'
import type { Binding } from './session_binding.ts'
import { sessionStore } from './session_store.ts'
import type { ModeStrategy } from './strategies/mode_strategy.ts'
import { tokenRoles } from './token_roles.ts'
import { createVerifier } from './verify.ts'

/** The cookies of Latchkey's own names: read once per request, written with their attributes. */
function cookieJar({ names, attributes }: ResolvedOptions) {
  const ours = new Set(Object.values(names))
  // Parsed once per request, however many steps (authenticate, CSRF check) read them.
  const parsed = new WeakMap<Request, Map<string, string>>()
  const set = (headers: Headers, kind: keyof CookieNames, value: string, maxAge?: number) =>
    headers.append(
      'set-cookie',
      serializeCookie(names[kind], value, {
        ...attributes[kind],
        maxAge: maxAge ?? attributes[kind].maxAge,
      }),
    )
  const clear = (headers: Headers, kind: keyof CookieNames) => set(headers, kind, '', 0)
  return {
    of(request: Request) {
      let cookies = parsed.get(request)
      if (!cookies) {
        cookies = parseCookies(request.headers.get('cookie'), ours)
        parsed.set(request, cookies)
      }
      return cookies
    },
    set,
    clear,
    /** Every auth cookie cleared: after logout, or a refresh the IdP refused. */
    clearAll(headers: Headers) {
      for (const kind of Object.keys(names) as (keyof CookieNames)[]) clear(headers, kind)
    },
  }
}

/** The parts every endpoint and mode strategy shares, built once per `createLatchkey`. */
export function sharedParts(o: ResolvedOptions) {
  const { attributes } = o
  const store = o.events ? observedStore(o.store, o.events) : o.store
  const seal = sealer(o.secrets)
  const idp = idpClient(o)
  const revoked = revocationList(
    store,
    Math.max(o.attributes.access.maxAge, 3600),
    o.revocationResyncSeconds,
  )

  // One cache of the IdP's keys, for access tokens and logout tokens alike. An unknown `kid`
  // triggers one refetch, rate-limited by jose's cooldown (a key rotation is picked up, a
  // flood of forged `kid`s is not a flood of requests to the IdP).
  const keys = once(async () =>
    createRemoteJWKSet(new URL((await idp.metadata()).jwks_uri ?? ''), {
      cooldownDuration: 30_000,
      cacheMaxAge: 10 * 60_000,
      [customFetch]: o.fetch,
    }),
  )
  const verify = once(async () =>
    createVerifier({
      issuer: o.issuer,
      audience: o.audience,
      keys: await keys(),
      algorithms: o.accessToken.algorithms,
      typ: o.accessToken.typ,
      clockTolerance: o.clockToleranceSeconds,
    }),
  )

  return {
    o,
    store,
    seal,
    idp,
    guard: csrf(o.secrets, new Set([o.ownOrigin, ...o.origins])),
    cookies: cookieJar(o),
    revoked,
    refreshes: refresher(store, seal, o.refreshGraceSeconds, (grant) => idp.refresh(grant)),
    rolesOfTokens: tokenRoles(store),
    sessions: sessionStore(store, seal, {
      session: attributes.session.maxAge,
      grant: attributes.refresh.maxAge,
    }),
    verifyLogoutToken: logoutTokenVerifier(
      {
        issuer: o.issuer,
        clientId: o.clientId,
        clockTolerance: o.clockToleranceSeconds,
        algorithms: o.accessToken.algorithms,
        keys,
      },
      store,
    ),
    verify,
    claimsOf: claimsChecker(verify, revoked),
  }
}

export type Shared = ReturnType<typeof sharedParts>

export type Context = Shared & { mode: ModeStrategy }

/** Sets the CSRF cookie (and any token cookies) for `tokens`; returns the CSRF token. */
export const issue = (ctx: Context, headers: Headers, tokens: TokenSet, binding: Binding) => {
  const token = ctx.guard.tokenFor(binding)
  ctx.mode.setTokenCookies(headers, tokens)
  ctx.cookies.set(headers, 'csrf', token)
  return token
}
