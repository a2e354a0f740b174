import { randomUUID } from 'node:crypto'
import type { Store } from '@latchkey/store'
import { z } from 'zod'
import { checkPasswordPolicy, hashPassword, verifyPassword } from './password.ts'
import {
  newRecoveryCodes,
  newTotpSecret,
  otpauthUrl,
  recoveryCodeHash,
  verifyTotp,
} from './totp.ts'

export interface Account {
  id: string
  username: string
  email: string
  name: string
  roles: string[]
  disabled: boolean
  /** The user must pass a second factor; without TOTP enrolled they are sent to enrolment. */
  mfaRequired: boolean
  /** An administrator asked for a new password: the next password sign-in asks for one. */
  passwordChangeRequired?: boolean
  createdAt: string
}

interface StoredAccount extends Account {
  passwordHash: string
  totpSecret?: string
  recoveryCodes: string[]
}

export interface NewAccount {
  username: string
  password: string
  email?: string
  name?: string
  roles?: string[]
  mfaRequired?: boolean
}

export interface TotpEnrolment {
  secret: string
  otpauthUrl: string
  recoveryCodes: string[]
}

const NS = 'accounts'
const BY_NAME = 'accounts:username'

const newAccountSchema = z.object({
  username: z
    .string()
    .regex(/^[a-zA-Z0-9._-]{2,64}$/, 'username: 2-64 letters, digits, dots, dashes, underscores'),
  password: z.string(),
  email: z.email().optional(),
  name: z.string().max(200).optional(),
  roles: z
    .array(z.string().regex(/^[A-Za-z0-9_:-]{1,64}$/, 'role: letters, digits, _ : -'))
    .optional(),
  mfaRequired: z.boolean().optional(),
})

const publicView = ({
  passwordHash: _p,
  totpSecret,
  recoveryCodes: _r,
  ...account
}: StoredAccount) =>
  ({ ...account, totpEnrolled: totpSecret !== undefined }) satisfies Account & {
    totpEnrolled: boolean
  }

export type AccountView = ReturnType<typeof publicView>

/** What an account or client change can fail on; each code is a stable promise to callers. */
export type AccountErrorCode =
  | 'not_found'
  | 'already_exists'
  | 'invalid_input'
  | 'weak_password'
  | 'wrong_password'

/**
 * Raised for caller mistakes the CLI and admin code show as they are: the message is meant for
 * the person who made the change, the `code` for code that reacts to it.
 */
export class AccountError extends Error {
  override name = 'AccountError'
  readonly code: AccountErrorCode

  constructor(code: AccountErrorCode, message: string) {
    super(message)
    this.code = code
  }
}

/**
 * Accounts in the durable store: username + email, argon2id password hash, roles, disabled
 * flag, TOTP secret and hashed recovery codes. Usernames are unique case-insensitively,
 * claimed atomically with `add` so two concurrent sign-ups can't both win.
 */
export function createAccounts(durable: Store, ephemeral: Store, issuerName: string) {
  const load = async (id: string) => durable.get<StoredAccount>(NS, id)
  const byUsername = async (username: string) => {
    const id = await durable.get<string>(BY_NAME, username.toLowerCase())
    return id === undefined ? undefined : load(id)
  }
  const save = (account: StoredAccount) => durable.set(NS, account.id, account)
  const mustFind = async (username: string) => {
    const account = await byUsername(username)
    if (!account) throw new AccountError('not_found', `no user named "${username}"`)
    return account
  }

  return {
    async add(input: NewAccount): Promise<AccountView> {
      const parsed = newAccountSchema.safeParse(input)
      if (!parsed.success)
        throw new AccountError(
          'invalid_input',
          parsed.error.issues.map((i) => i.message).join('; '),
        )
      const { username, password, email, name, roles = [], mfaRequired = false } = parsed.data
      try {
        checkPasswordPolicy(password)
      } catch (error) {
        throw new AccountError('weak_password', (error as Error).message)
      }
      const id = randomUUID()
      if (!(await durable.add(BY_NAME, username.toLowerCase(), id))) {
        throw new AccountError('already_exists', `a user named "${username}" already exists`)
      }
      const account: StoredAccount = {
        id,
        username,
        email: email ?? '',
        name: name ?? username,
        roles,
        disabled: false,
        mfaRequired,
        createdAt: new Date().toISOString(),
        passwordHash: await hashPassword(password),
        recoveryCodes: [],
      }
      await save(account)
      return publicView(account)
    },

    async find(id: string): Promise<AccountView | undefined> {
      const account = await load(id)
      return account && publicView(account)
    },

    async findByUsername(username: string): Promise<AccountView | undefined> {
      const account = await byUsername(username)
      return account && publicView(account)
    },

    async list(): Promise<AccountView[]> {
      const all = await durable.list<StoredAccount>(NS)
      return all
        .map((r) => publicView(r.value))
        .sort((a, b) => a.username.localeCompare(b.username))
    },

    /**
     * Checks a username and password. Unknown user, wrong password and disabled account all
     * answer `undefined` after the same argon2 work, so the answer reveals nothing.
     */
    async authenticate(username: string, password: string): Promise<AccountView | undefined> {
      const account = username.length <= 64 ? await byUsername(username) : undefined
      const ok = await verifyPassword(account?.passwordHash, password.slice(0, 1024))
      return ok && account && !account.disabled ? publicView(account) : undefined
    },

    async setDisabled(username: string, disabled: boolean): Promise<AccountView> {
      const account = await mustFind(username)
      await save({ ...account, disabled })
      return publicView({ ...account, disabled })
    },

    async setPassword(username: string, password: string): Promise<void> {
      const account = await mustFind(username)
      checkPasswordPolicy(password)
      await save({ ...account, passwordHash: await hashPassword(password) })
    },

    /**
     * Replaces a password, by the user: with the current one (`current`), or without it at
     * sign-in, where the password was just checked (`current: undefined`). Clears a required
     * change. Throws `wrong_password` or `weak_password`.
     */
    async changePassword(id: string, current: string | undefined, next: string): Promise<void> {
      const account = await load(id)
      if (!account) throw new AccountError('not_found', 'no such account')
      if (current !== undefined && !(await verifyPassword(account.passwordHash, current)))
        throw new AccountError('wrong_password', 'the current password is wrong')
      try {
        checkPasswordPolicy(next)
      } catch (error) {
        throw new AccountError('weak_password', (error as Error).message)
      }
      const { passwordChangeRequired: _r, ...rest } = account
      await save({ ...rest, passwordHash: await hashPassword(next) })
    },

    /** Makes the next password sign-in ask for a new password (`latchkey users require-password-change`). */
    async requirePasswordChange(username: string): Promise<AccountView> {
      const account = { ...(await mustFind(username)), passwordChangeRequired: true }
      await save(account)
      return publicView(account)
    },

    /** The user's own profile fields (the account console). */
    async updateProfile(id: string, profile: { name: string; email: string }): Promise<void> {
      const parsed = z
        .object({ name: z.string().trim().min(1).max(200), email: z.email().or(z.literal('')) })
        .safeParse(profile)
      if (!parsed.success)
        throw new AccountError('invalid_input', 'enter a name and a valid email address')
      const account = await load(id)
      if (!account) throw new AccountError('not_found', 'no such account')
      await save({ ...account, ...parsed.data })
    },

    /** Turns TOTP off, with its recovery codes (the user, from the account console). */
    async removeTotp(id: string): Promise<void> {
      const account = await load(id)
      if (!account) throw new AccountError('not_found', 'no such account')
      const { totpSecret: _t, ...rest } = account
      await save({ ...rest, recoveryCodes: [] })
    },

    /** Ten new recovery codes in place of the old ones; only with TOTP on. */
    async regenerateRecoveryCodes(id: string): Promise<string[] | undefined> {
      const account = await load(id)
      if (!account?.totpSecret) return undefined
      const { codes, hashes } = newRecoveryCodes()
      await save({ ...account, recoveryCodes: hashes })
      return codes
    },

    /** Starts TOTP enrolment: a fresh secret and otpauth URI, not active until confirmed. */
    beginTotp(account: Pick<Account, 'username'>): { secret: string; otpauthUrl: string } {
      const secret = newTotpSecret()
      return { secret, otpauthUrl: otpauthUrl(issuerName, account.username, secret) }
    },

    /** Activates TOTP once the user proved they hold the secret; returns fresh recovery codes. */
    async confirmTotp(id: string, secret: string, code: string): Promise<string[] | undefined> {
      const account = await load(id)
      if (!account || !(await verifyTotp(ephemeral, id, secret, code))) return undefined
      const { codes, hashes } = newRecoveryCodes()
      await save({ ...account, totpSecret: secret, recoveryCodes: hashes })
      return codes
    },

    /** Enrols TOTP directly (CLI and demo seeding), returning what the user needs. */
    async enrolTotp(username: string): Promise<TotpEnrolment> {
      const account = await mustFind(username)
      const { secret, otpauthUrl: url } = this.beginTotp(account)
      const { codes, hashes } = newRecoveryCodes()
      await save({ ...account, totpSecret: secret, recoveryCodes: hashes, mfaRequired: true })
      return { secret, otpauthUrl: url, recoveryCodes: codes }
    },

    /** Checks a TOTP code or spends a recovery code. */
    async verifySecondFactor(id: string, code: string): Promise<'totp' | 'recovery' | undefined> {
      const account = await load(id)
      if (!account?.totpSecret) return undefined
      const trimmed = code.replaceAll(' ', '')
      if (await verifyTotp(ephemeral, id, account.totpSecret, trimmed)) return 'totp'
      const hash = recoveryCodeHash(trimmed)
      if (!account.recoveryCodes.includes(hash)) return undefined
      // Claim the code atomically first, so two concurrent uses can't both pass.
      if (!(await ephemeral.add('recovery-used', `${id}:${hash}`, true, { ttl: 86_400 })))
        return undefined
      await save({ ...account, recoveryCodes: account.recoveryCodes.filter((h) => h !== hash) })
      return 'recovery'
    },

    async resetMfa(username: string): Promise<AccountView> {
      const { totpSecret: _t, ...account } = await mustFind(username)
      const reset = { ...account, recoveryCodes: [] }
      await save(reset)
      return publicView(reset)
    },
  }
}

export type Accounts = ReturnType<typeof createAccounts>
