import type { Store } from '@latchkey/store'
import type { TokenSet } from './idp_client.ts'
import { digest, randomId, type sealer } from './lib/crypto.ts'

/** What session mode keeps server-side for one browser: its tokens and the IdP session. */
export interface SessionRecord {
  tokens: TokenSet
  sid: string
}

/** What logout needs in cookie mode, where the refresh cookie is scoped to /auth/refresh. */
type GrantRecord = Pick<TokenSet, 'refreshToken'>

/**
 * The seeds' server-side session store, on the shared `Store` (Redis when scaled out):
 * - session mode: the browser holds only an opaque 256-bit id; tokens live here, sealed
 *   (AES-GCM), under a digest of the id, so the store never holds a live cookie value;
 * - both modes: per IdP session (`sid`), what logout and back-channel logout must end.
 */
export function sessionStore(
  store: Store,
  seal: ReturnType<typeof sealer>,
  ttl: { session: number; grant: number },
) {
  const key = (id: string) => digest(id)
  const save = async (id: string, record: SessionRecord) => {
    await store.set('session', key(id), seal.seal(record), { ttl: ttl.session })
    await store.set(`session-of-sid:${record.sid}`, key(id), 1, { ttl: ttl.session })
  }

  return {
    async load(id: string | undefined): Promise<SessionRecord | undefined> {
      if (!id) return undefined
      const sealed = await store.get<string>('session', key(id))
      return sealed === undefined ? undefined : seal.open<SessionRecord>(sealed)
    },
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
    saveGrant(sid: string, tokens: TokenSet): Promise<void> {
      const grant: GrantRecord = { refreshToken: tokens.refreshToken }
      return store.set('grant', sid, seal.seal(grant), { ttl: ttl.grant })
    },
    async loadGrant(sid: string): Promise<GrantRecord | undefined> {
      const sealed = await store.get<string>('grant', sid)
      return sealed === undefined ? undefined : seal.open<GrantRecord>(sealed)
    },
    /** Everything kept for an IdP session: after logout, or when the IdP says it ended. */
    async endSid(sid: string): Promise<void> {
      await store.delete('grant', sid)
      for (const { key: sessionKey } of await store.list(`session-of-sid:${sid}`))
        await store.delete('session', sessionKey)
    },
  }
}
