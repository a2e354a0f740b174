import {
  ACCESS_TOKEN_TYPE,
  AUTH_ENDPOINTS,
  COOKIE_BASE_NAMES,
  type CookieKind,
  cookiePrefix,
  DEFAULT_SCOPE,
  SIGNING_ALGORITHM,
} from '@latchkey/protocol'
import { memoryStore, type Store } from '@latchkey/store'
import type { JWK } from 'jose'
import type { CookieAttributes } from './cookies.ts'
import { type LatchkeyEvent, withRequestId } from './observe.ts'

/** How access tokens are checked; the defaults fit Latchkey's IdP, the options other IdPs. */
export interface AccessTokenOptions {
  /**
   * The signature algorithms accepted (RFC 8725 §3.1: an allow-list). Asymmetric only:
   * `none` and HMAC are refused, since the keys come from a public JWKS.
   * @default ['ES256']
   */
  algorithms?: string[]
  /**
   * The `typ` header required (RFC 9068 §2.1); `false` for IdPs whose access tokens predate
   * RFC 9068 (Keycloak sends `JWT`).
   * @default 'at+jwt'
   */
  typ?: string | false
}

const ROLE_SOURCES = ['access_token', 'id_token', 'userinfo'] as const

/** Where the user's roles are: the defaults fit Latchkey's IdP (a `roles` claim in the access token). */
export interface RolesOptions {
  /**
   * What carries them: the access token (read on every request), the ID token (read at
   * sign-in, and at each refresh whose response has one; kept otherwise), or the UserInfo
   * response (fetched at sign-in and at each refresh). Roles from the ID token or UserInfo are
   * kept with the session: in the store in session mode, under the access token's digest in
   * cookie mode (one store read per new token per instance).
   * @default 'access_token'
   */
  from?: (typeof ROLE_SOURCES)[number]
  /**
   * The claim holding them: its exact name (`roles`, `https://example.com/roles`), or a
   * function of the claims for nested ones (Keycloak's `realm_access.roles`).
   * @default 'roles'
   */
  claim?: string | ((claims: Record<string, unknown>) => unknown)
}

/** In the order they are preferred when the IdP offers several. */
export const CLIENT_AUTHENTICATIONS = [
  'client_secret_basic',
  'client_secret_post',
  'private_key_jwt',
] as const

/** How this backend authenticates to the IdP's token, revocation and introspection endpoints. */
export type ClientAuthentication = (typeof CLIENT_AUTHENTICATIONS)[number]

/** RFC 8725 §3.1 and §2.1: signature algorithms with public keys only. */
const ASYMMETRIC = /^(?:ES(?:256|384|512)|RS(?:256|384|512)|PS(?:256|384|512)|EdDSA|Ed25519)$/

export interface LatchkeyOptions {
  /** The IdP's issuer identifier; its discovery document is fetched from it. */
  issuer: string
  clientId: string
  /** Required unless `clientAuthentication` is `private_key_jwt`. */
  clientSecret?: string
  /**
   * RFC 6749 §2.3 / OIDC Core §9. `client_secret_basic` form-encodes the id and secret
   * inside HTTP Basic as RFC 6749 §2.3.1 says (some IdPs do not decode them: glewlwyd);
   * `client_secret_post` sends them in the form body; `private_key_jwt` signs an assertion
   * with `clientPrivateKey` instead of any secret.
   * @default the first of client_secret_basic, client_secret_post, private_key_jwt (with a
   * `clientPrivateKey`) that the IdP's `token_endpoint_auth_methods_supported` lists;
   * client_secret_basic when it lists none (RFC 8414 §2)
   */
  clientAuthentication?: ClientAuthentication
  /** The private JWK (with its `alg`, and a `kid` the IdP knows) for `private_key_jwt`. */
  clientPrivateKey?: JWK
  /** This backend's callback, registered at the IdP, e.g. `http://api.localhost:4001/auth/callback`. */
  redirectUri: string
  /** Where relative `returnTo` paths and the post-login redirect resolve. @default the origin of `redirectUri` */
  appUrl?: string
  /** Where the IdP sends the browser after logout. @default `appUrl` + '/' */
  postLogoutRedirectUri?: string
  /** The access token's expected `aud`. @default clientId */
  audience?: string
  /** @default 'openid profile email offline_access' */
  scope?: string
  /** `cookie`: the access JWT in an HttpOnly cookie; `session`: an opaque id, tokens kept in the store. @default 'cookie' */
  mode?: 'cookie' | 'session'
  /** Login transactions, sessions, refresh coordination, revoked sessions. @default memoryStore() (one instance only) */
  store?: Store
  /** Keys for CSRF tokens and sealing tokens at rest: the first signs, all verify. At least 32 chars each. */
  secrets: string[]
  /**
   * The frontends on other origins that call this backend with the user's cookies (an SPA at
   * `https://app.example.com` calling `https://api.example.com`). Each one is granted CORS
   * with credentials, and trusted by the CSRF origin check — the two rules always agree, so
   * they share one list. This backend's own origin is always trusted and needs no entry.
   * @default []
   */
  trustedOrigins?: string[]
  /**
   * How long a sign-in lasts, seconds: the lifetime of everything that makes up the session
   * at this backend — the refresh-token cookie, the CSRF cookie, the session cookie and the
   * stored session (session mode). The IdP's own refresh-token lifetime still bounds it.
   * @default 604800 (7 days)
   */
  sessionMaxAge?: number
  cookies?: {
    /** Share the cookies with subdomains; drops the `__Host-` prefix (RFC 6265bis §4.1.3.2). */
    domain?: string
    /** Only for plain-http development on hosts browsers don't treat as secure. @default true */
    secure?: boolean
    /** The access and CSRF cookies' `SameSite`; the refresh cookie is always `Strict`. @default 'Lax' */
    sameSite?: 'Strict' | 'Lax' | 'None'
    /** The access-token cookie's lifetime, seconds (never longer than the token's own). @default 900 */
    accessMaxAge?: number
  }
  /** How long concurrent refreshes of one refresh token share its result, seconds. @default 10 */
  refreshGraceSeconds?: number
  /**
   * How often each instance re-reads the revoked-session list from the store, seconds: the
   * bound on how long a back-channel logout missed during a store outage goes unseen.
   * @default 30
   */
  revocationResyncSeconds?: number
  /** Accepted clock difference with the IdP, seconds (RFC 8725 §3.10 bounds it). @default 30 */
  clockToleranceSeconds?: number
  /**
   * Behind a TLS-terminating reverse proxy: believe its `X-Forwarded-Proto` about whether the
   * request came over https (then HSTS is sent, RFC 6797). Only when that proxy sets the
   * header itself, overwriting whatever the client sent.
   * @default false
   */
  trustProxy?: boolean
  /**
   * The largest request body accepted, in bytes, on every route the adapters see (the app's
   * too): a larger declared `Content-Length` gets 413 before a byte of it is read, and the
   * connection is closed.
   * @default 65536
   */
  maxBodyBytes?: number
  /** Used for every call to the IdP (discovery, JWKS, token). @default globalThis.fetch */
  fetch?: typeof fetch
  accessToken?: AccessTokenOptions
  roles?: RolesOptions
  /**
   * Called with what the backend does — endpoint answers, authentication results, refusals,
   * store timings — for metrics (`prometheusMetrics()` from `@latchkey/server/metrics`) and
   * logs. Called synchronously on the request's path: keep it cheap, never throw.
   */
  events?: (event: LatchkeyEvent) => void
  /**
   * Serve `GET /healthz` (200 while the process runs) and `GET /readyz` (200 only while the
   * store answers and the IdP's discovery document has been read; 503 with the failing part's
   * error code otherwise), for a load balancer or an orchestrator.
   * @default false
   */
  health?: boolean
}

/** Each cookie's full name, prefix included. */
export type CookieNames = Record<CookieKind, string>

export type ResolvedOptions = Required<
  Omit<
    LatchkeyOptions,
    | 'trustedOrigins'
    | 'sessionMaxAge'
    | 'cookies'
    | 'fetch'
    | 'accessToken'
    | 'roles'
    | 'clientSecret'
    | 'clientAuthentication'
    | 'clientPrivateKey'
    | 'events'
  >
> &
  Pick<LatchkeyOptions, 'clientSecret' | 'clientAuthentication' | 'clientPrivateKey' | 'events'> & {
    accessToken: Required<AccessTokenOptions>
    roles: {
      from: NonNullable<RolesOptions['from']>
      read: (claims: Record<string, unknown>) => string[]
    }
    origins: Set<string>
    ownOrigin: string
    fetch: typeof fetch
    names: CookieNames
    attributes: Record<keyof CookieNames, Omit<CookieAttributes, 'maxAge'> & { maxAge: number }>
  }

const fail = (message: string): never => {
  throw new TypeError(`@latchkey/server: ${message}`)
}

/** Validates the options once, at start-up, and derives cookie names and attributes. */
export function resolveOptions(options: LatchkeyOptions): ResolvedOptions {
  const keyed = options.clientAuthentication === 'private_key_jwt'
  for (const key of [
    'issuer',
    'clientId',
    'redirectUri',
    ...(keyed ? [] : ['clientSecret' as const]),
  ] as const) {
    if (typeof options[key] !== 'string' || options[key] === '') fail(`${key} is required`)
  }
  if (
    options.clientAuthentication !== undefined &&
    !CLIENT_AUTHENTICATIONS.includes(options.clientAuthentication)
  )
    fail(`clientAuthentication must be one of ${CLIENT_AUTHENTICATIONS.join(', ')}`)
  if (keyed && (typeof options.clientPrivateKey?.d !== 'string' || !options.clientPrivateKey.alg))
    fail('private_key_jwt needs clientPrivateKey: a private JWK with its alg')
  const refreshGraceSeconds = options.refreshGraceSeconds ?? 10
  if (!(refreshGraceSeconds > 0)) fail('refreshGraceSeconds must be a positive number')
  const from = options.roles?.from ?? 'access_token'
  if (!ROLE_SOURCES.includes(from)) fail(`roles.from must be one of ${ROLE_SOURCES.join(', ')}`)
  const claim = options.roles?.claim ?? 'roles'
  if (
    !Array.isArray(options.secrets) ||
    options.secrets.length === 0 ||
    options.secrets.some((s) => s.length < 32)
  ) {
    fail('secrets must be a non-empty array of strings of at least 32 characters')
  }
  const maxBodyBytes = options.maxBodyBytes ?? 65_536
  if (!Number.isSafeInteger(maxBodyBytes) || maxBodyBytes < 0)
    fail('maxBodyBytes must be a non-negative integer')
  const algorithms = options.accessToken?.algorithms ?? [SIGNING_ALGORITHM]
  if (algorithms.length === 0 || !algorithms.every((alg) => ASYMMETRIC.test(alg)))
    fail('accessToken.algorithms must list asymmetric JWS algorithms only (no none, no HMAC)')
  const redirect = new URL(options.redirectUri)
  const appUrl = (options.appUrl ?? redirect.origin).replace(/\/$/, '')
  const c = options.cookies ?? {}
  const secure = c.secure ?? true
  const sameSite = c.sameSite ?? 'Lax'
  // RFC 6265bis §4.1.2.7: browsers drop SameSite=None cookies that are not Secure.
  if (sameSite === 'None' && !secure) fail('cookies.sameSite "None" requires Secure cookies')
  const accessMaxAge = c.accessMaxAge ?? 900
  const sessionMaxAge = options.sessionMaxAge ?? 604_800
  if (!Number.isSafeInteger(sessionMaxAge) || sessionMaxAge <= 0)
    fail('sessionMaxAge must be a positive whole number of seconds')
  const base = { secure, domain: c.domain }
  const attributes = {
    access: { ...base, httpOnly: true, sameSite, path: '/', maxAge: accessMaxAge },
    // The refresh cookie goes only to the refresh endpoint, and never cross-site.
    refresh: {
      ...base,
      httpOnly: true,
      sameSite: 'Strict' as const,
      path: AUTH_ENDPOINTS.refresh,
      maxAge: sessionMaxAge,
    },
    // Readable by the frontend's JavaScript: it echoes it in the X-CSRF-Token header.
    csrf: { ...base, httpOnly: false, sameSite, path: '/', maxAge: sessionMaxAge },
    session: { ...base, httpOnly: true, sameSite, path: '/', maxAge: sessionMaxAge },
    transaction: {
      ...base,
      httpOnly: true,
      sameSite: 'Lax' as const,
      path: AUTH_ENDPOINTS.callback,
      maxAge: 600,
    },
  }
  const name = (kind: CookieKind) => `${cookiePrefix(attributes[kind])}${COOKIE_BASE_NAMES[kind]}`
  return {
    issuer: options.issuer,
    clientId: options.clientId,
    clientSecret: options.clientSecret,
    clientAuthentication: options.clientAuthentication,
    clientPrivateKey: options.clientPrivateKey,
    redirectUri: options.redirectUri,
    appUrl,
    postLogoutRedirectUri: options.postLogoutRedirectUri ?? `${appUrl}/`,
    audience: options.audience ?? options.clientId,
    scope: options.scope ?? DEFAULT_SCOPE,
    mode: options.mode ?? 'cookie',
    store: options.store ?? memoryStore(),
    secrets: options.secrets,
    refreshGraceSeconds,
    revocationResyncSeconds: options.revocationResyncSeconds ?? 30,
    clockToleranceSeconds: options.clockToleranceSeconds ?? 30,
    trustProxy: options.trustProxy ?? false,
    events: options.events,
    health: options.health ?? false,
    maxBodyBytes,
    // Every call to the IdP carries the id of the request it is made for (observe.ts).
    fetch: withRequestId(options.fetch ?? globalThis.fetch),
    accessToken: {
      algorithms,
      typ: options.accessToken?.typ ?? ACCESS_TOKEN_TYPE,
    },
    roles: {
      from,
      read: (claims) => {
        const roles = typeof claim === 'function' ? claim(claims) : claims[claim]
        return Array.isArray(roles) ? roles.filter((r): r is string => typeof r === 'string') : []
      },
    },
    origins: new Set((options.trustedOrigins ?? []).map((o) => new URL(o).origin)),
    ownOrigin: redirect.origin,
    attributes,
    names: {
      access: name('access'),
      refresh: name('refresh'),
      csrf: name('csrf'),
      session: name('session'),
      transaction: name('transaction'),
    },
  }
}
