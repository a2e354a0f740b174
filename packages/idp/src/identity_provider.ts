import { randomBytes } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { type Store, StoreUnavailableError } from '@latchkey/store'
import { createLocalJWKSet, type JWTVerifyGetKey } from 'jose'
import type Provider from 'oidc-provider'
import type { Logger } from 'pino'
import type { Registry } from 'prom-client'
import { accessTokens } from './access_tokens.ts'
import { accountApi } from './account_api.ts'
import { CONSOLE_CLIENT, consoleClient, consoleSession } from './account_console/console_session.ts'
import { accountConsole, passkeyRegistrationOptions } from './account_console/routes.ts'
import type { Accounts } from './accounts/accounts.ts'
import { ACCOUNT_DISABLED, ADMIN_ACTION, createAdmin, KEYS_ROTATED } from './admin.ts'
import { createAudit } from './audit.ts'
import { backchannelDelivery } from './backchannel_delivery.ts'
import { type Clients, toMetadata } from './clients.ts'
import { cookieKeys, type Keys, nextActivation } from './keys.ts'
import { bearerGuard } from './lib/bearer.ts'
import { BodyTooLargeError, declaredTooLarge, sendTooLarge } from './lib/body_limit.ts'
import { formTokens } from './lib/form_token.ts'
import { forwardedFacts } from './lib/forwarded.ts'
import { normalizeTarget } from './lib/host.ts'
import { sendHtml, sendJson } from './lib/http.ts'
import { withRequestId } from './lib/request_id.ts'
import { setSecurityHeaders } from './lib/security_headers.ts'
import { idpMetrics } from './metrics.ts'
import { passkeyAssets } from './passkeys/assets.ts'
import { passkeyAuthentication } from './passkeys/authentication.ts'
import type { Passkeys } from './passkeys/credentials.ts'
import { passkeyOptionsRoute } from './passkeys/options_route.ts'
import { passkeyRegistration } from './passkeys/registration.ts'
import { challenges, relyingPartyOf } from './passkeys/relying_party.ts'
import { storeAdapter } from './provider/adapter.ts'
import { buildProvider } from './provider/build.ts'
import { interactionRoutes } from './screens/interactions.ts'
import { messagePage } from './screens/pages.ts'
import { STYLESHEET } from './screens/stylesheet.ts'
import { createSessions, type Sessions } from './sessions.ts'
import { signInSteps } from './sign_in.ts'
import { createThrottle, THROTTLE_DEFAULTS, type ThrottleSettings } from './throttle.ts'
import { userinfoEndpoint } from './userinfo.ts'

export interface IdentityProviderOptions {
  /** The issuer identifier, exactly as clients will compare it (OIDC Discovery §3). */
  issuer: string
  stores: { durable: Store; ephemeral: Store }
  /** Audit events and errors. Never receives tokens, passwords or codes. */
  logger?: Logger
  /**
   * A prom-client registry to count audited events and time requests in
   * (`latchkey_idp_events_total{event}`, `latchkey_idp_request_seconds{method,status}`).
   */
  metrics?: Registry
  /** Authorization-code lifetime, seconds (RFC 9700 §4.2.1: short). @default 60 */
  authorizationCodeTtl?: number
  /** Access-token lifetime, seconds. @default 900 */
  accessTokenTtl?: number
  /** Refresh-token idle lifetime, seconds. @default 604800 (7 days) */
  refreshTokenIdleTtl?: number
  /** Refresh-token absolute lifetime, seconds. @default 2592000 (30 days) */
  refreshTokenAbsoluteTtl?: number
  /** SSO session idle timeout, seconds. @default 86400 */
  sessionIdleTtl?: number
  /** SSO session absolute timeout, seconds. @default 1209600 (14 days) */
  sessionAbsoluteTtl?: number
  branding?: { name?: string }
  /**
   * Believe `X-Forwarded-For` and `X-Forwarded-Proto` (their last value, the one the nearest
   * proxy added): the client address that failed sign-ins are counted against, and whether
   * the request came over https (HSTS). The proxies' addresses or CIDR ranges
   * (`['127.0.0.1', '::1']`): the headers count only on connections from one of them, so a
   * client reaching the IdP past the proxy changes nothing with them. `true` believes every
   * peer (only when the IdP is reachable solely through the proxy). URLs never come from the
   * request: they derive from `issuer` alone. @default false
   */
  trustProxy?: boolean | readonly string[]
  /**
   * The largest request body, bytes: a larger one is answered 413 at once and its connection
   * closed. oidc-provider itself reads at most 56 KiB. @default 57344 (56 KiB)
   */
  maxBodyBytes?: number
  throttle?: Partial<ThrottleSettings>
  /** Used for back-channel logout calls. @default globalThis.fetch */
  fetch?: typeof fetch
  /** Seconds between the retries of a failed back-channel logout. @default [1, 5, 30, 120] */
  backchannelRetryDelays?: number[]
  /**
   * How long a rotated refresh token may be presented once more, seconds — for a refresh whose
   * answer was lost (an IdP or backend instance died between rotating and answering), which
   * would otherwise read as reuse and end the session. Within it, the one retry rotates again
   * (audited `refresh_token.retried`); a second replay, or one after it, is reuse and revokes
   * the family (RFC 9700 §4.14.2). It trades that window's detection for not signing users
   * out on a crash, as Okta's and Auth0's rotation grace periods do; behind a load balancer
   * with several instances, 30 is the tested value (docs/operations.md).
   * @default 0 (every replay is reuse)
   */
  refreshTokenRetrySeconds?: number
}

export interface IdentityProvider {
  /** The `node:http` request listener. */
  handler(req: IncomingMessage, res: ServerResponse): void
  accounts: Accounts
  clients: Clients
  keys: Keys
  sessions: Sessions
  /** The users' passkeys (WebAuthn credentials): listed and removed by account. */
  passkeys: Passkeys
  /** Disables an account and ends every one of its sessions and grants. */
  disableAccount(username: string): Promise<void>
  /** Stops listening to the stores (the caller closes the stores and the HTTP server). */
  close(): Promise<void>
}

const DEFAULTS = {
  authorizationCodeTtl: 60,
  accessTokenTtl: 900,
  refreshTokenIdleTtl: 7 * 86_400,
  refreshTokenAbsoluteTtl: 30 * 86_400,
  sessionIdleTtl: 86_400,
  sessionAbsoluteTtl: 14 * 86_400,
} as const

/**
 * Creates the Latchkey identity provider: OpenID Connect on oidc-provider, with accounts,
 * TOTP, screens, storage and keys of our own.
 *
 * @example
 * const idp = await createIdentityProvider({ issuer: 'http://idp.localhost:4000', stores: storesFromEnv() })
 * http.createServer(idp.handler).listen(4000)
 */
export async function createIdentityProvider(
  options: IdentityProviderOptions,
): Promise<IdentityProvider> {
  const { issuer, stores, logger } = options
  const { durable, ephemeral } = stores
  const settings = {
    ...DEFAULTS,
    ...Object.fromEntries(
      Object.entries(options).filter(([k, v]) => k in DEFAULTS && v !== undefined),
    ),
    brandName: options.branding?.name ?? 'Latchkey',
    fetch: options.fetch ?? globalThis.fetch,
  } as typeof DEFAULTS & { brandName: string; fetch: typeof fetch }
  const metrics = options.metrics ? idpMetrics(options.metrics) : undefined
  const audit = createAudit(logger, metrics)
  const admin = createAdmin(stores, { brandName: settings.brandName })
  const { accounts, clients, keys, passkeys } = admin
  const cookieSecrets = await cookieKeys(durable)

  const consoleMetadata = consoleClient(issuer)
  const Adapter = storeAdapter(
    ephemeral,
    async (id) => {
      if (id === CONSOLE_CLIENT) return consoleMetadata
      const client = await clients.find(id)
      return client && toMetadata(client)
    },
    {
      refreshRetrySeconds: options.refreshTokenRetrySeconds ?? 0,
      onRefreshRetry: (grantId) => audit('refresh_token.retried', { grantId }),
    },
  )
  // oidc-provider fixes its keys at construction: after a rotation (by this process or the
  // CLI, announced through the store's pub/sub) a new one is built on the new key set, and
  // requests already in flight finish on the old one.
  const backchannel = backchannelDelivery(
    () => provider,
    ephemeral,
    audit,
    options.backchannelRetryDelays ?? [1, 5, 30, 120],
  )
  let provider!: Provider
  let callback!: ReturnType<Provider['callback']>
  let jwks!: JWTVerifyGetKey
  let activation: NodeJS.Timeout | undefined
  const tokens = accessTokens(ephemeral, issuer, (header, token) => jwks(header, token))
  const loadKeys = async () => {
    const signing = await keys.active()
    // A published key that signs later: build again when its time comes.
    clearTimeout(activation)
    const next = nextActivation(signing)
    if (next !== undefined)
      activation = setTimeout(() => void loadKeys(), next - Date.now() + 10).unref()
    provider = buildProvider({
      issuer,
      settings,
      signing,
      cookieSecrets,
      accounts,
      adapter: Adapter,
      ephemeral,
      audit,
      backchannel,
      accessTokens: tokens,
      logger,
    })
    callback = provider.callback()
    jwks = createLocalJWKSet({ keys: signing.map(({ jwk: { d: _d, ...publicJwk } }) => publicJwk) })
    return signing
  }
  await loadKeys()
  const unsubscribeKeys = await ephemeral.subscribe(KEYS_ROTATED, () => {
    loadKeys().then(
      (signing) => audit('keys.loaded', { signingKid: signing[0]?.kid, published: signing.length }),
      (error: Error) => logger?.error({ err: { message: error.message } }, 'loading keys failed'),
    )
  })

  const sessions = createSessions(ephemeral, audit, backchannel)
  const onDisabled = async (accountId: string) => {
    const ended = await sessions.endAll(accountId)
    audit('account.disabled', { accountId, sessionsEnded: ended })
  }
  const unsubscribeDisabled = await ephemeral.subscribe(ACCOUNT_DISABLED, (accountId) => {
    onDisabled(accountId).catch((error: Error) =>
      logger?.error({ err: { message: error.message } }, 'ending sessions failed'),
    )
  })
  // What the CLI changed, into this IdP's audit log.
  const unsubscribeAdmin = await ephemeral.subscribe(ADMIN_ACTION, (message) => {
    try {
      const { event, ...fields } = JSON.parse(message) as { event?: unknown }
      if (typeof event === 'string' && event.startsWith('admin.')) audit(event, fields)
    } catch {
      logger?.warn('ignored a malformed admin action message')
    }
  })
  const throttle = createThrottle(ephemeral, { ...THROTTLE_DEFAULTS, ...options.throttle })
  const formKey = await (async () => {
    await durable.add('config', 'form-key', randomBytes(32).toString('base64url'))
    return (await durable.get<string>('config', 'form-key')) ?? ''
  })()
  const forwarded = forwardedFacts(options.trustProxy ?? false)
  const maxBodyBytes = options.maxBodyBytes ?? 56 * 1024
  const relyingParty = relyingPartyOf(issuer, settings.brandName)
  const ceremonies = challenges(ephemeral)
  const signIn = signInSteps({
    accounts,
    ephemeral,
    throttle,
    audit,
    passkeys,
    passkeyAuthentication: passkeyAuthentication(relyingParty, passkeys, ceremonies, audit),
  })
  const handlePasskeyOptions = passkeyOptionsRoute({
    provider: () => provider,
    signIn,
    tokens: formTokens(formKey),
    maxBodyBytes,
  })
  const handleInteraction = interactionRoutes({
    provider: () => provider,
    signIn,
    audit,
    brand: settings.brandName,
    formKey,
    clientIp: forwarded.clientIp,
    maxBodyBytes,
  })
  const guard = bearerGuard(issuer, tokens.verify, maxBodyBytes)
  const handleAccount = accountApi(guard, clients, sessions, audit)
  const handleUserinfo = userinfoEndpoint(guard, accounts, clients)
  const consoleDeps = {
    brand: settings.brandName,
    accounts,
    passkeys,
    registration: passkeyRegistration(relyingParty, passkeys, ceremonies),
    sessions,
    clients,
    ephemeral,
    audit,
    session: consoleSession({ issuer, provider: () => provider, accounts, ephemeral }),
    formKey,
    maxBodyBytes,
  }
  const handleConsole = accountConsole(consoleDeps)
  const handleRegistrationOptions = passkeyRegistrationOptions(consoleDeps)

  const serveStylesheet = async (_req: IncomingMessage, res: ServerResponse, path: string) => {
    if (path !== '/assets/latchkey.css') return false
    res.removeHeader('pragma')
    res.writeHead(200, {
      'content-type': 'text/css; charset=utf-8',
      'cache-control': 'public, max-age=3600',
    })
    res.end(STYLESHEET)
    return true
  }
  // The IdP's own routes, each saying how it answers — so its errors are answered the same
  // way: screens as a page, APIs as JSON. Everything else is oidc-provider's, which answers
  // its own errors (RFC 6749 §5.2).
  const routes: { answers: 'html' | 'json'; handle: typeof handleAccount }[] = [
    { answers: 'html', handle: serveStylesheet },
    { answers: 'html', handle: passkeyAssets() },
    { answers: 'json', handle: handlePasskeyOptions },
    { answers: 'html', handle: handleInteraction },
    { answers: 'json', handle: handleAccount },
    { answers: 'json', handle: handleUserinfo },
    { answers: 'json', handle: handleRegistrationOptions },
    { answers: 'html', handle: handleConsole },
  ]
  /** The one place an error on the IdP's own routes becomes a response. */
  const sendError = (res: ServerResponse, error: Error, answers: 'html' | 'json') => {
    if (error instanceof BodyTooLargeError) return sendTooLarge(res, maxBodyBytes)
    // A store outage is temporary: 503 with Retry-After (RFC 9110 §15.6.4); anything else is a
    // bug, answered without detail.
    const unavailable = error instanceof StoreUnavailableError
    const status = unavailable ? 503 : 500
    const headers: Record<string, string> = unavailable ? { 'retry-after': '5' } : {}
    if (answers === 'json') {
      const code = unavailable ? 'store_unavailable' : 'server_error'
      return sendJson(res, status, { error: code, message: 'try again later' }, headers)
    }
    const page = messagePage(
      settings.brandName,
      'Something went wrong',
      'Please try again in a moment.',
    )
    sendHtml(res, status, page, headers)
  }

  const handler = (req: IncomingMessage, res: ServerResponse) => {
    if (metrics) {
      const started = performance.now()
      res.once('finish', () =>
        metrics.request(req.method ?? '', res.statusCode, (performance.now() - started) / 1000),
      )
    }
    withRequestId(req, res, () => answer(req, res))
  }

  const answer = (req: IncomingMessage, res: ServerResponse) => {
    setSecurityHeaders(res, forwarded.isHttps(req))
    // RFC 9112 §3.2: a Host header with an invalid value is answered 400; nothing reads it
    // afterwards anyway (URLs come from the issuer), nor the authority of an absolute target.
    const malformed = normalizeTarget(req)
    if (malformed) return sendJson(res, 400, { error: 'invalid_request', message: malformed })
    if (declaredTooLarge(req, maxBodyBytes)) return sendTooLarge(res, maxBodyBytes)
    const path = (req.url ?? '/').split('?')[0] ?? '/'
    let answering = routes[0]
    const ours = async () => {
      for (const route of routes) {
        answering = route
        if (await route.handle(req, res, path)) return true
      }
      return false
    }
    ours()
      .then((handled) => {
        if (!handled) callback(req, res)
      })
      .catch((error: Error) => {
        if (!(error instanceof BodyTooLargeError))
          logger?.error({ err: { name: error.name, message: error.message } }, 'request failed')
        if (res.headersSent) return res.end()
        sendError(res, error, answering?.answers ?? 'html')
      })
  }

  return {
    handler,
    accounts,
    clients,
    keys: {
      ...keys,
      // Switches this process at once; the others on the same stores follow the announcement.
      async rotate(activateInSeconds = 0) {
        const key = await admin.rotateKey(activateInSeconds)
        await loadKeys()
        return key
      },
    },
    sessions,
    passkeys,
    async disableAccount(username) {
      const account = await accounts.setDisabled(username, true)
      await onDisabled(account.id)
    },
    async close() {
      await unsubscribeDisabled()
      await unsubscribeAdmin()
      await unsubscribeKeys()
      clearTimeout(activation)
      backchannel.stop()
    },
  }
}
