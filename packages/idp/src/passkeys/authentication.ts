import {
  type AuthenticationResponseJSON,
  generateAuthenticationOptions,
  type PublicKeyCredentialRequestOptionsJSON,
  verifyAuthenticationResponse,
} from '@simplewebauthn/server'
import type { Audit } from '../audit.ts'
import type { Passkey, Passkeys } from './credentials.ts'
import { userHandleOf } from './registration.ts'
import {
  CEREMONY_TIMEOUT,
  type Challenges,
  parseCredential,
  type RelyingParty,
} from './relying_party.ts'

export type AssertionResult =
  | { kind: 'verified'; passkey: Passkey }
  /** No challenge waiting (never asked, already answered, or too old). */
  | { kind: 'expired' }
  /** Malformed, unknown or removed credential, another account's, bad signature/origin/RP. */
  | { kind: 'invalid' }
  /** The signature counter went backwards: two authenticators hold the same key. */
  | { kind: 'cloned' }

/**
 * Passkey assertions (WebAuthn L3 §7.2), with user verification required: for a sign-in with
 * the passkey alone (no account known yet: a discoverable credential) or as the second
 * factor of a known account (its passkeys only).
 */
export function passkeyAuthentication(
  rp: RelyingParty,
  passkeys: Passkeys,
  challenges: Challenges,
  audit: Audit,
) {
  return {
    async options(
      place: string,
      accountId?: string,
    ): Promise<PublicKeyCredentialRequestOptionsJSON> {
      const allow = accountId ? await passkeys.ofAccount(accountId) : []
      const options = await generateAuthenticationOptions({
        rpID: rp.id,
        timeout: CEREMONY_TIMEOUT,
        userVerification: 'required',
        allowCredentials: allow.map(({ id, transports }) => ({ id, transports })),
      })
      await challenges.keep(place, options.challenge)
      return options
    },

    async verify(place: string, text: string | null, accountId?: string): Promise<AssertionResult> {
      const expectedChallenge = await challenges.take(place)
      if (!expectedChallenge) return { kind: 'expired' }
      const response = parseCredential<AuthenticationResponseJSON>(text)
      const passkey = response && (await passkeys.find(response.id))
      if (!response || !passkey || (accountId && passkey.accountId !== accountId))
        return { kind: 'invalid' }
      // §7.2 step 6: the user handle, when given, must be the credential's owner.
      const { userHandle } = response.response
      if (userHandle && userHandle !== userHandleOf(passkey.accountId)) return { kind: 'invalid' }
      const verification = await verifyAuthenticationResponse({
        response,
        expectedChallenge,
        expectedOrigin: rp.origin,
        expectedRPID: rp.id,
        // The counter is compared below, so that a clone is told apart and audited.
        credential: {
          id: passkey.id,
          publicKey: Buffer.from(passkey.publicKey, 'base64url'),
          counter: 0,
          transports: passkey.transports,
        },
        requireUserVerification: true,
      }).catch(() => undefined)
      if (!verification?.verified) return { kind: 'invalid' }
      // §6.1.1 and §7.2 step 21: a counter that does not grow, where either side is not 0,
      // means the key exists twice. The credential is refused (it stays registered for the
      // user or an administrator to remove).
      const { newCounter } = verification.authenticationInfo
      if ((newCounter > 0 || passkey.counter > 0) && newCounter <= passkey.counter) {
        audit('passkey.clone_suspected', {
          accountId: passkey.accountId,
          passkey: passkey.id,
          storedCounter: passkey.counter,
          presentedCounter: newCounter,
          severity: 'security',
        })
        return { kind: 'cloned' }
      }
      await passkeys.used(passkey, newCounter)
      return { kind: 'verified', passkey }
    },
  }
}

export type PasskeyAuthentication = ReturnType<typeof passkeyAuthentication>
