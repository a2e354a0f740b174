import type { Store } from '@latchkey/store'
import { IdpUnavailable, Unauthenticated } from './errors.ts'
import type { Grant, TokenSet } from './idp_client.ts'
import { digest, type sealer } from './lib/crypto.ts'

type Outcome = { tokens: TokenSet } | { ended: true }

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * Refresh-token rotation that survives the seeds' race (many tabs, many backend instances
 * refreshing one token at once). The first caller takes a lock in the shared store and asks
 * the IdP; its result is kept, sealed, for a short grace window, and every concurrent caller
 * with the same refresh token gets that same result instead of tripping the IdP's reuse
 * detection. After the window the result is gone: a replay reaches the IdP, which treats it
 * as reuse and revokes the family (RFC 9700 §4.14.2). The shared result is the complete token
 * set: a refresh token the IdP did not rotate is in it (RFC 6749 §6).
 */
export function refresher(
  store: Store,
  seal: ReturnType<typeof sealer>,
  graceSeconds: number,
  refreshAtIdp: (grant: Grant) => Promise<TokenSet>,
) {
  const read = async (key: string) => {
    const sealed = await store.get<string>('refresh:result', key)
    return sealed === undefined ? undefined : seal.open<Outcome>(sealed)
  }
  const settle = (outcome: Outcome): TokenSet => {
    if ('ended' in outcome) throw new Unauthenticated('the session has ended, sign in again')
    return outcome.tokens
  }

  async function refresh(grant: Grant): Promise<TokenSet> {
    const key = digest(grant.refreshToken)
    const known = await read(key)
    if (known) return settle(known)
    if (await store.add('refresh:lock', key, 1, { ttl: graceSeconds + 5 })) {
      let outcome: Outcome
      try {
        outcome = { tokens: await refreshAtIdp(grant) }
      } catch (error) {
        if (!(error instanceof Unauthenticated)) {
          await store.delete('refresh:lock', key) // the IdP was unreachable: let a retry try again
          throw error
        }
        outcome = { ended: true }
      }
      await store.set('refresh:result', key, seal.seal(outcome), { ttl: graceSeconds })
      await store.delete('refresh:lock', key)
      return settle(outcome)
    }
    // Another request (maybe on another instance) is refreshing this token: wait for it.
    for (let waited = 0; waited < 10_000; waited += 50) {
      await sleep(50)
      const outcome = await read(key)
      if (outcome) return settle(outcome)
    }
    throw new IdpUnavailable('the refresh did not complete in time')
  }

  return {
    refresh,
    /**
     * Marks refresh tokens ended (logout) for `ttl` seconds: a copy replayed afterwards gets
     * "the session has ended" here, on every instance, without asking the IdP — which may
     * offer no revocation endpoint (RFC 7009 is optional) or have been unreachable.
     */
    async end(refreshTokens: Iterable<string>, ttl: number): Promise<void> {
      const ended = seal.seal({ ended: true } satisfies Outcome)
      for (const token of refreshTokens)
        await store.set('refresh:result', digest(token), ended, { ttl })
    },
  }
}
