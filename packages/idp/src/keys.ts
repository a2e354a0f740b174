import { randomBytes } from 'node:crypto'
import type { Store } from '@latchkey/store'
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose'

export interface SigningKey {
  kid: string
  /** The private JWK, with `alg: ES256` and `use: sig`. Never leaves the data store. */
  jwk: JWK
  createdAt: number
  /** When a newer key took over signing; the key stays published until its tokens expire. */
  retiredAt?: number
}

export interface KeyInfo {
  kid: string
  alg: 'ES256'
  createdAt: string
  status: 'signing' | 'published'
}

const NS = 'keys'

/**
 * How long a retired key stays in the JWKS: longer than any token it signed can live (access
 * tokens, ID tokens: at most an hour), plus clock skew.
 */
export const KEY_RETENTION_SECONDS = 3600 + 300

/** Generates an ES256 (P-256) key whose `kid` is its RFC 7638 thumbprint. */
async function newKey(): Promise<SigningKey> {
  const { privateKey } = await generateKeyPair('ES256', { extractable: true })
  const jwk = await exportJWK(privateKey)
  const kid = await calculateJwkThumbprint(jwk)
  return { kid, jwk: { ...jwk, kid, alg: 'ES256', use: 'sig' }, createdAt: Date.now() }
}

/**
 * The IdP's signing keys, persisted with the data (never in the repo). The newest key signs;
 * a retired key stays in the JWKS for `retainSeconds` after its retirement, long enough for
 * every token it signed to expire (RFC 7517 §5: a JWK Set may hold several keys).
 */
export function createKeys(store: Store, retainSeconds = KEY_RETENTION_SECONDS) {
  const all = async () =>
    (await store.list<SigningKey>(NS)).map((r) => r.value).sort((a, b) => b.createdAt - a.createdAt)

  return {
    /** Returns the keys to publish, newest (the signer) first; creates the first key on first start. */
    async active(): Promise<SigningKey[]> {
      let keys = await all()
      // Two processes starting at once on a fresh store: `add` lets exactly one create the key,
      // and the other waits (bounded) until it is written.
      if (keys.length === 0 && (await store.add('config', 'first-key', true))) {
        const key = await newKey()
        await store.set(NS, key.kid, key)
      }
      for (let i = 0; keys.length === 0 && i < 50; i++) {
        keys = await all()
        if (keys.length === 0) await new Promise((resolve) => setTimeout(resolve, 20))
      }
      const horizon = Date.now() - retainSeconds * 1000
      return keys.filter((key) => key.retiredAt === undefined || key.retiredAt > horizon)
    },
    /**
     * Adds a new signing key and retires the current one. Running IdPs switch when told
     * (`createAdmin().rotateKey()` announces it); the retired key stays published meanwhile.
     */
    async rotate(): Promise<KeyInfo> {
      const key = await newKey()
      for (const old of await all()) {
        if (old.retiredAt === undefined)
          await store.set(NS, old.kid, { ...old, retiredAt: Date.now() })
      }
      await store.set(NS, key.kid, key)
      return info(key, 0)
    },
    async list(): Promise<KeyInfo[]> {
      return (await this.active()).map(info)
    },
  }
}

const info = (key: SigningKey, index: number): KeyInfo => ({
  kid: key.kid,
  alg: 'ES256',
  createdAt: new Date(key.createdAt).toISOString(),
  status: index === 0 ? 'signing' : 'published',
})

export type Keys = ReturnType<typeof createKeys>

/** Cookie-signing keys for the IdP's own cookies, generated once and kept with the data. */
export async function cookieKeys(store: Store): Promise<string[]> {
  await store.add('config', 'cookie-keys', [randomBytes(32).toString('base64url')])
  return (await store.get<string[]>('config', 'cookie-keys')) ?? []
}
