import { createHash } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openStores } from '@latchkey/store'
import { afterAll, describe, expect, it } from 'vitest'
import { expectOneLineRefusal, latchkey } from './support.ts'

// Client secrets never need to travel on the command line (shell history, the process list),
// and stay within the URL-safe characters, which survive a client that puts them in a Basic
// header without form-encoding them (RFC 6749 §2.3.1).

const dataDir = mkdtempSync(join(tmpdir(), 'latchkey-secrets-'))
afterAll(() => rmSync(dataDir, { recursive: true, force: true }))
const env = { LATCHKEY_DATA_DIR: dataDir }
const add = (id: string, extra: string[], stdin = '') =>
  latchkey(
    ['clients', 'add', '--id', id, '--redirect-uri', `https://${id}.example/cb`, ...extra],
    env,
    stdin,
  )

/** The stored hash of a client's secret (the IdP keeps nothing else of it). */
async function storedHash(id: string): Promise<string | undefined> {
  const stores = openStores({ dataDir })
  try {
    return (await stores.durable.get<{ secretHash: string }>('clients', id))?.secretHash
  } finally {
    await stores.close()
  }
}
const hashOf = (secret: string) =>
  `sha256:${createHash('sha256').update(secret).digest('base64url')}`

describe('latchkey clients add: the secret', () => {
  it('is generated when none is given: 256 bits, URL-safe, printed once', async () => {
    const [first, second] = await Promise.all([add('generated-1', []), add('generated-2', [])])
    expect(first).toMatchObject({ code: 0 })
    const secret = /^client_secret=(\S+)$/m.exec(first?.out ?? '')?.[1] ?? ''
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(await storedHash('generated-1')).toBe(hashOf(secret))
    expect(first?.err).toMatch(/shown again/)
    expect(second?.out).not.toContain(secret)
    // Never again: listing shows no secret.
    const listed = await latchkey(['clients', 'list', '--json'], env)
    expect(listed.out).not.toContain(secret)
  })

  it('is read from stdin with --secret-stdin, and not printed', async () => {
    const secret = 'stdin-secret-0123456789abcdefghijklmnopqrstuv'
    const result = await add('from-stdin', ['--secret-stdin'], `${secret}\n`)
    expect(result).toMatchObject({ code: 0, err: '' })
    expect(result.out).not.toContain(secret)
    expect(await storedHash('from-stdin')).toBe(hashOf(secret))
  })

  it('still works with --secret, with a warning that it lands in shell history', async () => {
    const secret = 'argv-secret-0123456789abcdefghijklmnopqrstuvw'
    const result = await add('from-argv', ['--secret', secret])
    expect(result.code).toBe(0)
    expect(result.err).toMatch(/warning: --secret leaves the secret in shell history/)
    expect(await storedHash('from-argv')).toBe(hashOf(secret))
  })

  it('is refused when short, or with characters outside A-Z a-z 0-9 . _ ~ -', async () => {
    const urlSafe = /client secret: 32 to 256 characters from A-Z a-z 0-9 \. _ ~ - \(URL-safe\)/
    const results = await Promise.all([
      add('short', ['--secret-stdin'], 'only-31-characters-long-0123456'),
      add('plus', ['--secret-stdin'], `${'a'.repeat(40)}+`),
      add('percent', ['--secret', `${'a'.repeat(40)}%41`]),
      add('colon', ['--secret-stdin'], `${'a'.repeat(40)}:b`),
      add('space', ['--secret-stdin'], `${'a'.repeat(40)} b`),
    ])
    for (const result of results) {
      expect(result.code).toBe(1)
      expect(result.err).toMatch(urlSafe)
      expect(result.err).not.toContain('    at ')
    }
    for (const id of ['short', 'plus', 'percent', 'colon', 'space'])
      expect(await storedHash(id)).toBeUndefined()
  })

  it('comes from one place only', async () => {
    const both = await add('both', ['--secret', 'x'.repeat(40), '--secret-stdin'], 'y'.repeat(40))
    expect(both.code).toBe(2)
    expectOneLineRefusal(
      {
        ...both,
        err: both.err
          .split('\n')
          .filter((l) => !l.includes('warning'))
          .join('\n'),
      },
      /give --secret or --secret-stdin, not both/,
    )
  })
})
