import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { expectOneLineRefusal, latchkey } from './support.ts'

// Every command on a store it cannot use: one line naming the variable, where it points and
// why — never a stack trace, never the password in the URL, never a hang, nothing half-done.

const dataDir = mkdtempSync(join(tmpdir(), 'latchkey-store-errors-'))
afterAll(() => rmSync(dataDir, { recursive: true, force: true }))

const COMMANDS: [string[], string][] = [
  [['users', 'add', '--username', 'dora', '--password-stdin'], 'a long enough password'],
  [['clients', 'add', '--id', 'shop', '--redirect-uri', 'https://shop.example/cb'], ''],
  [['keys', 'rotate'], ''],
]

describe('latchkey users, clients and keys on a store they cannot use', {
  timeout: 120_000,
}, () => {
  it.each([
    [
      'an unreachable DATABASE_URL',
      { DATABASE_URL: 'postgres://latchkey:hunter2secret@127.0.0.1:1/latchkey' },
      /: cannot reach PostgreSQL at DATABASE_URL \(127\.0\.0\.1:1\): connection refused$/,
    ],
    [
      'an unreachable REDIS_URL',
      { REDIS_URL: 'redis://:hunter2secret@127.0.0.1:1' },
      /: cannot reach Redis at REDIS_URL \(127\.0\.0\.1:1\): connection refused$/,
    ],
    [
      'an unknown PostgreSQL database',
      { DATABASE_URL: 'postgres://postgres:hunter2secret@127.0.0.1:5432/no_such_database_here' },
      /: cannot reach PostgreSQL at DATABASE_URL \(127\.0\.0\.1:5432\): no such database$/,
    ],
    [
      'a malformed DATABASE_URL',
      { DATABASE_URL: 'hunter2secret' },
      /: DATABASE_URL is not a valid URL$/,
    ],
    [
      'a REDIS_URL of another scheme',
      { REDIS_URL: 'http://hunter2secret@127.0.0.1' },
      /: REDIS_URL must start with redis: or rediss:\/\/$/,
    ],
  ])('%s', async (_, env, pattern) => {
    const results = await Promise.all(
      COMMANDS.map(([args, stdin]) =>
        latchkey(args, { LATCHKEY_DATA_DIR: dataDir, ...env }, stdin),
      ),
    )
    for (const [i, result] of results.entries()) {
      expectOneLineRefusal(result, pattern)
      expect(result.err).toMatch(
        new RegExp(`^latchkey ${COMMANDS[i]?.[0].slice(0, 2).join(' ')}: `),
      )
      expect(result.err + result.out).not.toContain('hunter2')
    }
  })

  it('changes nothing when the store it needs after the first one is away', async () => {
    // The accounts are in the embedded file, the announcement to running IdPs would go to
    // Redis: the account must not be created without it.
    const refused = await latchkey(
      ['users', 'add', '--username', 'erin', '--password-stdin'],
      { LATCHKEY_DATA_DIR: dataDir, REDIS_URL: 'redis://127.0.0.1:1' },
      'a long enough password',
    )
    expect(refused.code).toBe(1)
    const listed = await latchkey(['users', 'list', '--json'], { LATCHKEY_DATA_DIR: dataDir })
    expect(JSON.parse(listed.out)).toEqual([])
  })
})
