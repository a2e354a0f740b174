import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createIdentityProvider } from '@latchkey/idp'
import { openStores } from '@latchkey/store'
import { pino } from 'pino'
import { afterAll, describe, expect, it } from 'vitest'
import { latchkey as run } from './support.ts'

const dataDir = mkdtempSync(join(tmpdir(), 'latchkey-cli-'))
afterAll(() => rmSync(dataDir, { recursive: true, force: true }))

/** Runs the real `latchkey` binary (as `npx latchkey` would) against a temp data dir. */
const latchkey = (args: string[], stdin = '') => run(args, { LATCHKEY_DATA_DIR: dataDir }, stdin)

describe('latchkey CLI', () => {
  it('lists its commands with --help', async () => {
    const { code, out } = await latchkey(['--help'])
    expect(code).toBe(0)
    for (const command of ['users add', 'clients add', 'keys rotate', 'users reset-mfa', 'serve'])
      expect(out).toContain(command)
  })

  it('adds a user with the password from stdin, never from argv, and lists it', async () => {
    const added = await latchkey(
      [
        'users',
        'add',
        '--username',
        'alice',
        '--password-stdin',
        '--role',
        'ADMIN',
        '--role',
        'USER',
      ],
      'a long password\n',
    )
    expect(added).toMatchObject({ code: 0 })
    expect(added.out).toContain('added user alice')
    const listed = await latchkey(['users', 'list', '--json'])
    expect(JSON.parse(listed.out)).toEqual([
      expect.objectContaining({ username: 'alice', roles: ['ADMIN', 'USER'], disabled: false }),
    ])
    expect(listed.out).not.toContain('password')
    const refused = await latchkey(['users', 'add', '--username', 'bob', '--password', 'x'])
    expect(refused.code).toBe(2)
  })

  it('registers a client for the IdP account API only with --account-api', async () => {
    // RFC 9068 §4: the account API accepts the tokens of the clients registered for it.
    const add = (id: string, extra: string[] = []) =>
      latchkey(['clients', 'add', '--id', id, '--redirect-uri', `https://${id}.test/cb`, ...extra])
    expect((await add('sessions-page', ['--account-api'])).code).toBe(0)
    expect((await add('plain-app')).code).toBe(0)
    const listed = JSON.parse((await latchkey(['clients', 'list', '--json'])).out) as {
      id: string
      accountApi: boolean
    }[]
    expect(listed.map(({ id, accountApi }) => ({ id, accountApi }))).toEqual(
      expect.arrayContaining([
        { id: 'sessions-page', accountApi: true },
        { id: 'plain-app', accountApi: false },
      ]),
    )
    for (const id of ['sessions-page', 'plain-app'])
      expect((await latchkey(['clients', 'remove', '--id', id])).code).toBe(0)
  })

  it('refuses a duplicate user and a short password with exit code 1 and a clear message', async () => {
    expect(
      await latchkey(
        ['users', 'add', '--username', 'ALICE', '--password-stdin'],
        'another long one',
      ),
    ).toMatchObject({
      code: 1,
      err: expect.stringContaining('already exists'),
    })
    expect(
      await latchkey(['users', 'add', '--username', 'carol', '--password-stdin'], 'short'),
    ).toMatchObject({
      code: 1,
      err: expect.stringContaining('8 to 128'),
    })
  })

  it('disables and enables a user, and resets MFA', async () => {
    expect((await latchkey(['users', 'disable', '--username', 'alice'])).code).toBe(0)
    expect(JSON.parse((await latchkey(['users', 'list', '--json'])).out)[0].disabled).toBe(true)
    expect((await latchkey(['users', 'enable', '--username', 'alice'])).code).toBe(0)
    expect((await latchkey(['users', 'reset-mfa', '--username', 'alice'])).code).toBe(0)
    expect((await latchkey(['users', 'disable', '--username', 'nobody'])).code).toBe(1)
  })

  it('adds, lists (without secrets) and removes clients with the contract options', async () => {
    const secret = 's'.repeat(40)
    const added = await latchkey([
      'clients',
      'add',
      '--id',
      'app',
      '--secret',
      secret,
      '--redirect-uri',
      'http://api.localhost:4001/auth/callback',
      '--post-logout-redirect-uri',
      'http://app.localhost:3000/',
      '--backchannel-logout-uri',
      'http://api.localhost:4001/auth/backchannel-logout',
    ])
    expect(added).toMatchObject({ code: 0 })
    const listed = await latchkey(['clients', 'list', '--json'])
    expect(JSON.parse(listed.out)).toEqual([
      expect.objectContaining({
        id: 'app',
        redirectUris: ['http://api.localhost:4001/auth/callback'],
      }),
    ])
    expect(listed.out).not.toContain(secret)
    expect(
      (
        await latchkey([
          'clients',
          'add',
          '--id',
          'bad',
          '--secret',
          secret,
          '--redirect-uri',
          'javascript:alert(1)',
        ])
      ).code,
    ).toBe(1)
    expect((await latchkey(['clients', 'remove', '--id', 'app'])).code).toBe(0)
    expect((await latchkey(['clients', 'remove', '--id', 'app'])).code).toBe(1)
  })

  it('lists and rotates signing keys, keeping the old key published', async () => {
    const before = JSON.parse((await latchkey(['keys', 'list', '--json'])).out)
    expect(before).toHaveLength(1)
    expect((await latchkey(['keys', 'rotate'])).code).toBe(0)
    const after = JSON.parse((await latchkey(['keys', 'list', '--json'])).out)
    expect(after.map((k: { status: string }) => k.status)).toEqual(['signing', 'published'])
    expect(after[1].kid).toBe(before[0].kid)
    // A delayed key: published now as the next one, the current signer unchanged.
    expect((await latchkey(['keys', 'rotate', '--activate-in', '3600'])).code).toBe(0)
    const later = JSON.parse((await latchkey(['keys', 'list', '--json'])).out)
    expect(later.map((k: { status: string }) => k.status)).toEqual(['signing', 'next', 'published'])
    expect(later[0].kid).toBe(after[0].kid)
    expect((await latchkey(['keys', 'rotate', '--activate-in', 'soon'])).code).toBe(2)
  })

  it('answers an unknown command or option with usage and exit code 2', async () => {
    expect((await latchkey(['frobnicate'])).code).toBe(2)
    expect((await latchkey(['users', 'add', '--nope'])).code).toBe(2)
  })

  it('writes each change to the running IdP audit log, with the actor and without secrets', async () => {
    const lines: { audit?: boolean; event?: string }[] = []
    const logger = pino(
      { level: 'info' },
      { write: (line: string) => lines.push(JSON.parse(line)) },
    )
    const stores = openStores({ dataDir }) // the IdP on the same storage as the CLI
    const idp = await createIdentityProvider({ issuer: 'http://127.0.0.1:9', stores, logger })
    const password = 'carol-password-for-the-audit-test'
    const secret = 'audit-test-secret-0123456789abcdef0123456789'
    try {
      await latchkey(['users', 'add', '--username', 'carol', '--password-stdin'], password)
      await latchkey(['users', 'disable', '--username', 'carol'])
      const client = ['--id', 'audited', '--secret', secret, '--redirect-uri', 'https://a.test/cb']
      await latchkey(['clients', 'add', ...client])
      const events = () => lines.filter((l) => l.audit).map((l) => l.event)
      await expect
        .poll(events, { timeout: 10_000 })
        .toEqual(
          expect.arrayContaining(['admin.user_added', 'admin.user_disabled', 'admin.client_added']),
        )
      expect(lines.find((l) => l.event === 'admin.user_added')).toMatchObject({
        username: 'carol',
        actor: expect.stringMatching(/^cli:/),
      })
      // The IdP also ended the disabled account's sessions on the CLI's message.
      expect(events()).toContain('account.disabled')
      const log = JSON.stringify(lines)
      expect(log).not.toContain(password)
      expect(log).not.toContain(secret)
    } finally {
      await idp.close()
      await stores.close()
    }
  })
})
