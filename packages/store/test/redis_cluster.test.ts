import { isDeepStrictEqual } from 'node:util'
import { Cluster } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  type RedisCluster,
  redisClusterUnavailable,
  startRedisCluster,
} from '../../../test/support/redis_cluster.ts'
import { redisStore, type Store, StoreUnavailableError } from '../src/index.ts'
import { CLUSTER_BUCKETS } from '../src/lib/redis_keys.ts'
import { runStoreConformance } from './conformance.ts'

// A 3-master, 3-replica Redis Cluster from Debian's redis-server, on loopback, for this file.
const reason = await redisClusterUnavailable()
if (reason) console.warn(`redis_cluster.test: skipped, no local Redis Cluster: ${reason}`)

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

it('fails fast with StoreUnavailableError when no seed node answers', async () => {
  const store = redisStore({ url: 'redis+cluster://127.0.0.1:1,127.0.0.1:2' })
  const started = Date.now()
  const error = await store.get('session', 'x').catch((e: unknown) => e)
  expect(error).toBeInstanceOf(StoreUnavailableError)
  expect((error as { cause: NodeJS.ErrnoException }).cause.code).toBe('ECONNREFUSED')
  expect(Date.now() - started).toBeLessThan(5000)
  await store.close()
})

describe.skipIf(reason !== undefined)('on a Redis Cluster', () => {
  let cluster: RedisCluster
  let n = 0
  const stores: Store[] = []
  // A fresh prefix per call; `name` alone for instances of one deployment (shared records
  // and channels).
  const open = (name: string, shared = false) => {
    const prefix = shared ? `latchkey-test:${name}:` : `latchkey-test:${name}:${n++}:`
    const store = redisStore({ url: cluster.url, prefix })
    stores.push(store)
    return store
  }
  beforeAll(async () => {
    cluster = await startRedisCluster()
  }, 60_000)
  afterAll(async () => {
    await Promise.all(stores.map((store) => store.close()))
    await cluster?.stop()
  })

  runStoreConformance('redis cluster', async () => open('conformance'))

  it('spreads one namespace over every master, each record in its index slot', async () => {
    const store = open('spread')
    const ids = Array.from({ length: 200 }, (_, i) => `sid-${i}`)
    await Promise.all(ids.map((id) => store.set('session', id, { id }, { ttl: 60 })))
    const listed = await store.list<{ id: string }>('session')
    expect(listed.map(({ key }) => key).sort()).toEqual([...ids].sort())
    // The slots of the namespace's buckets: a hash tag per bucket, not one for everything.
    const slots = await Promise.all(
      Array.from({ length: CLUSTER_BUCKETS }, (_, b) => cluster.slotOf(`{session:${b}}`)),
    )
    const masters = new Set(
      await Promise.all(slots.map(async (slot) => (await cluster.masterOf(slot)).port)),
    )
    expect(masters.size).toBe(3)
    // Raw keys: every record sits in the same slot as the index that lists it.
    const raw = new Cluster([{ host: '127.0.0.1', port: cluster.nodes[0]?.port ?? 0 }])
    const prefix = `latchkey-test:spread:${n - 1}:`
    for (const b of [0, 7, 15]) {
      const index = `${prefix}i:{session:${b}}`
      const members = await raw.zrange(index, '0', '-1')
      expect(members.length).toBeGreaterThan(0)
      for (const id of members) {
        expect(await raw.exists(`${prefix}r:{session:${b}}:${id}`)).toBe(1)
      }
    }
    raw.disconnect()
  })

  it('delivers a message published by one instance to subscribers of every other', async () => {
    // Instances of one deployment, each with its own subscribed connection on a random node.
    const shared = Array.from({ length: 4 }, () => open('bus', true))
    const received = shared.map(() => [] as string[])
    await Promise.all(
      shared.map((store, i) => store.subscribe('revoked', (m) => received[i]?.push(m))),
    )
    for (const [i, store] of shared.entries()) await store.publish('revoked', `sid-${i}`)
    const all = shared.map((_, i) => `sid-${i}`)
    for (const list of received) {
      await expect.poll(() => [...list].sort(), { timeout: 3000 }).toEqual(all)
    }
    await Promise.all(shared.map((store) => store.close()))
  })

  // Last: it kills a master, and the cluster stays that way.
  it('loses no session when a master fails over under load', async () => {
    const store = open('failover', true)
    // Subscribers of another instance, one of them (if any lands there) on the master killed.
    const listeners: { store: Store; received: string[] }[] = []
    let victim = await cluster.masterOf(await cluster.slotOf('{session:0}'))
    for (let i = 0; i < 10; i++) {
      const listener = { store: open('failover', true), received: [] as string[] }
      listeners.push(listener)
      await listener.store.subscribe('revoked', (m) => listener.received.push(m))
      const masters = await Promise.all([0, 5461, 10923].map((slot) => cluster.masterOf(slot)))
      const host = (
        await Promise.all(
          masters.map(async (m) => ((await cluster.subscribersOn(m)) > 0 ? m : null)),
        )
      ).find((m) => m !== null)
      if (host) {
        victim = host
        break
      }
    }
    const subscriberOnVictim = (await cluster.subscribersOn(victim)) > 0

    const written = new Map<string, { loop: number; i: number }>()
    const ids: string[] = []
    const counts = { requests: 0, errors: 0, wrong: 0, unexpected: 0, duringFailover: 0 }
    let failing = false
    const failed = (error: unknown) => {
      if (error instanceof StoreUnavailableError) counts.errors++
      else counts.unexpected++
    }
    let stopped = false
    const loop = async (loop: number) => {
      for (let i = 0; !stopped; i++) {
        const id = `s-${loop}-${i}`
        const value = { loop, i }
        counts.requests++
        if (failing) counts.duringFailover++
        try {
          await store.set('session', id, value, { ttl: 600 })
          written.set(id, value)
          ids.push(id)
        } catch (error) {
          failed(error)
        }
        const pick = ids[Math.floor(Math.random() * ids.length)]
        if (pick === undefined) continue
        counts.requests++
        try {
          // A session acknowledged earlier must read back exactly, or not at all (an error).
          const read = await store.get('session', pick)
          if (!isDeepStrictEqual(read, written.get(pick))) counts.wrong++
        } catch (error) {
          failed(error)
        }
        if (counts.errors > 0) await sleep(5) // a client backing off, not a tight error loop
      }
    }
    const loops = Promise.all(Array.from({ length: 8 }, (_, i) => loop(i)))

    await sleep(1000)
    const writtenBefore = written.size
    const slots = [0, 5461, 10923]
    const victimSlot = (
      await Promise.all(
        slots.map(async (slot) => ((await cluster.masterOf(slot)) === victim ? slot : -1)),
      )
    ).find((slot) => slot >= 0) as number
    failing = true
    victim.process.kill('SIGKILL')
    await cluster.settled(20_000) // its replica promoted, every live node cluster_state:ok
    failing = false
    await sleep(1000) // load keeps running on the recovered cluster
    stopped = true
    await loops

    // The replica took over the killed master's slots.
    const successor = await cluster.masterOf(victimSlot)
    expect(successor).not.toBe(victim)

    // Recovered on its own (the same store object, no reconnect by the test), and every
    // acknowledged session is still there, with its value.
    await expect
      .poll(
        () =>
          store.set('session', 'probe', 1).then(
            () => true,
            () => false,
          ),
        { timeout: 10_000 },
      )
      .toBe(true)
    let lost = 0
    for (const [id, value] of written) {
      if (!isDeepStrictEqual(await store.get('session', id), value)) lost++
    }
    console.info(
      `redis cluster failover under load: ${counts.requests} requests (${counts.duringFailover} during the failover), ` +
        `${counts.errors} StoreUnavailableError, ${counts.unexpected} other errors, ${counts.wrong} wrong reads, ` +
        `${written.size} sessions written (${writtenBefore} before the kill), ${lost} lost; ` +
        `a subscriber ${subscriberOnVictim ? 'was' : 'was not'} on the killed master`,
    )
    expect(counts.duringFailover).toBeGreaterThan(0)
    expect(counts.unexpected).toBe(0)
    expect(counts.wrong).toBe(0)
    expect(lost).toBe(0)
    // Pub/sub reaches every subscriber again, also one whose node was killed.
    for (const [i, { received }] of listeners.entries()) {
      await expect
        .poll(
          async () => {
            await store.publish('revoked', `after-${i}`)
            return received.includes(`after-${i}`)
          },
          { timeout: 10_000, interval: 200 },
        )
        .toBe(true)
    }
  }, 40_000)
})
