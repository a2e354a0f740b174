import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, expect, it } from 'vitest'
import { storesFromEnv } from '../src/index.ts'

const dir = mkdtempSync(join(tmpdir(), 'latchkey-open-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

it('embeds both stores in one sqlite file when no URL is set', async () => {
  const stores = storesFromEnv({ LATCHKEY_DATA_DIR: dir })
  expect([stores.durable.kind, stores.ephemeral.kind]).toEqual(['sqlite', 'sqlite'])
  expect(stores.durable).toBe(stores.ephemeral)
  await stores.durable.set('users', 'u', 1)
  await stores.close()
})

it('uses PostgreSQL and Redis when their URLs are set', async () => {
  const stores = storesFromEnv({
    DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/test',
    REDIS_URL: 'redis://127.0.0.1:6379',
  })
  expect([stores.durable.kind, stores.ephemeral.kind]).toEqual(['postgres', 'redis'])
  await stores.close()
})

it('names the variable when a URL is wrong', () => {
  expect(() => storesFromEnv({ REDIS_URL: 'http://x' })).toThrow(/REDIS_URL/)
  expect(() => storesFromEnv({ DATABASE_URL: 'not a url' })).toThrow(/DATABASE_URL/)
})
