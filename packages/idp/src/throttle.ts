import type { Store } from '@latchkey/store'

export interface ThrottleSettings {
  /** Window over which failures are counted, seconds. @default 900 */
  window: number
  /** Failed attempts on one account before each further attempt is slowed. @default 5 */
  accountFreeAttempts: number
  /** Longest delay added to an attempt on a targeted account, ms. @default 8000 */
  maxDelayMs: number
  /** Failed attempts from one address before it is refused until the window ends. @default 30 */
  ipLimit: number
}

export const THROTTLE_DEFAULTS: ThrottleSettings = {
  window: 900,
  accountFreeAttempts: 5,
  maxDelayMs: 8000,
  ipLimit: 30,
}

export type Verdict = { blocked: true; retryAfter: number } | { blocked: false; delayMs: number }

/**
 * Login throttling that slows attackers without letting them lock a victim out (ASVS 5.0
 * V6.3.1, OWASP Authentication Cheat Sheet): failures against an account add a growing
 * delay, never a lock-out; only the attacking address is refused outright once it has
 * failed too often, so the victim, signing in from elsewhere, is never blocked.
 */
export function createThrottle(store: Store, settings: ThrottleSettings = THROTTLE_DEFAULTS) {
  const accountKey = (username: string) => username.toLowerCase().slice(0, 64)
  return {
    async check(ip: string, username: string): Promise<Verdict> {
      const [byIp, byAccount] = await Promise.all([
        store.get<number>('throttle:ip', ip),
        store.get<number>('throttle:account', accountKey(username)),
      ])
      if ((byIp ?? 0) >= settings.ipLimit) return { blocked: true, retryAfter: settings.window }
      const excess = (byAccount ?? 0) - settings.accountFreeAttempts
      const delayMs = excess < 0 ? 0 : Math.min(settings.maxDelayMs, 250 * 2 ** excess)
      return { blocked: false, delayMs }
    },
    async fail(ip: string, username: string): Promise<void> {
      const ttl = { ttl: settings.window }
      await Promise.all([
        store.increment('throttle:ip', ip, ttl),
        store.increment('throttle:account', accountKey(username), ttl),
      ])
    },
    async succeed(username: string): Promise<void> {
      await store.delete('throttle:account', accountKey(username))
    },
  }
}

export type Throttle = ReturnType<typeof createThrottle>
