import { decodeJwt, importJWK } from 'jose'
import * as oidc from 'openid-client'
import { IdpUnavailable, InvalidRequest, Unauthenticated } from './errors.ts'
import { once } from './lib/once.ts'
import {
  CLIENT_AUTHENTICATIONS,
  type ClientAuthentication,
  type ResolvedOptions,
} from './options.ts'

export interface TokenSet {
  accessToken: string
  /** RFC 6749 §6: an IdP may keep the refresh token; a response without one keeps the last. */
  refreshToken?: string
  /** The IdP session the ID token names (`sid`), kept while refreshes bring no ID token. */
  idTokenSid?: string
  /** The roles, when they come from the ID token or UserInfo (`roles.from`), kept likewise. */
  roles?: string[]
  /** Epoch seconds. */
  expiresAt: number
  expiresIn: number
}

/** What a refresh starts from and carries over into the tokens it obtains. */
export type Grant = Omit<TokenSet, 'accessToken' | 'expiresAt' | 'expiresIn'> & {
  refreshToken: string
}

// Plain http is allowed only to loopback hosts (development: http://idp.localhost:4000).
const LOOPBACK = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\]|.+\.localhost)$/

/**
 * The client authentication of `o.clientAuthentication`, or else the first the IdP lists in
 * `token_endpoint_auth_methods_supported` (RFC 8414 §2: client_secret_basic when absent),
 * decided per request from the discovered metadata.
 */
function clientAuthentication(o: ResolvedOptions): oidc.ClientAuth {
  const key = o.clientPrivateKey
  let keyed: Promise<oidc.ClientAuth> | undefined
  const methods: Record<
    ClientAuthentication,
    (() => oidc.ClientAuth | Promise<oidc.ClientAuth>) | undefined
  > = {
    client_secret_basic: o.clientSecret ? () => oidc.ClientSecretBasic(o.clientSecret) : undefined,
    client_secret_post: o.clientSecret ? () => oidc.ClientSecretPost(o.clientSecret) : undefined,
    private_key_jwt: key
      ? () => {
          keyed ??= importJWK(key, key.alg).then((imported) =>
            oidc.PrivateKeyJwt({ key: imported as CryptoKey, kid: key.kid }),
          )
          return keyed
        }
      : undefined,
  }
  const choose = (supported: string[] | undefined) => {
    if (o.clientAuthentication) return methods[o.clientAuthentication]
    const offered = supported ?? ['client_secret_basic']
    const method = CLIENT_AUTHENTICATIONS.find((m) => methods[m] && offered.includes(m))
    return method ? methods[method] : methods.client_secret_basic
  }
  return async (as, client, body, headers) => {
    const method = choose(as.token_endpoint_auth_methods_supported)
    if (!method) throw new TypeError('no client authentication method can be used')
    return (await method())(as, client, body, headers)
  }
}

/** The HTTP status of an IdP's error answer, when the error is one. */
const statusOf = (error: unknown): number | undefined => {
  if (error instanceof oidc.ResponseBodyError) return error.status
  const cause = (error as { cause?: unknown }).cause
  return cause instanceof Response ? cause.status : undefined
}

/**
 * This backend as an OIDC client of the IdP, on openid-client: discovery (once, retried after
 * a failure), authorization URL with PKCE S256, code exchange with state, nonce and the RFC
 * 9207 `iss` check, refresh, revocation and the end-session URL.
 *
 * The ID token is checked by openid-client (signature, nonce, RFC 9207 iss) and then dropped:
 * only its `sid` and, when configured, its roles are kept, so it can reach no URL and no
 * response.
 */
export function idpClient(o: ResolvedOptions) {
  const configuration = once(async () => {
    const issuer = new URL(o.issuer)
    const insecure = issuer.protocol === 'http:' && LOOPBACK.test(issuer.hostname)
    try {
      return await oidc.discovery(issuer, o.clientId, o.clientSecret, clientAuthentication(o), {
        [oidc.customFetch]: o.fetch as unknown as oidc.CustomFetch,
        ...(insecure && { execute: [oidc.allowInsecureRequests] }),
      })
    } catch (error) {
      throw new IdpUnavailable('the identity provider is unreachable', { cause: error })
    }
  })
  /**
   * Runs one exchange with the IdP and maps its failures. `grantRefused`: RFC 6749 §5.2 — a
   * refresh the IdP refuses (`invalid_grant`, or a 4xx whose body is no OAuth error at all,
   * like glewlwyd's empty 400 for a revoked token) ends the session; a 5xx or no answer does
   * not (try again).
   */
  const call = async <T>(
    operation: (c: oidc.Configuration) => Promise<T>,
    { grantRefused = false } = {},
  ): Promise<T> => {
    const c = await configuration()
    try {
      return await operation(c)
    } catch (error) {
      const status = statusOf(error)
      const oauthError = error instanceof oidc.ResponseBodyError ? error.error : undefined
      if (
        oauthError === 'invalid_grant' ||
        (grantRefused && status !== undefined && status >= 400 && status < 500 && !oauthError)
      ) {
        throw new Unauthenticated('the session has ended, sign in again', { cause: error })
      }
      if (status !== undefined && status >= 500) {
        throw new IdpUnavailable('the identity provider failed', { cause: error })
      }
      if (error instanceof oidc.AuthorizationResponseError || oauthError) {
        throw new InvalidRequest('the identity provider refused the request', { cause: error })
      }
      if ((error as { code?: string }).code?.startsWith('OAUTH_')) {
        throw new InvalidRequest('the login response is invalid', { cause: error })
      }
      throw new IdpUnavailable('the identity provider is unreachable', { cause: error })
    }
  }

  /** The token response as kept, carrying over from `previous` what the response lacks. */
  const toTokenSet = async (
    c: oidc.Configuration,
    t: oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers,
    previous?: Grant,
  ): Promise<TokenSet> => {
    const idToken = t.claims()
    const expiresIn = t.expires_in ?? 0
    let roles: string[] | undefined
    if (o.roles.from === 'id_token') roles = idToken ? o.roles.read(idToken) : previous?.roles
    if (o.roles.from === 'userinfo') {
      // The subject the access token names: UserInfo must answer for that user (OIDC Core §5.3.2).
      const sub = idToken?.sub ?? decodeJwt(t.access_token).sub ?? oidc.skipSubjectCheck
      roles = o.roles.read(await oidc.fetchUserInfo(c, t.access_token, sub))
    }
    return {
      accessToken: t.access_token,
      refreshToken: t.refresh_token ?? previous?.refreshToken,
      idTokenSid: typeof idToken?.sid === 'string' ? idToken.sid : previous?.idTokenSid,
      roles,
      expiresIn,
      expiresAt: Math.floor(Date.now() / 1000) + expiresIn,
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
          c,
          await oidc.authorizationCodeGrant(c, currentUrl, {
            pkceCodeVerifier: checks.verifier,
            expectedState: checks.state,
            expectedNonce: checks.nonce,
            idTokenExpected: true,
          }),
        ),
      )
    },
    refresh(previous: Grant): Promise<TokenSet> {
      return call(
        async (c) =>
          toTokenSet(c, await oidc.refreshTokenGrant(c, previous.refreshToken), previous),
        { grantRefused: true },
      )
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
