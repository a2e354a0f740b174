import type { Store } from '@latchkey/store'
import { createAccounts } from './accounts/accounts.ts'
import { createClients } from './clients.ts'
import { createKeys, KEY_RETENTION_SECONDS } from './keys.ts'
import { createPasskeys } from './passkeys/credentials.ts'

/** Published when an administrator disables an account, so the running IdP ends its sessions. */
export const ACCOUNT_DISABLED = 'idp:account-disabled'
/** Published after a key rotation, so every running IdP on these stores signs with the new key. */
export const KEYS_ROTATED = 'idp:keys-rotated'
/** Published for every administrative change, so the running IdP writes it to its audit log. */
export const ADMIN_ACTION = 'idp:admin-action'

export interface AdminOptions {
  /** The IdP's name on its screens and in TOTP apps. @default 'Latchkey' */
  brandName?: string
  /** Who is acting, for the audit log (the CLI passes the OS user). */
  actor?: string
}

/**
 * The IdP's administration on its stores, without running the server: what the CLI uses.
 * A running IdP on the same stores sees every change at once (clients and accounts are
 * read per request); a disabled account's sessions are ended by the IdP on the pub/sub
 * message, with back-channel logout to each app.
 *
 * @example
 * const admin = createAdmin(storesFromEnv())
 * await admin.accounts.add({ username: 'alice', password, roles: ['ADMIN'] })
 */
export function createAdmin(
  stores: { durable: Store; ephemeral: Store },
  { brandName = 'Latchkey', actor }: AdminOptions = {},
) {
  const accounts = createAccounts(stores.durable, stores.ephemeral, brandName)
  const keys = createKeys(stores.durable, KEY_RETENTION_SECONDS)
  return {
    /**
     * Sends an administrative action to the running IdP's audit log (ASVS 5.0 V16.3.2).
     * Identifiers only: never a password, secret or code.
     */
    record(event: `admin.${string}`, fields: Record<string, unknown> = {}) {
      return stores.ephemeral.publish(ADMIN_ACTION, JSON.stringify({ ...fields, actor, event }))
    },
    accounts,
    clients: createClients(stores.durable),
    passkeys: createPasskeys(stores.durable),
    keys,
    /**
     * Adds a new signing key; every running IdP on these stores publishes it at once and signs
     * with it from `activateInSeconds` on.
     */
    async rotateKey(activateInSeconds = 0) {
      const key = await keys.rotate(activateInSeconds)
      await stores.ephemeral.publish(KEYS_ROTATED, key.kid)
      return key
    },
    async disableAccount(username: string) {
      const account = await accounts.setDisabled(username, true)
      await stores.ephemeral.publish(ACCOUNT_DISABLED, account.id)
      return account
    },
  }
}

export type Admin = ReturnType<typeof createAdmin>
