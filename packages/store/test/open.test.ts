import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, expect, it } from 'vitest'
import { storesFromEnv } from '../src/index.ts'
import { parseClusterUrl } from '../src/lib/redis_cluster_url.ts'

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

it('takes a Redis Cluster as redis+cluster://, never repeating its password in an error', async () => {
  const stores = storesFromEnv({ REDIS_URL: 'redis+cluster://127.0.0.1:7000,127.0.0.1:7001' })
  expect(stores.ephemeral.kind).toBe('redis')
  await stores.close()
  for (const wrong of [
    'redis+cluster://',
    'redis+cluster://u:s3cret@h:7000/2',
    'redis+cluster://h:x',
  ]) {
    expect(() => storesFromEnv({ REDIS_URL: wrong })).toThrow(/REDIS_URL is redis\+cluster:\/\//)
    expect(() => storesFromEnv({ REDIS_URL: wrong })).not.toThrow(/s3cret/)
  }
})

it('reads seed nodes, credentials and TLS from a cluster URL', () => {
  expect(
    parseClusterUrl('rediss+cluster://app:p%40ss@10.0.0.1:7000,[::1]:7001,redis.internal/'),
  ).toEqual({
    nodes: [
      { host: '10.0.0.1', port: 7000 },
      { host: '::1', port: 7001 },
      { host: 'redis.internal', port: 6379 },
    ],
    username: 'app',
    password: 'p@ss',
    tls: true,
  })
  expect(parseClusterUrl('redis+cluster://:pw@h:1')).toEqual({
    nodes: [{ host: 'h', port: 1 }],
    username: undefined,
    password: 'pw',
    tls: false,
  })
})
