import { readFileSync } from 'node:fs'

// The 5,000 most common passwords of 8 characters or more, lowercased, most common first:
// the password list of zxcvbn-ts (`@zxcvbn-ts/language-common` 4.1.3, MIT; itself from
// leaked-password corpora), filtered to the lengths the policy would otherwise accept.
// Resolved from the package root so that both src/ and dist/ builds find the one text file.
const LIST = new URL('../../src/accounts/common_passwords.txt', import.meta.url)

let common: Set<string> | undefined

/**
 * Whether a password is one of the most common ones, compared case-insensitively (ASVS 5.0
 * V6.2.4: refuse at least the 3,000 most common passwords at registration and change).
 */
export function isCommonPassword(password: string): boolean {
  common ??= new Set(readFileSync(LIST, 'utf8').split('\n').filter(Boolean))
  return common.has(password.toLowerCase())
}
