import * as oidc from 'openid-client'
import { IdpUnavailable, InvalidRequest, Unauthenticated } from './errors.ts'
import type { ResolvedOptions } from './options.ts'

export interface TokenSet {
  accessToken: string
  refreshToken?: string
  /** Epoch seconds. */
  expiresAt: number
  expiresIn: number
}

// Plain http is allowed only to loopback hosts (development: http://idp.localhost:4000).
const LOOPBACK = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\]|.+\.localhost)$/

// The ID token is checked by openid-client during the exchange (signature, nonce, RFC 9207
// iss) and then dropped: it is never stored, so it can reach no URL and no response.
const toTokenSet = (t: oidc.TokenEndpointResponse): TokenSet => {
  const expiresIn = t.expires_in ?? 0
  return {
    accessToken: t.access_token,
    refreshToken: t.refresh_token,
    expiresIn,
    expiresAt: Math.floor(Date.now() / 1000) + expiresIn,
  }
}

/**
 * This backend as an OIDC client of the IdP, on openid-client: discovery (once, retried after
 * a failure), authorization URL with PKCE S256, code exchange with state, nonce and the RFC
 * 9207 `iss` check, refresh, revocation and the end-session URL.
 */
export function idpClient(o: ResolvedOptions) {
  let config: Promise<oidc.Configuration> | undefined
  const configuration = () => {
    config ??= (async () => {
      const issuer = new URL(o.issuer)
      const insecure = issuer.protocol === 'http:' && LOOPBACK.test(issuer.hostname)
      return oidc.discovery(
        issuer,
        o.clientId,
        o.clientSecret,
        oidc.ClientSecretBasic(o.clientSecret),
        {
          [oidc.customFetch]: o.fetch as unknown as oidc.CustomFetch,
          ...(insecure && { execute: [oidc.allowInsecureRequests] }),
        },
      )
    })().catch((error) => {
      config = undefined
      throw new IdpUnavailable('the identity provider is unreachable', { cause: error })
    })
    return config
  }
  const call = async <T>(operation: (c: oidc.Configuration) => Promise<T>): Promise<T> => {
    const c = await configuration()
    try {
      return await operation(c)
    } catch (error) {
      if (error instanceof oidc.ResponseBodyError && error.error === 'invalid_grant') {
        throw new Unauthenticated('the session has ended, sign in again', { cause: error })
      }
      if (
        error instanceof oidc.AuthorizationResponseError ||
        error instanceof oidc.ResponseBodyError
      ) {
        throw new InvalidRequest('the identity provider refused the request', { cause: error })
      }
      if ((error as { code?: string }).code?.startsWith('OAUTH_')) {
        throw new InvalidRequest('the login response is invalid', { cause: error })
      }
      throw new IdpUnavailable('the identity provider is unreachable', { cause: error })
    }
  }

  return {
    metadata: async () => (await configuration()).serverMetadata(),
    async authorizationUrl(params: {
      state: string
      nonce: string
      verifier: string
    }): Promise<string> {
      const c = await configuration()
      return oidc
        .buildAuthorizationUrl(c, {
          redirect_uri: o.redirectUri,
          scope: o.scope,
          response_type: 'code',
          state: params.state,
          nonce: params.nonce,
          code_challenge: await oidc.calculatePKCECodeChallenge(params.verifier),
          code_challenge_method: 'S256',
        })
        .toString()
    },
    exchange(
      currentUrl: URL,
      checks: { state: string; nonce: string; verifier: string },
    ): Promise<TokenSet> {
      return call(async (c) =>
        toTokenSet(
          await oidc.authorizationCodeGrant(c, currentUrl, {
            pkceCodeVerifier: checks.verifier,
            expectedState: checks.state,
            expectedNonce: checks.nonce,
            idTokenExpected: true,
          }),
        ),
      )
    },
    refresh(refreshToken: string): Promise<TokenSet> {
      return call(async (c) => toTokenSet(await oidc.refreshTokenGrant(c, refreshToken)))
    },
    revoke(token: string): Promise<void> {
      return call((c) => oidc.tokenRevocation(c, token, { token_type_hint: 'refresh_token' }))
    },
    /**
     * RP-Initiated Logout 1.0 §2 without `id_token_hint`: the ID token (name, email, sid)
     * would sit in the browser's history and the IdP's access logs, and the browser would
     * have to be handed it. `client_id` names us, so the IdP still checks
     * `post_logout_redirect_uri` against our registration, and asks the user to confirm
     * (§2 without a hint: "SHOULD ask"; Latchkey's IdP always asks). No `logout_hint` either:
     * it would put the session id in the URL, and the IdP ends the session whose cookie the
     * browser brings anyway.
     */
    async endSessionUrl(): Promise<string | undefined> {
      const c = await configuration()
      if (!c.serverMetadata().end_session_endpoint) return undefined
      return oidc
        .buildEndSessionUrl(c, {
          client_id: o.clientId,
          post_logout_redirect_uri: o.postLogoutRedirectUri,
        })
        .toString()
    },
  }
}

export type IdpClient = ReturnType<typeof idpClient>
