import { createHash, randomBytes } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Store } from '@latchkey/store'
import type Provider from 'oidc-provider'
import type { AdapterPayload } from 'oidc-provider'
import type { Accounts, AccountView } from '../accounts/accounts.ts'

/**
 * The console is a client of its own IdP: signing in to it is an ordinary authorization
 * request, through the same screens, factors and limits as any app's. Its id cannot be
 * registered by `clients add` (a colon is outside the client-id alphabet). It never redeems
 * its codes: what it needs — the SSO session — exists once the sign-in ends.
 */
export const CONSOLE_CLIENT = 'latchkey:account'

export function consoleClient(issuer: string): AdapterPayload {
  return {
    client_id: CONSOLE_CLIENT,
    client_name: 'Your account',
    // A secret nobody knows: the code is never redeemed.
    client_secret: randomBytes(32).toString('base64url'),
    redirect_uris: [`${issuer}/account/callback`],
    post_logout_redirect_uris: [],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
    'urn:latchkey:first_party': true,
  }
}

/** Who is at the console: the SSO session's account, and when they last signed in. */
export interface ConsoleUser {
  account: AccountView
  /** The session's public id (its `uid`), which the console's form tokens are bound to. */
  sessionUid: string
  /** Seconds since the epoch. */
  loginTs: number
}

/** How recent a sign-in must be for a change that weakens the account, seconds (step-up). */
export const STEP_UP_MAX_AGE = 300

const STATES = 'console:sign-in'

/** The SSO session behind the console, and the sign-in that makes one. */
export function consoleSession(deps: {
  issuer: string
  provider: () => Provider
  accounts: Accounts
  ephemeral: Store
}) {
  const { issuer, provider, accounts, ephemeral } = deps
  return {
    /** The signed-in user of this browser, if any (disabled accounts are nobody). */
    async user(req: IncomingMessage, res: ServerResponse): Promise<ConsoleUser | undefined> {
      const { Session } = provider() as unknown as {
        Session: { get(ctx: object): Promise<InstanceType<Provider['Session']>> }
      }
      const session = await Session.get({ req, res })
      if (!session.accountId) return undefined
      const account = await accounts.find(session.accountId)
      if (!account || account.disabled) return undefined
      return { account, sessionUid: session.uid, loginTs: session.loginTs ?? 0 }
    },

    /** Whether the sign-in is recent enough to weaken the account (`max_age`-like). */
    recent: (user: ConsoleUser) => Date.now() / 1000 - user.loginTs <= STEP_UP_MAX_AGE,

    /**
     * Where to send the browser to sign in (again, with `fresh`: OIDC Core §3.1.2.1
     * `prompt=login`), coming back to `back`, a console path.
     */
    async signInUrl(back: string, fresh: boolean, loginHint?: string): Promise<string> {
      const state = randomBytes(16).toString('base64url')
      await ephemeral.set(STATES, state, back, { ttl: 600 })
      const verifier = randomBytes(32).toString('base64url')
      const url = new URL('/auth', issuer)
      url.search = new URLSearchParams({
        client_id: CONSOLE_CLIENT,
        response_type: 'code',
        scope: 'openid',
        redirect_uri: `${issuer}/account/callback`,
        state,
        code_challenge: createHash('sha256').update(verifier).digest('base64url'),
        code_challenge_method: 'S256',
        ...(fresh && { prompt: 'login' }),
        ...(loginHint && { login_hint: loginHint }),
      }).toString()
      return url.href
    },

    /** The console path a sign-in started from (once), or undefined for an unknown state. */
    returnTo: (state: string) => ephemeral.take<string>(STATES, state.slice(0, 64)),
  }
}

export type ConsoleSession = ReturnType<typeof consoleSession>

/** Only console paths: a `return` parameter never sends anyone elsewhere. */
export const consolePath = (value: string | null | undefined) =>
  value && /^\/account(?:\/[a-z-]+)?$/.test(value) ? value : '/account'
