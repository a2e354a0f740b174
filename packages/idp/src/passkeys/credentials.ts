import type { Store } from '@latchkey/store'

/** A registered passkey: its public key and what the user and the checks need to know. */
export interface Passkey {
  /** The credential ID (base64url), as the authenticator names it. */
  id: string
  accountId: string
  /** The user's name for it ("Laptop", "Phone"). */
  name: string
  /** COSE public key, base64url. */
  publicKey: string
  /** The last signature counter seen (WebAuthn L3 §6.1.1); 0 when the authenticator keeps none. */
  counter: number
  transports: string[]
  /** Synced (`multiDevice`) or bound to one authenticator (`singleDevice`). */
  deviceType: 'singleDevice' | 'multiDevice'
  createdAt: string
  lastUsedAt: string | null
}

export type PasskeyView = Omit<Passkey, 'publicKey'>

const NS = 'passkeys'
const byAccount = (accountId: string) => `passkeys:account:${accountId}`
const view = ({ publicKey: _p, ...passkey }: Passkey): PasskeyView => passkey

/**
 * Passkeys in the durable store, by credential ID (unique across accounts, claimed with
 * `add`) with an index per account.
 */
export function createPasskeys(durable: Store) {
  const ofAccount = async (accountId: string) => {
    const ids = await durable.list(byAccount(accountId))
    const all = await Promise.all(ids.map(({ key }) => durable.get<Passkey>(NS, key)))
    return all
      .filter((p): p is Passkey => p?.accountId === accountId)
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt))
  }
  return {
    /** With its public key: for the verification only. */
    find: (id: string) => durable.get<Passkey>(NS, id),

    ofAccount,

    async list(accountId: string): Promise<PasskeyView[]> {
      return (await ofAccount(accountId)).map(view)
    },

    /** Stores a new passkey; false when that credential ID is registered already. */
    async add(passkey: Passkey): Promise<boolean> {
      if (!(await durable.add(NS, passkey.id, passkey))) return false
      await durable.set(byAccount(passkey.accountId), passkey.id, true)
      return true
    },

    /** Records a successful use: the new counter and when. */
    async used(passkey: Passkey, counter: number): Promise<void> {
      await durable.set(NS, passkey.id, {
        ...passkey,
        counter,
        lastUsedAt: new Date().toISOString(),
      })
    },

    /** Removes one of this account's passkeys; false when it has none by that ID. */
    async remove(accountId: string, id: string): Promise<boolean> {
      const passkey = await durable.get<Passkey>(NS, id)
      if (passkey?.accountId !== accountId) return false
      await durable.delete(NS, id)
      await durable.delete(byAccount(accountId), id)
      return true
    },
  }
}

export type Passkeys = ReturnType<typeof createPasskeys>
