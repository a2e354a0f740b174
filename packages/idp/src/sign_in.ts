import type { Store } from '@latchkey/store'
import { AccountError, type Accounts } from './accounts/accounts.ts'
import type { Audit } from './audit.ts'
import type { PasskeyAuthentication } from './passkeys/authentication.ts'
import type { Passkeys } from './passkeys/credentials.ts'
import type { Throttle } from './throttle.ts'

/** Where a sign-in stands between its steps, per interaction. */
export interface Pending {
  accountId: string
  username: string
  /**
   * `ended`: too many wrong codes; this interaction can no longer sign anyone in.
   * `new-password`: an administrator asked for a new password, chosen before the sign-in ends.
   */
  stage: 'mfa' | 'enrol' | 'recovery-codes' | 'new-password' | 'ended'
  secret?: string
  otpauthUrl?: string
  amr: string[]
  /** The second factors the account has, at the `mfa` stage. */
  factors?: { totp: boolean; passkey: boolean }
  mustChangePassword?: boolean
}

/**
 * The authentication context classes the IdP asserts (OIDC Core §2 `acr`): a password alone,
 * or more than one factor — a password and a code or passkey, or a passkey alone (possession
 * of the key plus the user verification it requires).
 */
export const ACR = {
  password: 'urn:latchkey:acr:password',
  mfa: 'urn:latchkey:acr:mfa',
} as const

/** What oidc-provider is told when a sign-in completes. */
export interface Login {
  accountId: string
  /** RFC 8176 method names: pwd, otp, rec (recovery code), hwk (passkey), mfa. */
  amr: string[]
  acr: string
}

type Refused = { kind: 'refused'; rule: 'address' | 'account'; retryAfter: number }

export type PasswordResult =
  | { kind: 'missing' }
  | { kind: 'wrong' }
  | { kind: 'ended' }
  | Refused
  | { kind: 'second-factor'; pending: Pending }
  | { kind: 'signed-in'; login: Login }

export type CodeResult =
  | { kind: 'expired' }
  | { kind: 'wrong'; pending: Pending }
  | { kind: 'ended' }
  | Refused
  | { kind: 'second-factor'; pending: Pending }
  | { kind: 'signed-in'; login: Login }
  | { kind: 'enrolled'; codes: string[] }

export type PasskeyResult =
  | { kind: 'expired' }
  | { kind: 'ended' }
  /** Not a valid assertion for this sign-in (or a cloned authenticator, or a disabled account). */
  | { kind: 'refused'; pending?: Pending }
  | { kind: 'second-factor'; pending: Pending }
  | { kind: 'signed-in'; login: Login }

export type NewPasswordResult =
  | { kind: 'expired' }
  | { kind: 'weak'; message: string; pending: Pending }
  | { kind: 'signed-in'; login: Login }

const PENDING = 'interaction:pending'
// An interaction lives 600 s (provider configuration): so does what it waits for.
const PENDING_TTL = 600

/**
 * The sign-in itself — password, then TOTP or a recovery code, or TOTP enrolment — as steps
 * that answer what happened; the screens render the answers. Every attempt is reserved with
 * the throttle before it is checked, and every outcome is audited.
 */
export function signInSteps(deps: {
  accounts: Accounts
  ephemeral: Store
  throttle: Throttle
  audit: Audit
  passkeys: Passkeys
  passkeyAuthentication: PasskeyAuthentication
}) {
  const { accounts, ephemeral, throttle, audit, passkeys, passkeyAuthentication } = deps

  const complete = async (uid: string, ip: string, pending: Pending): Promise<Login> => {
    await ephemeral.delete(PENDING, uid)
    await throttle.signedIn(pending.username)
    audit('login.succeeded', { accountId: pending.accountId, amr: pending.amr, ip })
    const acr = pending.amr.length > 1 ? ACR.mfa : ACR.password
    return { accountId: pending.accountId, amr: pending.amr, acr }
  }

  /** Every factor passed: signed in, or first the new password an administrator asked for. */
  const finish = async (
    uid: string,
    ip: string,
    pending: Pending,
  ): Promise<{ kind: 'signed-in'; login: Login } | { kind: 'second-factor'; pending: Pending }> => {
    if (!pending.mustChangePassword)
      return { kind: 'signed-in', login: await complete(uid, ip, pending) }
    const next: Pending = { ...pending, stage: 'new-password' }
    await ephemeral.set(PENDING, uid, next, { ttl: PENDING_TTL })
    return { kind: 'second-factor', pending: next }
  }

  /** Where the passkey ceremony's challenge of this interaction is kept. */
  const place = (uid: string) => `login:${uid}`

  /** Checks a code for the pending stage: a TOTP or recovery code, or the first enrolled TOTP. */
  const check = async (pending: Pending, code: string) => {
    if (pending.stage === 'enrol') {
      const codes = await accounts.confirmTotp(pending.accountId, pending.secret ?? '', code)
      return codes && ({ kind: 'enrolled', codes } as const)
    }
    const method = await accounts.verifySecondFactor(pending.accountId, code)
    return method && ({ kind: 'verified', method } as const)
  }

  return {
    /** What the interaction waits for, if anything. */
    pending: (uid: string) => ephemeral.get<Pending>(PENDING, uid),

    async password(
      uid: string,
      ip: string,
      username: string,
      password: string,
    ): Promise<PasswordResult> {
      if (!username || !password) return { kind: 'missing' }
      if ((await ephemeral.get<Pending>(PENDING, uid))?.stage === 'ended') {
        audit('login.throttled', { ip, rule: 'sign-in' })
        return { kind: 'ended' }
      }
      const ticket = await throttle.password(ip, username, uid)
      if (ticket.refused) {
        audit('login.throttled', { ip, rule: ticket.refused, retryAfter: ticket.retryAfter })
        return { kind: 'refused', rule: ticket.refused, retryAfter: ticket.retryAfter }
      }
      const account = await accounts.authenticate(username, password)
      if (!account) {
        audit('login.failed', { username: username.slice(0, 64), ip })
        return { kind: 'wrong' }
      }
      await ticket.passed()
      const factors = {
        totp: account.totpEnrolled,
        passkey: (await passkeys.ofAccount(account.id)).length > 0,
      }
      const pending: Pending = {
        accountId: account.id,
        username: account.username,
        stage: 'mfa',
        amr: ['pwd'],
        factors,
        ...(account.passwordChangeRequired && { mustChangePassword: true }),
      }
      if (!factors.totp && !factors.passkey && !account.mfaRequired) return finish(uid, ip, pending)
      if (!factors.totp && !factors.passkey) {
        const { secret, otpauthUrl } = accounts.beginTotp(account)
        Object.assign(pending, { stage: 'enrol', secret, otpauthUrl })
      }
      await ephemeral.set(PENDING, uid, pending, { ttl: PENDING_TTL })
      return { kind: 'second-factor', pending }
    },

    /** A TOTP or recovery code (`mfa`), or the first code of a new TOTP secret (`enrol`). */
    async code(uid: string, ip: string, stage: 'mfa' | 'enrol', code: string): Promise<CodeResult> {
      const pending = await ephemeral.get<Pending>(PENDING, uid)
      if (pending?.stage !== stage && pending?.stage !== 'ended') return { kind: 'expired' }
      const { accountId } = pending
      const ticket =
        pending.stage === 'ended'
          ? ({ refused: 'ended' } as const)
          : await throttle.secondFactor(uid, pending.username)
      if (ticket.refused === 'ended') {
        audit('mfa.throttled', { accountId, ip, rule: 'sign-in' })
        return { kind: 'ended' }
      }
      if (ticket.refused) {
        audit('mfa.throttled', {
          accountId,
          ip,
          rule: ticket.refused,
          retryAfter: ticket.retryAfter,
        })
        return { kind: 'refused', rule: ticket.refused, retryAfter: ticket.retryAfter }
      }
      const result = await check(pending, code)
      if (!result) {
        audit('mfa.failed', { accountId, ip, stage })
        if (!ticket.last) return { kind: 'wrong', pending }
        // RFC 4226 §7.3: after a handful of wrong codes the sign-in is over; the password is
        // needed again, in a new interaction.
        await ephemeral.set(PENDING, uid, { ...pending, stage: 'ended' }, { ttl: PENDING_TTL })
        audit('mfa.sign_in_ended', { accountId, ip, severity: 'security' })
        return { kind: 'ended' }
      }
      await ticket.passed()
      if (result.kind === 'enrolled') {
        audit('mfa.enrolled', { accountId })
        const next: Pending = { ...pending, stage: 'recovery-codes', amr: ['pwd', 'otp'] }
        delete next.secret
        delete next.otpauthUrl
        await ephemeral.set(PENDING, uid, next, { ttl: PENDING_TTL })
        return result
      }
      audit('mfa.succeeded', { accountId, method: result.method })
      const amr = ['pwd', result.method === 'totp' ? 'otp' : 'rec']
      return finish(uid, ip, { ...pending, amr })
    },

    /** After the recovery codes were shown: the enrolment sign-in completes. */
    async acknowledge(uid: string, ip: string) {
      const pending = await ephemeral.get<Pending>(PENDING, uid)
      return pending?.stage === 'recovery-codes' ? finish(uid, ip, pending) : undefined
    },

    /**
     * The options of a passkey ceremony for this interaction: for the second factor, the
     * account's passkeys; otherwise any discoverable passkey of this IdP.
     */
    async passkeyOptions(uid: string) {
      const pending = await ephemeral.get<Pending>(PENDING, uid)
      if (pending?.stage === 'ended') return undefined
      const second = pending?.stage === 'mfa' && pending.factors?.passkey
      return passkeyAuthentication.options(place(uid), second ? pending.accountId : undefined)
    },

    /**
     * A passkey assertion: the second factor after a password (`mfa` stage), or the whole
     * sign-in. User verification is required either way, so a passkey alone is two factors.
     */
    async passkey(uid: string, ip: string, credential: string | null): Promise<PasskeyResult> {
      const pending = await ephemeral.get<Pending>(PENDING, uid)
      if (pending?.stage === 'ended') return { kind: 'ended' }
      const second = pending?.stage === 'mfa' ? pending : undefined
      if (pending && !second) return { kind: 'expired' }
      const result = await passkeyAuthentication.verify(place(uid), credential, second?.accountId)
      if (result.kind === 'expired') return result
      const account =
        result.kind === 'verified' ? await accounts.find(result.passkey.accountId) : undefined
      if (result.kind !== 'verified' || !account || account.disabled) {
        audit('passkey.failed', { accountId: second?.accountId, ip, reason: result.kind })
        return { kind: 'refused', ...(second && { pending: second }) }
      }
      audit('passkey.succeeded', { accountId: account.id, passkey: result.passkey.id })
      if (second) return finish(uid, ip, { ...second, amr: ['pwd', 'hwk', 'mfa'] })
      // No password typed: a required password change waits for the next password sign-in.
      return finish(uid, ip, {
        accountId: account.id,
        username: account.username,
        stage: 'mfa',
        amr: ['hwk', 'mfa'],
      })
    },

    /** The new password an administrator asked for (`new-password` stage). */
    async newPassword(uid: string, ip: string, password: string): Promise<NewPasswordResult> {
      const pending = await ephemeral.get<Pending>(PENDING, uid)
      if (pending?.stage !== 'new-password') return { kind: 'expired' }
      try {
        await accounts.changePassword(pending.accountId, undefined, password)
      } catch (error) {
        if (!(error instanceof AccountError)) throw error
        return { kind: 'weak', message: error.message, pending }
      }
      audit('password.changed', { accountId: pending.accountId, ip, required: true })
      return { kind: 'signed-in', login: await complete(uid, ip, pending) }
    },
  }
}

export type SignInSteps = ReturnType<typeof signInSteps>
