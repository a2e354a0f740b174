import type { Store } from '@latchkey/store'
import type { Grant, TokenSet } from './idp_client.ts'
import { digest, randomId, type sealer } from './lib/crypto.ts'
import type { Binding } from './session_binding.ts'

/** What session mode keeps server-side for one browser: its tokens and what they are bound to. */
export interface SessionRecord {
  tokens: TokenSet
  binding: Binding
}

/**
 * The seeds' server-side session store, on the shared `Store` (Redis when scaled out):
 * - session mode: the browser holds only an opaque 256-bit id; tokens live here, sealed
 *   (AES-GCM), under a digest of the id, so the store never holds a live cookie value;
 * - cookie mode: each refresh token's grant (what a refresh carries over, what logout
 *   revokes), sealed, under a digest of the token: the refresh cookie is scoped to
 *   /auth/refresh, so logout cannot read it;
 * - both modes: per binding, an index of the above, for logout and back-channel logout to end.
 */
export function sessionStore(
  store: Store,
  seal: ReturnType<typeof sealer>,
  ttl: { session: number; grant: number },
) {
  const key = (id: string) => digest(id)
  const save = async (id: string, record: SessionRecord) => {
    await store.set('session', key(id), seal.seal(record), { ttl: ttl.session })
    await store.set(`session-of:${record.binding}`, key(id), 1, { ttl: ttl.session })
  }
  const open = async <T>(namespace: string, k: string) => {
    const sealed = await store.get<string>(namespace, k)
    return sealed === undefined ? undefined : seal.open<T>(sealed)
  }

  return {
    load: (id: string | undefined): Promise<SessionRecord | undefined> =>
      id ? open<SessionRecord>('session', key(id)) : Promise.resolve(undefined),
    /**
     * Starts a session under a fresh id, ending the one the browser brought (a session id
     * planted before login is worthless: no fixation, ASVS 5.0 V7.2.4).
     */
    async create(record: SessionRecord, replacing?: string): Promise<string> {
      if (replacing) await store.delete('session', key(replacing))
      const id = randomId(32)
      await save(id, record)
      return id
    },
    save,
    async destroy(id: string): Promise<void> {
      await store.delete('session', key(id))
    },
    /**
     * Cookie mode: keeps the grant of `tokens.refreshToken` under `binding`; `replacing` is
     * the refresh token it was obtained with, forgotten when the IdP rotated it.
     */
    async saveGrant(binding: Binding, tokens: TokenSet, replacing?: string): Promise<void> {
      const { refreshToken, idTokenSid, roles } = tokens
      if (!refreshToken) return
      const grant: Grant = { refreshToken, idTokenSid, roles }
      await store.set('grant', key(refreshToken), seal.seal(grant), { ttl: ttl.grant })
      await store.set(`grants-of:${binding}`, key(refreshToken), 1, { ttl: ttl.grant })
      if (replacing && replacing !== refreshToken) await store.delete('grant', key(replacing))
    },
    loadGrant: (refreshToken: string) => open<Grant>('grant', key(refreshToken)),
    async forgetGrant(refreshToken: string): Promise<void> {
      await store.delete('grant', key(refreshToken))
    },
    /**
     * Cookie mode, access tokens without `sid` (bound to the user) whose ID token names the
     * IdP session: remembered, so a back-channel logout for that session finds the binding.
     */
    async alias(sid: string, binding: Binding): Promise<void> {
      await store.set('binding-of-sid', sid, binding, { ttl: ttl.grant })
    },
    /** The bindings a back-channel logout for IdP session `sid` ends. */
    async bindingsOfSid(sid: string): Promise<Binding[]> {
      const alias = await store.get<Binding>('binding-of-sid', sid)
      return alias ? [`sid:${sid}`, alias] : [`sid:${sid}`]
    },
    /**
     * Ends everything kept under a binding (after logout, or when the IdP says the session
     * ended) and resolves to the refresh tokens it held, for revocation at the IdP.
     */
    async end(binding: Binding): Promise<string[]> {
      const refreshTokens: string[] = []
      for (const { key: grantKey } of await store.list(`grants-of:${binding}`)) {
        const grant = await open<Grant>('grant', grantKey)
        if (grant) refreshTokens.push(grant.refreshToken)
        await store.delete('grant', grantKey)
        await store.delete(`grants-of:${binding}`, grantKey)
      }
      for (const { key: sessionKey } of await store.list(`session-of:${binding}`)) {
        const record = await open<SessionRecord>('session', sessionKey)
        if (record?.tokens.refreshToken) refreshTokens.push(record.tokens.refreshToken)
        await store.delete('session', sessionKey)
        await store.delete(`session-of:${binding}`, sessionKey)
      }
      return refreshTokens
    },
  }
}
