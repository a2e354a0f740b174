import type { Store } from '@latchkey/store'
import type { Binding } from './session_binding.ts'

const CHANNEL = 'latchkey:revoked'
const NS = 'revoked'

/**
 * Sessions ended by back-channel logout or logout, known to every backend instance at once:
 * written to the store (for instances that start later) and published (for running ones).
 * Checked on every request against memory only, so it costs nothing on the hot path.
 * Entries live as long as an access token can (`ttl`), after which no token of theirs is valid.
 *
 * Pub/sub delivers at most once: an instance whose connection to the store was down when a
 * message went out never gets it. So every instance also re-reads the list every
 * `resyncSeconds`, which bounds how long a missed revocation can go unseen.
 */
export function revocationList(store: Store, ttl: number, resyncSeconds: number) {
  const local = new Map<string, number>() // binding → revoked at (epoch s)
  let ready: Promise<void> | undefined
  const remember = (entry: string, at: number) => {
    local.set(entry, at)
    if (local.size > 100_000) local.delete(local.keys().next().value as string)
  }
  const load = async () => {
    for (const { key, value } of await store.list<number>(NS)) remember(key, value)
  }
  const start = () => {
    ready ??= (async () => {
      await store.subscribe(CHANNEL, (message) => {
        const [entry = '', at = '0'] = message.split('|')
        remember(entry, Number(at))
      })
      await load()
      // A failed re-read (store down) is retried at the next tick; requests are unaffected.
      setInterval(() => load().catch(() => undefined), resyncSeconds * 1000).unref()
    })().catch((error) => {
      ready = undefined
      throw error
    })
    return ready
  }
  return {
    ready: start,
    async revoke(entry: Binding): Promise<void> {
      const at = Math.floor(Date.now() / 1000)
      remember(entry, at)
      await store.set(NS, entry, at, { ttl })
      await store.publish(CHANNEL, `${entry}|${at}`)
    },
    /**
     * True when the token's session ended (its own `sid`, or `sid` — the session it was
     * obtained in, when the token names none), or every session of its subject ended after
     * the token was issued.
     */
    isRevoked(claims: { sid?: string; sub: string; iat?: number }, sid = claims.sid): boolean {
      if (sid && local.has(`sid:${sid}`)) return true
      const subAt = local.get(`sub:${claims.sub}`)
      return subAt !== undefined && (claims.iat ?? 0) <= subAt
    },
  }
}
