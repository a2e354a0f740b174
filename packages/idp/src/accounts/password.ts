import { hash, verify } from '@node-rs/argon2'
import { isCommonPassword } from './common_passwords.ts'

// OWASP Password Storage Cheat Sheet: argon2id, m=19 MiB, t=2, p=1 (the minimum it lists).
// Algorithm 2 is argon2id in @node-rs/argon2's enum.
const PARAMS = { algorithm: 2, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const

export function hashPassword(password: string): Promise<string> {
  return hash(password, PARAMS)
}

// Verified against when the username is unknown, so that "no such user" costs the same time
// as "wrong password" and the two answers can't be told apart (ASVS 5.0 V6.3.8).
let dummy: Promise<string> | undefined

export async function verifyPassword(
  stored: string | undefined,
  password: string,
): Promise<boolean> {
  dummy ??= hashPassword('latchkey-dummy-password')
  try {
    const ok = await verify(stored ?? (await dummy), password)
    return stored !== undefined && ok
  } catch {
    return false
  }
}

/**
 * ASVS 5.0 V6.2: at least 8 characters, at most 128 (argon2 has no truncation, but bound
 * work), and not one of the most common passwords (V6.2.4).
 */
export function checkPasswordPolicy(password: string): void {
  const length = [...password].length
  if (length < 8 || length > 128) {
    throw new TypeError('password must be 8 to 128 characters long')
  }
  if (isCommonPassword(password)) {
    throw new TypeError('that password is one of the most common ones: choose another')
  }
}
