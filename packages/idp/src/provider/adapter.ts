import type { Store } from '@latchkey/store'
import type { Adapter, AdapterPayload } from 'oidc-provider'

// Records that belong to a grant: revoking the grant (logout, reuse detection, disable) must
// remove every one of them (RFC 9700 §4.14.2: revoke the whole family on refresh-token reuse).
const GRANTABLE = new Set([
  'AccessToken',
  'AuthorizationCode',
  'RefreshToken',
  'DeviceCode',
  'BackchannelAuthenticationRequest',
])

/**
 * The adapter's namespaces in the store, named here only: the other modules that read
 * oidc-provider's records (sessions, access-token bookkeeping) ask for them by these.
 */
export const recordsOf = (model: string) => `oidc:${model}`
/** Where each account's live IdP sessions are indexed, for the account API and `disable`. */
export const sessionsOf = (accountId: string) => `oidc:sessions-of:${accountId}`
/** Where each account's grants are indexed, for ending them all. */
export const grantsOf = (accountId: string) => `oidc:grants-of:${accountId}`
/** A session's id by its `uid`, the key oidc-provider looks sessions up by. */
export const SESSION_BY_UID = 'oidc:session-uid'

/**
 * Files a record (`oidc:<name>` / `id`) under its grant, so that revoking the grant removes it
 * with everything else the grant issued.
 */
export const fileUnderGrant = (
  store: Store,
  grantId: string,
  name: string,
  id: string,
  ttl?: { ttl: number },
) => store.set(`oidc:grant:${grantId}`, `${name}:${id}`, 1, ttl)

/** Removes every record issued under a grant, and the grant itself. */
export async function revokeGrantRecords(store: Store, grantId: string): Promise<void> {
  const members = await store.list(`oidc:grant:${grantId}`)
  await Promise.all(
    members.map(({ key }) => {
      const split = key.indexOf(':')
      return Promise.all([
        store.delete(recordsOf(key.slice(0, split)), key.slice(split + 1)),
        store.delete(`oidc:grant:${grantId}`, key),
      ])
    }),
  )
  await store.delete(recordsOf('Grant'), grantId)
}

/** The longest key `@latchkey/store` takes. */
const MAX_STORE_KEY = 512

/**
 * The oidc-provider adapter on a Latchkey `Store`: protocol records (sessions, interactions,
 * codes, tokens, grants) in the ephemeral store with their own expiry. Clients are not
 * stored here: see `clients.ts`, which serves them from the durable store.
 */
export function storeAdapter(
  store: Store,
  findClient: (id: string) => Promise<AdapterPayload | undefined>,
  retry: { refreshRetrySeconds: number; onRefreshRetry(grantId: string | undefined): void } = {
    refreshRetrySeconds: 0,
    onRefreshRetry: () => {},
  },
) {
  const now = () => Math.floor(Date.now() / 1000)
  /**
   * A rotated refresh token presented again within the retry window, for the first time: the
   * retry of a refresh whose answer was lost (identity_provider.ts, `refreshTokenRetrySeconds`).
   */
  const retryable = (payload: AdapterPayload) =>
    retry.refreshRetrySeconds > 0 &&
    typeof payload.consumed === 'number' &&
    payload.retried !== true &&
    now() - payload.consumed <= retry.refreshRetrySeconds
  return class StoreAdapter implements Adapter {
    readonly name: string
    readonly ns: string

    constructor(name: string) {
      this.name = name
      this.ns = recordsOf(name)
    }

    async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
      const ttl = expiresIn > 0 ? { ttl: expiresIn } : undefined
      if (GRANTABLE.has(this.name) && payload.grantId) {
        await fileUnderGrant(store, payload.grantId, this.name, id, ttl)
      }
      // Grants outlive sessions (refresh tokens do): disabling an account must find them too.
      if (this.name === 'Grant' && payload.accountId) {
        await store.set(grantsOf(payload.accountId), id, 1, ttl)
      }
      if (this.name === 'Session') {
        if (payload.uid) await store.set(SESSION_BY_UID, payload.uid, id, ttl)
        if (payload.accountId) {
          await store.set(sessionsOf(payload.accountId), id, 1, ttl)
        }
      }
      await store.set(this.ns, id, payload, ttl)
    }

    async find(id: string): Promise<AdapterPayload | undefined> {
      // The id comes from a request (a client_id, a code, a token): one no store key can be
      // names no record — rather than failing the store's argument check, a 500.
      if (id.length === 0 || id.length > MAX_STORE_KEY) return undefined
      if (this.name === 'Client') return findClient(id)
      const payload = await store.get<AdapterPayload>(this.ns, id)
      // Handed to oidc-provider as not yet used, so it rotates once more instead of revoking
      // the family; `consume` then marks the retry spent.
      if (this.name === 'RefreshToken' && payload && retryable(payload)) {
        const { consumed: _consumed, ...unused } = payload
        return unused
      }
      return payload
    }

    async findByUid(uid: string): Promise<AdapterPayload | undefined> {
      const id = await store.get<string>(SESSION_BY_UID, uid)
      return id === undefined ? undefined : this.find(id)
    }

    async findByUserCode(): Promise<undefined> {
      return undefined // the device flow is not enabled
    }

    async consume(id: string): Promise<void> {
      const payload = await store.get<AdapterPayload>(this.ns, id)
      if (!payload) return
      const remaining = payload.exp ? payload.exp - now() : undefined
      const ttl = remaining && remaining > 0 ? { ttl: remaining } : undefined
      // A refresh token's second consumption is the one retry a lost answer allows (`find`
      // handed it out as unused): spent from now on.
      const retried = this.name === 'RefreshToken' && typeof payload.consumed === 'number'
      if (retried) retry.onRefreshRetry(payload.grantId)
      const consumed = retried ? payload.consumed : now()
      await store.set(this.ns, id, { ...payload, consumed, ...(retried && { retried }) }, ttl)
    }

    async destroy(id: string): Promise<void> {
      await store.delete(this.ns, id)
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      await revokeGrantRecords(store, grantId)
    }
  }
}
