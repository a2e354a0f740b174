import { randomBytes } from 'node:crypto'
import type { Store } from '@latchkey/store'
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose'

export interface SigningKey {
  kid: string
  /** The private JWK, with `alg: ES256` and `use: sig`. Never leaves the data store. */
  jwk: JWK
  createdAt: number
  /**
   * When it starts signing (epoch ms). Until then it is only published, so that every IdP
   * instance and every verifier can know it before the first token signed with it arrives.
   * @default createdAt
   */
  activatesAt?: number
  /** When a newer key took over signing; the key stays published until its tokens expire. */
  retiredAt?: number
}

export interface KeyInfo {
  kid: string
  alg: 'ES256'
  createdAt: string
  /** When it starts (or started) signing. */
  activatesAt: string
  status: 'signing' | 'next' | 'published'
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

const startsAt = (key: SigningKey) => key.activatesAt ?? key.createdAt

/**
 * Orders published keys for use: the newest key whose time has come signs and comes first;
 * the others (the next key, retired keys) are only for verifying.
 */
export function bySigningOrder(keys: SigningKey[], now = Date.now()): SigningKey[] {
  const signer = keys.find((key) => startsAt(key) <= now) ?? keys[keys.length - 1]
  return signer ? [signer, ...keys.filter((key) => key !== signer)] : []
}

/** When a published key starts signing next, if one is waiting (epoch ms). */
export const nextActivation = (keys: SigningKey[], now = Date.now()): number | undefined =>
  keys
    .map(startsAt)
    .filter((at) => at > now)
    .sort((a, b) => a - b)[0]

/**
 * The IdP's signing keys, persisted with the data (never in the repo). The newest active key
 * signs; a retired key stays in the JWKS for `retainSeconds` after its retirement, long enough
 * for every token it signed to expire (RFC 7517 §5: a JWK Set may hold several keys).
 */
export function createKeys(store: Store, retainSeconds = KEY_RETENTION_SECONDS) {
  const all = async () =>
    (await store.list<SigningKey>(NS)).map((r) => r.value).sort((a, b) => b.createdAt - a.createdAt)

  return {
    /** Returns the keys to publish, the signer first (`bySigningOrder`); creates the first key on first start. */
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
      return bySigningOrder(
        keys.filter((key) => key.retiredAt === undefined || key.retiredAt > horizon),
      )
    },
    /**
     * Adds a new signing key that signs from `activateInSeconds` on, and retires the current
     * one from then. Running IdPs publish it when told (`createAdmin().rotateKey()` announces
     * it) and switch at that time; with several IdP instances, a delay of a minute lets every
     * instance publish the key before any of them signs with it.
     */
    async rotate(activateInSeconds = 0): Promise<KeyInfo> {
      const key = await newKey()
      key.activatesAt = key.createdAt + Math.max(0, activateInSeconds) * 1000
      for (const old of await all()) {
        if (old.retiredAt === undefined)
          await store.set(NS, old.kid, { ...old, retiredAt: key.activatesAt })
      }
      await store.set(NS, key.kid, key)
      return info(key)
    },
    async list(): Promise<KeyInfo[]> {
      const [signer, ...others] = await this.active()
      return signer ? [info(signer, 'signing'), ...others.map((key) => info(key))] : []
    },
  }
}

const info = (key: SigningKey, status?: 'signing'): KeyInfo => ({
  kid: key.kid,
  alg: 'ES256',
  createdAt: new Date(key.createdAt).toISOString(),
  activatesAt: new Date(startsAt(key)).toISOString(),
  status: status ?? (startsAt(key) > Date.now() ? 'next' : 'published'),
})

export type Keys = ReturnType<typeof createKeys>

/** Cookie-signing keys for the IdP's own cookies, generated once and kept with the data. */
export async function cookieKeys(store: Store): Promise<string[]> {
  await store.add('config', 'cookie-keys', [randomBytes(32).toString('base64url')])
  return (await store.get<string[]>('config', 'cookie-keys')) ?? []
}
