import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createAdmin } from '@latchkey/idp'
import { openStores } from '@latchkey/store'
import { afterAll, describe, expect, it } from 'vitest'
import { latchkey as run } from './support.ts'

const dataDir = mkdtempSync(join(tmpdir(), 'latchkey-cli-passkeys-'))
const stores = openStores({ dataDir }) // what a running IdP on the same storage sees
afterAll(async () => {
  await stores.close()
  rmSync(dataDir, { recursive: true, force: true })
})

const latchkey = (args: string[], stdin = '') => run(args, { LATCHKEY_DATA_DIR: dataDir }, stdin)

describe('latchkey users: passkeys and required password changes', () => {
  it("lists a user's passkeys and removes one by id; an unknown id is exit code 1", async () => {
    await latchkey(['users', 'add', '--username', 'pia', '--password-stdin'], 'pia-long-password\n')
    const admin = createAdmin(stores)
    const account = await admin.accounts.findByUsername('pia')
    const passkey = {
      accountId: account?.id ?? '',
      publicKey: 'pQECAyYgASFYIA',
      counter: 0,
      transports: ['internal'],
      deviceType: 'singleDevice' as const,
      createdAt: new Date().toISOString(),
      lastUsedAt: null,
    }
    await admin.passkeys.add({ ...passkey, id: 'cred-laptop', name: 'Laptop' })
    await admin.passkeys.add({ ...passkey, id: 'cred-phone', name: 'Phone' })
    const listed = await latchkey(['users', 'passkeys', '--username', 'pia', '--json'])
    expect(listed.code).toBe(0)
    expect(JSON.parse(listed.out)).toEqual([
      expect.objectContaining({ id: 'cred-laptop', name: 'Laptop', lastUsed: 'never' }),
      expect.objectContaining({ id: 'cred-phone', name: 'Phone' }),
    ])
    expect(listed.out).not.toContain('pQECAyYgASFYIA') // never the public key
    const removed = await latchkey([
      'users',
      'passkeys',
      '--username',
      'pia',
      '--remove',
      'cred-laptop',
    ])
    expect(removed).toMatchObject({
      code: 0,
      out: expect.stringContaining('removed passkey cred-laptop'),
    })
    expect((await admin.passkeys.list(account?.id ?? '')).map((p) => p.id)).toEqual(['cred-phone'])
    const again = await latchkey([
      'users',
      'passkeys',
      '--username',
      'pia',
      '--remove',
      'cred-laptop',
    ])
    expect(again).toMatchObject({ code: 1, err: expect.stringContaining('no passkey') })
    const nobody = await latchkey(['users', 'passkeys', '--username', 'nobody'])
    expect(nobody).toMatchObject({ code: 1, err: expect.stringContaining('no user named') })
  })

  it('marks an account for a new password at its next sign-in', async () => {
    const marked = await latchkey(['users', 'require-password-change', '--username', 'pia'])
    expect(marked).toMatchObject({
      code: 0,
      out: expect.stringContaining('must choose a new password'),
    })
    const account = await createAdmin(stores).accounts.findByUsername('pia')
    expect(account?.passwordChangeRequired).toBe(true)
  })
})
