import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  hkdfSync,
  randomBytes,
  timingSafeEqual,
} from 'node:crypto'

export const digest = (value: string) => createHash('sha256').update(value).digest('base64url')
export const randomId = (bytes = 32) => randomBytes(bytes).toString('base64url')

export function hmac(secret: string, value: string): string {
  return createHmac('sha256', secret).update(value).digest('base64url')
}

/** Constant-time string comparison (ASVS 5.0 V11.5: no early exit on the first difference). */
export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}

/**
 * Seals tokens before they reach the store (AES-256-GCM, key derived per secret with HKDF),
 * so a copy of the Redis data is not a copy of users' refresh tokens. Opening tries every
 * secret, so old records survive a secret rotation.
 */
export function sealer(secrets: string[]) {
  const keys = secrets.map((s) => Buffer.from(hkdfSync('sha256', s, 'latchkey', 'store-seal', 32)))
  return {
    seal(value: unknown): string {
      const iv = randomBytes(12)
      const cipher = createCipheriv('aes-256-gcm', keys[0] as Buffer, iv)
      const body = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()])
      return [iv, cipher.getAuthTag(), body].map((b) => b.toString('base64url')).join('.')
    },
    open<T>(sealed: string): T | undefined {
      const [iv, tag, body] = sealed.split('.').map((p) => Buffer.from(p, 'base64url'))
      if (!iv || !tag || !body) return undefined
      for (const key of keys) {
        try {
          const decipher = createDecipheriv('aes-256-gcm', key, iv)
          decipher.setAuthTag(tag)
          return JSON.parse(
            Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8'),
          ) as T
        } catch {
          // wrong key: try the next one
        }
      }
      return undefined
    },
  }
}
