import { randomUUID } from 'node:crypto'
import type { Store } from '@latchkey/store'

export interface ThrottleSettings {
  /** Window over which one address's failed sign-ins are counted, seconds. @default 900 */
  window: number
  /** Failed sign-ins from one address in a window; further ones are refused until it ends. @default 30 */
  ipLimit: number
  /** Failures on one account (password or second factor) before each attempt must wait. @default 5 */
  accountFreeAttempts: number
  /** The first wait between attempts on an account, seconds; it doubles with each failure. @default 1 */
  accountWait: number
  /** The longest wait between attempts on an account, seconds. @default 900 */
  accountMaxWait: number
  /** How long an account's failures count when no sign-in completes, seconds. @default 86400 */
  accountWindow: number
  /** Wrong second-factor codes that end a sign-in (the user starts again with the password). @default 5 */
  secondFactorAttempts: number
}

export const THROTTLE_DEFAULTS: ThrottleSettings = {
  window: 900,
  ipLimit: 30,
  accountFreeAttempts: 5,
  accountWait: 1,
  accountMaxWait: 900,
  accountWindow: 86_400,
  secondFactorAttempts: 5,
}

/** Why an attempt was refused before it was checked, and when to come back (seconds). */
export interface Refusal {
  refused: 'address' | 'account'
  retryAfter: number
}

/** A reserved attempt: it counts as a failure unless `passed()` gives it back. */
export interface Ticket {
  refused: false
  /** The attempt was right, so it was no failure (the account's stay until `signedIn`). */
  passed(): Promise<void>
}

const IP = 'throttle:ip'
const ACCOUNT = 'throttle:account'
const ACCOUNT_TURN = 'throttle:account-turn'
const CARRIED_TURN = 'throttle:carried-turn'
const SIGN_IN = 'throttle:sign-in'

interface Turn {
  id: string
  until: number
}

/**
 * Attempt limits for sign-in (ASVS 5.0 V6.3.1, NIST SP 800-63B §5.2.2, RFC 4226 §7.3), shared
 * by every IdP instance on the store and exact under any concurrency: each attempt is reserved
 * with the store's atomic increment *before* the slow password hash or code check, and given
 * back afterwards only when it was right — so N parallel guesses see N distinct counts.
 *
 * - per address: `ipLimit` failed sign-ins per window, then refused until the window ends;
 * - per account, password and second factor alike: `accountFreeAttempts` failures, then one
 *   attempt per turn, each turn twice as long as the last up to `accountMaxWait`; the others
 *   are refused with the time left (429), never slept. The count is forgotten only when a
 *   sign-in completes: a right password alone does not clear it. A right password won on a
 *   turn carries that turn to its sign-in's first code, so a user who knows the password is
 *   not refused between the two steps;
 * - per sign-in (interaction): `secondFactorAttempts` wrong codes end it.
 */
export function createThrottle(store: Store, settings: ThrottleSettings = THROTTLE_DEFAULTS) {
  const { window, accountWindow } = settings
  const accountKey = (username: string) => username.toLowerCase().slice(0, 64)
  const release = (namespace: string, key: string, ttl: number) =>
    store.increment(namespace, key, { by: -1, ttl })

  const reserveAddress = async (ip: string): Promise<Refusal | undefined> => {
    const count = await store.increment(IP, ip, { ttl: window })
    if (count <= settings.ipLimit) return undefined
    await release(IP, ip, window)
    return { refused: 'address', retryAfter: window }
  }

  /**
   * Reserves an attempt on an account. Past the free attempts it must also hold the account's
   * turn — claimed with an atomic `add` that expires when the turn is over, or carried over
   * from this sign-in's password step — and everyone else is told how long is left.
   */
  const reserveAccount = async (
    key: string,
    carried?: Turn,
  ): Promise<{ turn?: Turn & { wait: number } } | Refusal> => {
    const free = settings.accountFreeAttempts
    const count = await store.increment(ACCOUNT, key, { ttl: accountWindow })
    if (count <= free) return {}
    const held = await store.get<Turn>(ACCOUNT_TURN, key)
    if (carried && held?.id === carried.id) {
      return { turn: { ...carried, wait: Math.ceil((carried.until - Date.now()) / 1000) } }
    }
    const wait = Math.min(settings.accountMaxWait, settings.accountWait * 2 ** (count - free - 1))
    const turn = { id: randomUUID(), until: Date.now() + wait * 1000 }
    if (await store.add(ACCOUNT_TURN, key, turn, { ttl: wait })) return { turn: { ...turn, wait } }
    await release(ACCOUNT, key, accountWindow)
    const until = (await store.get<Turn>(ACCOUNT_TURN, key))?.until ?? turn.until
    return { refused: 'account', retryAfter: Math.max(1, Math.ceil((until - Date.now()) / 1000)) }
  }

  /** Ends a turn early (its attempt was right), unless another has begun meanwhile. */
  const endTurn = async (key: string, turn: Turn | undefined) => {
    if (turn && (await store.get<Turn>(ACCOUNT_TURN, key))?.id === turn.id)
      await store.delete(ACCOUNT_TURN, key)
  }

  return {
    /** Before a password is checked: reserves the attempt for the address and the account. */
    async password(ip: string, username: string, interaction: string): Promise<Ticket | Refusal> {
      const byAddress = await reserveAddress(ip)
      if (byAddress) return byAddress
      const key = accountKey(username)
      const byAccount = await reserveAccount(key)
      if ('refused' in byAccount) {
        await release(IP, ip, window)
        return byAccount
      }
      return {
        refused: false,
        async passed() {
          await release(IP, ip, window)
          await release(ACCOUNT, key, accountWindow)
          const { turn } = byAccount
          // Single-use: `take` hands it to one code only, however many arrive at once.
          if (turn && turn.wait > 0)
            await store.set(CARRIED_TURN, interaction, turn, { ttl: turn.wait })
        },
      }
    },

    /**
     * Before a second-factor code is checked: reserves the attempt for this sign-in and the
     * account. `ended`: this sign-in has had all its attempts; `last`: a wrong code ends it.
     */
    async secondFactor(
      interaction: string,
      username: string,
    ): Promise<(Ticket & { last: boolean }) | Refusal | { refused: 'ended' }> {
      const limit = settings.secondFactorAttempts
      const attempt = await store.increment(SIGN_IN, interaction, { ttl: window })
      if (attempt > limit) return { refused: 'ended' }
      const key = accountKey(username)
      const carried = await store.take<Turn>(CARRIED_TURN, interaction)
      const byAccount = await reserveAccount(key, carried)
      if ('refused' in byAccount) {
        await release(SIGN_IN, interaction, window)
        return byAccount
      }
      return {
        refused: false,
        last: attempt === limit,
        async passed() {
          await release(ACCOUNT, key, accountWindow)
          await endTurn(key, byAccount.turn)
        },
      }
    },

    /** A sign-in completed: the account's failures are forgotten. */
    async signedIn(username: string): Promise<void> {
      await store.delete(ACCOUNT, accountKey(username))
    },
  }
}

export type Throttle = ReturnType<typeof createThrottle>
