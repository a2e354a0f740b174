import { DEFAULT_SCOPE, SIGNING_ALGORITHM } from '@latchkey/protocol'
import { type Configuration, errors, type KoaContextWithOIDC } from 'oidc-provider'
import type { AccessTokens } from '../access_tokens.ts'
import type { Accounts } from '../accounts/accounts.ts'
import type { SigningKey } from '../keys.ts'
import { renderError, renderLoggedOut, renderLogout } from '../screens/protocol_pages.ts'
import { ACR } from '../sign_in.ts'
import { keepOfflineAccess } from './offline_access.ts'

export interface ProtocolSettings {
  authorizationCodeTtl: number
  accessTokenTtl: number
  refreshTokenIdleTtl: number
  refreshTokenAbsoluteTtl: number
  sessionIdleTtl: number
  sessionAbsoluteTtl: number
  brandName: string
  fetch: typeof fetch
}

// Scopes the backends ask for (agreed protocol). `offline_access` is what earns a refresh
// token (OIDC Core §11); `profile` and `email` put `name` and `email` in the tokens.
const OIDC_SCOPES = DEFAULT_SCOPE
// The access token's audience is the client that asked for it (the backend is its own
// resource server). RFC 8707 resource indicators carry it as a URN per client. Its scope is
// what was granted, `openid` (UserInfo asks for it) and `offline_access` included, and so is
// the token response's `scope` (RFC 6749 §5.1).
const resourceFor = (clientId: string) => `urn:latchkey:client:${clientId}`
const RESOURCE_SCOPE = OIDC_SCOPES

const isFirstParty = (ctx: KoaContextWithOIDC) =>
  ctx.oidc.client?.['urn:latchkey:first_party' as never] === true

/**
 * The oidc-provider configuration: everything Latchkey decides about the protocol, in one
 * place. Policies follow RFC 9700 (OAuth 2.0 Security BCP) and OIDC Core.
 */
export function providerConfiguration(
  settings: ProtocolSettings,
  keys: SigningKey[],
  cookieKeys: string[],
  accounts: Accounts,
  adapter: NonNullable<Configuration['adapter']>,
  accessTokens: Pick<AccessTokens, 'record'>,
): Configuration {
  const now = () => Math.floor(Date.now() / 1000)
  return {
    adapter,
    // The first key signs; the others (the next one, retired ones) may only verify.
    jwks: {
      keys: keys.map((k, i) => (i === 0 ? k.jwk : { ...k.jwk, key_ops: ['verify'] })),
    } as Configuration['jwks'],
    cookies: {
      keys: cookieKeys,
      names: {
        session: 'latchkey_session',
        interaction: 'latchkey_interaction',
        resume: 'latchkey_resume',
      },
      // HttpOnly, Secure and SameSite=Lax (Lax, not Strict: the session must ride along the
      // top-level navigation that brings the user back from an app's /auth/login).
      long: { httpOnly: true, sameSite: 'lax', secure: true },
      short: { httpOnly: true, sameSite: 'lax', secure: true },
    },
    clientDefaults: {
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      id_token_signed_response_alg: SIGNING_ALGORITHM,
      token_endpoint_auth_method: 'client_secret_basic',
    },
    extraClientMetadata: {
      properties: ['urn:latchkey:first_party'],
      validator(_ctx, key, value, metadata) {
        if (key === 'urn:latchkey:first_party') metadata[key] = value === true
      },
    },
    responseTypes: ['code'],
    // RFC 9700 §2.1.1: PKCE for every client, and only S256 (oidc-provider refuses `plain`).
    pkce: { required: () => true },
    scopes: OIDC_SCOPES.split(' '),
    extraParams: { scope: keepOfflineAccess },
    claims: {
      openid: ['sub'],
      // OIDC Core §2: which methods authenticated the user (pwd, otp, rec), on request.
      amr: null,
      profile: ['name', 'preferred_username'],
      email: ['email', 'email_verified'],
      roles: ['roles'],
    },
    conformIdTokenClaims: false,
    // OIDC Core §3.1.2.1 `acr_values`: a password alone, or more than one factor (sign_in.ts).
    acrValues: [ACR.password, ACR.mfa],
    async findAccount(_ctx, sub) {
      const account = await accounts.find(sub)
      if (!account || account.disabled) return undefined
      return {
        accountId: sub,
        async claims() {
          return {
            sub,
            name: account.name,
            preferred_username: account.username,
            email: account.email,
            email_verified: false,
            roles: account.roles,
          }
        },
      }
    },
    // First-party apps don't ask for consent: the grant is made on their behalf.
    async loadExistingGrant(ctx) {
      const { client, session, provider } = ctx.oidc
      if (!client || !session?.accountId) return undefined
      const grantId = ctx.oidc.result?.consent?.grantId || session.grantIdFor(client.clientId)
      const existing = grantId ? await provider.Grant.find(grantId) : undefined
      if (!isFirstParty(ctx)) return existing
      const grant =
        existing ?? new provider.Grant({ clientId: client.clientId, accountId: session.accountId })
      grant.addOIDCScope(OIDC_SCOPES)
      grant.addOIDCClaims(['roles'])
      grant.addResourceScope(resourceFor(client.clientId), RESOURCE_SCOPE)
      await grant.save()
      return grant
    },
    features: {
      devInteractions: { enabled: false },
      registration: { enabled: false },
      clientCredentials: { enabled: false },
      deviceFlow: { enabled: false },
      // RFC 7009 §2.1 and RFC 7662 §2.1: a client revokes and introspects only the tokens
      // issued to it; another client's token is refused (revocation) or reported inactive.
      // These policies cover refresh tokens; JWT access tokens are answered by
      // access_token_endpoints.ts with the same rule.
      revocation: {
        enabled: true,
        allowedPolicy(_ctx, client, token) {
          if (token.clientId === client.clientId) return true
          throw new errors.InvalidRequest('client is not authorized to revoke the presented token')
        },
      },
      introspection: {
        enabled: true,
        allowedPolicy: (_ctx, client, token) => token.clientId === client.clientId,
      },
      userinfo: { enabled: true },
      // Not offered: every resource here and at the backends takes Bearer tokens (refuse_dpop.ts).
      dPoP: { enabled: false },
      // RFC 9126 pushed authorization requests: supported (client-authenticated, 60 s, once).
      pushedAuthorizationRequests: { enabled: true },
      // OIDC Core §5.5: lets an app ask for amr/acr/auth_time in the ID token.
      claimsParameter: { enabled: true },
      backchannelLogout: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: (ctx, form) => renderLogout(ctx, form, settings.brandName),
        postLogoutSuccessSource: (ctx) => renderLoggedOut(ctx, settings.brandName),
      },
      resourceIndicators: {
        enabled: true,
        defaultResource: (ctx) =>
          (ctx.oidc.client ? resourceFor(ctx.oidc.client.clientId) : undefined) as string,
        useGrantedResource: () => true,
        async getResourceServerInfo(_ctx, resource, client) {
          if (resource !== resourceFor(client.clientId)) throw new Error('unknown resource')
          return {
            scope: RESOURCE_SCOPE,
            audience: client.clientId,
            accessTokenTTL: settings.accessTokenTtl,
            // RFC 9068: JWT access tokens, `typ: at+jwt`, signed ES256 with the current key.
            accessTokenFormat: 'jwt',
            jwt: { sign: { alg: SIGNING_ALGORITHM } },
          }
        },
      },
    },
    // Every JWT access token is recorded under its grant as it is signed, so that revoking the
    // grant (or the token) stops it at the IdP's own resources and introspection at once.
    formats: { customizers: { jwt: (_ctx, token) => accessTokens.record(token) } },
    async extraTokenClaims(ctx, token) {
      if (token.kind !== 'AccessToken' || !token.accountId) return undefined
      const account = await accounts.find(token.accountId)
      // `sid` ties the access token to the SSO session, so a back-channel logout naming that
      // session can stop it at every backend. oidc-provider sets it only for clients that
      // registered for session-bound logout; look it up from the session for the others.
      const { sid, sessionUid, clientId } = token as unknown as {
        sid?: string
        sessionUid?: string
        clientId: string
      }
      const session =
        sid || !sessionUid ? undefined : await ctx.oidc.provider.Session.findByUid(sessionUid)
      return {
        sid: sid ?? session?.authorizations?.[clientId]?.sid,
        roles: account?.roles ?? [],
        ...(token.scope?.split(' ').includes('email') && { email: account?.email }),
        ...(token.scope?.split(' ').includes('profile') && { name: account?.name }),
      }
    },
    // Every client registered with the refresh_token grant gets one, and `offline_access` in
    // its granted scope to say so (offline_access.ts: OIDC Core §11 lets that scope through
    // only with prompt=consent, and first-party apps skip consent by design).
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    // RFC 9700 §4.14.2: refresh tokens rotate on every use; reuse of a rotated one revokes
    // the whole grant (oidc-provider does that when it meets a consumed token).
    rotateRefreshToken: true,
    expiresWithSession: async () => false,
    ttl: {
      AccessToken: settings.accessTokenTtl,
      AuthorizationCode: settings.authorizationCodeTtl,
      IdToken: 3600,
      Interaction: 600,
      Grant: settings.refreshTokenAbsoluteTtl,
      // Idle lifetime, capped by the absolute lifetime counted from the first token of the
      // family (`iiat` is carried over on rotation).
      RefreshToken(_ctx, token) {
        const started = (token as unknown as { iiat?: number }).iiat ?? token.iat ?? now()
        const left = started + settings.refreshTokenAbsoluteTtl - now()
        return Math.max(1, Math.min(settings.refreshTokenIdleTtl, left))
      },
      // Every request that touches the session saves it again: this is the idle timeout,
      // capped by the absolute one counted from the login.
      Session(_ctx, session) {
        const loginTs = (session as unknown as { loginTs?: number }).loginTs ?? now()
        const left = loginTs + settings.sessionAbsoluteTtl - now()
        return Math.max(1, Math.min(settings.sessionIdleTtl, left))
      },
    },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    renderError: (ctx, out, error) => renderError(ctx, out, error, settings.brandName),
    // Back-channel logout URIs are registered only by administrators (there is no dynamic
    // registration), and backends often live on private addresses: deliver to them directly
    // instead of through oidc-provider's special-use-IP filter.
    fetch(url, options) {
      const { dispatcher: _dispatcher, ...init } = (options ?? {}) as RequestInit & {
        dispatcher?: unknown
      }
      return settings.fetch(url, init)
    },
    // Clients present their secret itself (HTTP Basic, or in the body as many RPs default
    // to): no client_secret_jwt, whose HMAC key would be the stored secret hash, and no
    // `none` (every client is confidential).
    clientAuthMethods: ['client_secret_basic', 'client_secret_post'],
    enabledJWA: {
      clientAuthSigningAlgValues: [SIGNING_ALGORITHM],
      idTokenSigningAlgValues: [SIGNING_ALGORITHM],
      userinfoSigningAlgValues: [SIGNING_ALGORITHM],
      introspectionSigningAlgValues: [SIGNING_ALGORITHM],
      authorizationSigningAlgValues: [SIGNING_ALGORITHM],
      requestObjectSigningAlgValues: [SIGNING_ALGORITHM],
    },
  }
}
