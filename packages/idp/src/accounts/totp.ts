import { createHash, randomBytes } from 'node:crypto'
import type { Store } from '@latchkey/store'
import { generateSecret, generateURI, verify } from 'otplib'

const STEP = 30

export function newTotpSecret(): string {
  return generateSecret()
}

export function otpauthUrl(issuer: string, label: string, secret: string): string {
  return generateURI({ issuer, label, secret })
}

/**
 * Checks a 6-digit code with ±1 step of clock drift (RFC 6238 §5.2), and spends it: the same
 * code can't be used twice while it is valid (RFC 6238 §5.2, "MUST NOT accept the second
 * attempt of the same OTP").
 */
export async function verifyTotp(
  store: Store,
  accountId: string,
  secret: string,
  code: string,
): Promise<boolean> {
  if (!/^\d{6}$/.test(code)) return false
  const result = await verify({ secret, token: code, epochTolerance: STEP })
  if (!result.valid) return false
  return store.add('totp-used', `${accountId}:${code}`, true, { ttl: STEP * 3 })
}

const digest = (code: string) =>
  createHash('sha256').update(code.replaceAll('-', '').toLowerCase()).digest('base64url')

/** Ten single-use recovery codes: shown once, stored only as hashes. */
export function newRecoveryCodes(): { codes: string[]; hashes: string[] } {
  const codes = Array.from({ length: 10 }, () => {
    const raw = randomBytes(5).toString('hex')
    return `${raw.slice(0, 5)}-${raw.slice(5)}`
  })
  return { codes, hashes: codes.map(digest) }
}

export function recoveryCodeHash(code: string): string {
  return digest(code.trim())
}
