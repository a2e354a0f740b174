import type { Store } from '@latchkey/store'
import type { Accounts } from './accounts/accounts.ts'
import type { Audit } from './audit.ts'
import type { Throttle } from './throttle.ts'

/** Where a sign-in stands between its steps, per interaction. */
export interface Pending {
  accountId: string
  username: string
  /** `ended`: too many wrong codes; this interaction can no longer sign anyone in. */
  stage: 'mfa' | 'enrol' | 'recovery-codes' | 'ended'
  secret?: string
  otpauthUrl?: string
  amr: string[]
}

/** What oidc-provider is told when a sign-in completes. */
export interface Login {
  accountId: string
  amr: string[]
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
  | { kind: 'signed-in'; login: Login }
  | { kind: 'enrolled'; codes: string[] }

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
}) {
  const { accounts, ephemeral, throttle, audit } = deps

  const complete = async (uid: string, ip: string, pending: Pending): Promise<Login> => {
    await ephemeral.delete(PENDING, uid)
    await throttle.signedIn(pending.username)
    audit('login.succeeded', { accountId: pending.accountId, amr: pending.amr, ip })
    return { accountId: pending.accountId, amr: pending.amr }
  }

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
      const pending: Pending = {
        accountId: account.id,
        username: account.username,
        stage: 'mfa',
        amr: ['pwd'],
      }
      if (!account.totpEnrolled && !account.mfaRequired)
        return { kind: 'signed-in', login: await complete(uid, ip, pending) }
      if (!account.totpEnrolled) {
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
      return { kind: 'signed-in', login: await complete(uid, ip, { ...pending, amr }) }
    },

    /** After the recovery codes were shown: the enrolment sign-in completes. */
    async acknowledge(uid: string, ip: string): Promise<Login | undefined> {
      const pending = await ephemeral.get<Pending>(PENDING, uid)
      return pending?.stage === 'recovery-codes' ? complete(uid, ip, pending) : undefined
    },
  }
}

export type SignInSteps = ReturnType<typeof signInSteps>
