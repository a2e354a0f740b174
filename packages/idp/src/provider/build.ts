import { type Store, StoreUnavailableError } from '@latchkey/store'
import Provider, { type Configuration } from 'oidc-provider'
import type { Logger } from 'pino'
import type { AccessTokens } from '../access_tokens.ts'
import type { Accounts } from '../accounts/accounts.ts'
import type { Audit } from '../audit.ts'
import type { BackchannelDelivery } from '../backchannel_delivery.ts'
import { clientSecretMatches } from '../clients.ts'
import type { SigningKey } from '../keys.ts'
import { pinToIssuer } from '../lib/host.ts'
import { PUBLIC_CACHE } from '../lib/security_headers.ts'
import { accessTokenEndpoints } from './access_token_endpoints.ts'
import { recordsOf, revokeGrantRecords } from './adapter.ts'
import { type ProtocolSettings, providerConfiguration } from './configuration.ts'
import { refuseDpop } from './refuse_dpop.ts'

export interface ProviderParts {
  issuer: string
  settings: ProtocolSettings & { sessionAbsoluteTtl: number }
  /** Newest (the signer) first. */
  signing: SigningKey[]
  cookieSecrets: string[]
  accounts: Accounts
  adapter: NonNullable<Configuration['adapter']>
  ephemeral: Store
  audit: Audit
  /** Where failed back-channel logouts of RP-initiated logout go to be retried. */
  backchannel: BackchannelDelivery
  /** The record of issued JWT access tokens, for their introspection and revocation. */
  accessTokens: AccessTokens
  logger?: Logger
}

/** oidc-provider, configured for Latchkey, with the hooks Latchkey adds around the protocol. */
export function buildProvider(parts: ProviderParts): Provider {
  const { issuer, settings, signing, cookieSecrets, accounts, adapter, ephemeral, audit, logger } =
    parts
  const { backchannel, accessTokens } = parts
  const provider = new Provider(
    issuer,
    providerConfiguration(settings, signing, cookieSecrets, accounts, adapter, accessTokens),
  )
  // Registered clients carry only a hash of their secret (clients.ts): compare against it.
  // (Safe because no HMAC algorithm is enabled: the hash never serves as a key.)
  provider.Client.prototype.compareClientSecret = function compare(actual: string) {
    return clientSecretMatches(this.clientSecret ?? '', actual)
  }
  // The IdP's cookies are always Secure — also on http://*.localhost in development, which
  // browsers treat as a secure context. Koa refuses a Secure cookie on a plain connection
  // unless each context's cookie jar is told the transport is trusted (TLS usually ends at
  // a proxy in front of the IdP).
  // Every URL oidc-provider builds comes from the issuer, never from `Host` (lib/host.ts).
  const createContext = provider.createContext.bind(provider)
  const issuerUrl = new URL(issuer)
  provider.createContext = (req, res) => {
    const ctx = createContext(req, res)
    ctx.cookies.secure = true
    pinToIssuer(ctx.request, issuerUrl)
    return ctx
  }
  // Discovery and the JWKS may be cached (security_headers.ts); everything else is no-store.
  provider.use(async (ctx, next) => {
    await next()
    const route = ctx.oidc?.route
    if (ctx.status === 200 && (route === 'discovery' || route === 'jwks')) {
      ctx.set('cache-control', PUBLIC_CACHE)
      ctx.remove('pragma')
    }
  })
  // A store outage (Redis or PostgreSQL down) inside the protocol is a 503 with Retry-After,
  // not oidc-provider's generic 500; OAuth JSON errors become `temporarily_unavailable`
  // (RFC 6749 §4.1.2.1).
  provider.on('server_error', (ctx, error) => {
    if (error instanceof StoreUnavailableError) ctx.state.storeUnavailable = true
  })
  provider.use(async (ctx, next) => {
    await next()
    if (!ctx.state.storeUnavailable) return
    ctx.status = 503
    ctx.set('retry-after', '5')
    if (ctx.body && typeof ctx.body === 'object' && 'error' in ctx.body)
      ctx.body = { error: 'temporarily_unavailable', error_description: 'try again in a moment' }
  })
  provider.use(refuseDpop)
  provider.use(accessTokenEndpoints(accessTokens))
  provider.use(async (ctx, next) => {
    // RP-initiated logout ends the SSO session; Latchkey also revokes every grant made in it,
    // so no app keeps a working refresh token (single logout, OIDC RP-Initiated Logout §2).
    const ending = ctx.method === 'POST' && ctx.path === '/session/end/confirm'
    const before = ending ? await provider.Session.get(ctx) : undefined
    await next()
    if (before?.accountId && !(await ephemeral.get(recordsOf('Session'), before.jti))) {
      for (const { grantId } of Object.values(before.authorizations ?? {})) {
        if (grantId) await revokeGrantRecords(ephemeral, grantId)
      }
    }
    const session = ctx.oidc?.session
    if (session?.accountId) {
      await ephemeral.add(
        'session-meta',
        session.uid,
        { userAgent: ctx.get('user-agent').slice(0, 256) },
        { ttl: settings.sessionAbsoluteTtl },
      )
    }
  })
  provider.on('grant.success', (ctx) => {
    if (ctx.oidc.params?.grant_type === 'refresh_token')
      audit('refresh_token.rotated', { clientId: ctx.oidc.client?.clientId })
  })
  provider.on('grant.error', (_ctx, error: Error & { error_detail?: string }) => {
    // RFC 9700 §4.14.2: a rotated refresh token came back — someone holds a stolen copy.
    // (oidc-provider's description is the generic one; the detail says which refusal.)
    if (error.error_detail === 'refresh token already used') {
      audit('refresh_token.reuse_detected', { severity: 'security' })
    }
  })
  provider.on('backchannel.error', (_ctx, error, client, accountId, sid) => {
    void backchannel.retry(client.clientId, accountId, sid, error)
  })
  provider.on('grant.revoked', (ctx, grantId) =>
    audit('grant.revoked', { grantId, clientId: ctx.oidc?.client?.clientId }),
  )
  provider.on('end_session.success', (ctx) =>
    audit('logout', { accountId: ctx.oidc?.session?.accountId }),
  )
  provider.on('server_error', (_ctx, error) =>
    logger?.error(
      { err: { name: error.name, message: error.message, stack: error.stack } },
      'server_error',
    ),
  )

  return provider
}
