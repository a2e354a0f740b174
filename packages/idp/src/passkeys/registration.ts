import {
  generateRegistrationOptions,
  type PublicKeyCredentialCreationOptionsJSON,
  type RegistrationResponseJSON,
  verifyRegistrationResponse,
} from '@simplewebauthn/server'
import type { AccountView } from '../accounts/accounts.ts'
import type { Passkeys } from './credentials.ts'
import {
  CEREMONY_TIMEOUT,
  type Challenges,
  parseCredential,
  type RelyingParty,
} from './relying_party.ts'

/** The WebAuthn user handle of an account: its id, which says nothing about the person. */
export const userHandleOf = (accountId: string) => Buffer.from(accountId).toString('base64url')

export type RegistrationResult =
  | { kind: 'registered'; id: string }
  | { kind: 'expired' }
  | { kind: 'invalid' }
  | { kind: 'duplicate' }

/**
 * Passkey enrolment (WebAuthn L3 §7.1): a discoverable credential with user verification, so
 * it can sign in alone; no attestation asked for or kept (`none`).
 */
export function passkeyRegistration(rp: RelyingParty, passkeys: Passkeys, challenges: Challenges) {
  return {
    async options(
      account: Pick<AccountView, 'id' | 'username' | 'name'>,
      place: string,
    ): Promise<PublicKeyCredentialCreationOptionsJSON> {
      const existing = await passkeys.ofAccount(account.id)
      const options = await generateRegistrationOptions({
        rpName: rp.name,
        rpID: rp.id,
        userName: account.username,
        userDisplayName: account.name,
        userID: Buffer.from(account.id),
        timeout: CEREMONY_TIMEOUT,
        attestationType: 'none',
        // An authenticator that holds one of them already is not enrolled twice.
        excludeCredentials: existing.map(({ id, transports }) => ({ id, transports })),
        authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
      })
      await challenges.keep(place, options.challenge)
      return options
    },

    async verify(
      accountId: string,
      place: string,
      text: string | null,
      name: string,
    ): Promise<RegistrationResult> {
      const expectedChallenge = await challenges.take(place)
      if (!expectedChallenge) return { kind: 'expired' }
      const response = parseCredential<RegistrationResponseJSON>(text)
      if (!response) return { kind: 'invalid' }
      const verification = await verifyRegistrationResponse({
        response,
        expectedChallenge,
        expectedOrigin: rp.origin,
        expectedRPID: rp.id,
        requireUserVerification: true,
      }).catch(() => undefined)
      if (!verification?.verified) return { kind: 'invalid' }
      const { credential, credentialDeviceType } = verification.registrationInfo
      const added = await passkeys.add({
        id: credential.id,
        accountId,
        name,
        publicKey: Buffer.from(credential.publicKey).toString('base64url'),
        counter: credential.counter,
        transports: credential.transports ?? [],
        deviceType: credentialDeviceType,
        createdAt: new Date().toISOString(),
        lastUsedAt: null,
      })
      return added ? { kind: 'registered', id: credential.id } : { kind: 'duplicate' }
    },
  }
}

export type PasskeyRegistration = ReturnType<typeof passkeyRegistration>
