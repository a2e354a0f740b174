import { InvalidRequest } from './errors.ts'

/**
 * Only a same-site relative path may follow a login (RFC 9700 §4.11: no open redirector).
 * `//evil.example` and `/\evil.example` are scheme-relative to browsers, so they are refused
 * along with anything carrying a scheme or control characters.
 */
export function safeReturnTo(value: string | null): string {
  if (value === null || value === '') return '/'
  if (
    value.length > 2048 ||
    !value.startsWith('/') ||
    value.startsWith('//') ||
    value.startsWith('/\\') ||
    [...value].some((ch) => ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f) ||
    value.includes('\\')
  ) {
    throw new InvalidRequest('returnTo must be a relative path on this site')
  }
  return value
}
