import { randomUUID } from 'node:crypto'
import { Redis } from 'ioredis'
import { afterAll, expect, it } from 'vitest'
import { redisStore, StoreUnavailableError } from '../src/index.ts'
import { runStoreConformance } from './conformance.ts'

const url = process.env.LATCHKEY_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379'
const prefix = `latchkey-test:${randomUUID()}:`

afterAll(async () => {
  const redis = new Redis(url)
  const keys = await redis.keys(`${prefix}*`)
  if (keys.length > 0) await redis.del(...keys)
  redis.disconnect()
})
let n = 0

runStoreConformance('redis', async () => redisStore({ url, prefix: `${prefix}${n++}:` }))

it('fails fast with StoreUnavailableError when Redis is unreachable', async () => {
  const store = redisStore({ url: 'redis://127.0.0.1:1' })
  const started = Date.now()
  await expect(store.get('session', 'x')).rejects.toBeInstanceOf(StoreUnavailableError)
  await expect(store.set('session', 'x', 1)).rejects.toMatchObject({
    code: 'store_unavailable',
  })
  expect(Date.now() - started).toBeLessThan(5000)
  await store.close()
})

it('keeps the index of a namespace bounded to live records', async () => {
  const store = redisStore({ url, prefix: `${prefix}index:` })
  for (let i = 0; i < 5; i++) await store.set('grace', `k${i}`, i, { ttl: 1 })
  await new Promise((resolve) => setTimeout(resolve, 1100))
  await store.set('grace', 'fresh', 1, { ttl: 60 })
  const redis = new Redis(url)
  expect(await redis.zcard(`${prefix}index:i:grace`)).toBe(1)
  // The index expires with its longest-lived record, and never while one lives forever.
  const ttl = await redis.pttl(`${prefix}index:i:grace`)
  expect(ttl).toBeGreaterThan(59_000)
  expect(ttl).toBeLessThanOrEqual(60_000)
  await store.set('grace', 'forever', 1)
  expect(await redis.pttl(`${prefix}index:i:grace`)).toBe(-1)
  redis.disconnect()
  await store.close()
})
