import type { WriteOptions } from '../types.ts'

/** Rejects caller mistakes loudly and early, the same way in every backend. */
export function checkName(what: 'namespace' | 'key' | 'channel', value: string): void {
  if (typeof value !== 'string' || value.length === 0 || value.length > 512) {
    throw new TypeError(`@latchkey/store: ${what} must be a non-empty string of at most 512 chars`)
  }
}

/** Returns the TTL in milliseconds, or undefined for no expiry. */
export function ttlMs(options: WriteOptions | undefined): number | undefined {
  const ttl = options?.ttl
  if (ttl === undefined) return undefined
  if (!Number.isFinite(ttl) || ttl <= 0) {
    throw new TypeError('@latchkey/store: ttl must be a positive number of seconds')
  }
  return Math.ceil(ttl * 1000)
}
