import type { Cluster, ClusterOptions, Redis, RedisOptions } from 'ioredis'
import { guard, StoreUnavailableError } from './errors.ts'
import { ttlMs } from './lib/check_args.ts'
import { type ClusterNodeAddress, clusterSubscriber } from './lib/cluster_subscriber.ts'
import { localBus } from './lib/local_bus.ts'
import { isClusterUrl, parseClusterUrl } from './lib/redis_cluster_url.ts'
import { redisKeys } from './lib/redis_keys.ts'
import type { IncrementOptions, Store, StoreRecord, Unsubscribe, WriteOptions } from './types.ts'

export interface RedisStoreOptions {
  /**
   * One Redis: `redis://[user:password@]host:port[/db]`, or `rediss://` for TLS.
   * A Redis Cluster: `redis+cluster://[user:password@]host:port[,host:port…]` (any reachable
   * seed node tells the client the rest), or `rediss+cluster://` for TLS.
   */
  url: string
  /** Prepended to every key and channel, so several apps can share one Redis. @default 'latchkey:' */
  prefix?: string
}

// Every write keeps the namespace's index (a sorted set scored by expiry time) in step, and
// prunes the index of expired keys, so `list` never scans the keyspace and indexes stay bounded.
// The index itself expires with its longest-lived record: namespaces made per grant or per
// account (written once, never listed again) leave nothing behind.
// Times come from the Redis server's clock (TIME), never from the callers'.
const NOW = `local t = redis.call('TIME'); local now = t[1] * 1000 + math.floor(t[2] / 1000)`
const INDEX = `
local score = '+inf'
if ARGV[2] ~= '' then score = now + tonumber(ARGV[2]) end
redis.call('ZADD', KEYS[2], score, ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', '(' .. now)
local last = redis.call('ZRANGE', KEYS[2], -1, -1, 'WITHSCORES')[2]
if last == 'inf' then redis.call('PERSIST', KEYS[2])
else redis.call('PEXPIREAT', KEYS[2], math.ceil(tonumber(last))) end`

// KEYS: record, index. ARGV: json, ttl ms or '', key, 'NX' or ''.
const WRITE = `${NOW}
local ok
if ARGV[2] ~= '' and ARGV[4] ~= '' then ok = redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2], 'NX')
elseif ARGV[2] ~= '' then ok = redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
elseif ARGV[4] ~= '' then ok = redis.call('SET', KEYS[1], ARGV[1], 'NX')
else ok = redis.call('SET', KEYS[1], ARGV[1]) end
if not ok then return 0 end
${INDEX}
return 1`

// KEYS: record, index. ARGV: by, ttl ms or '', key. The TTL is set only on creation: a fixed
// window (a counter that came back to its first value, after a negative amount, keeps its own).
const INCREMENT = `${NOW}
local created = redis.call('EXISTS', KEYS[1]) == 0
local v = redis.call('INCRBY', KEYS[1], ARGV[1])
if created then
  if ARGV[2] ~= '' then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
  ${INDEX}
end
return v`

// KEYS: record, index. ARGV: key. Returns the value removed, or nil.
const TAKE = `
local v = redis.call('GETDEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
return v`

// KEYS: index. Returns the keys of the live records.
const LIVE_KEYS = `${NOW}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. now)
return redis.call('ZRANGE', KEYS[1], 0, -1)`

/** What `subscribe` needs: a subscribed Redis connection, or a cluster's subscriber. */
interface Subscriber {
  subscribe(channel: string): Promise<unknown>
  unsubscribe(channel: string): Promise<unknown>
}

type Scripts = (Redis | Cluster) & {
  latchkeyWrite(
    record: string,
    index: string,
    json: string,
    ttl: number | '',
    key: string,
    nx: 'NX' | '',
  ): Promise<number>
  latchkeyIncrement(
    record: string,
    index: string,
    by: number,
    ttl: number | '',
    key: string,
  ): Promise<number>
  latchkeyTake(record: string, index: string, key: string): Promise<string | null>
  latchkeyLiveKeys(index: string): Promise<string[]>
}

const retryStrategy = (attempt: number) => Math.min(attempt * 200, 2000)
const settings: RedisOptions = {
  lazyConnect: true,
  enableOfflineQueue: false,
  maxRetriesPerRequest: 1,
  connectTimeout: 2000,
  retryStrategy,
}

function clusterSettings(url: string): ClusterOptions {
  const { username, password, tls } = parseClusterUrl(url)
  return {
    lazyConnect: true,
    // Lets a command wait for its node's connection to open (the cluster opens them on first
    // use); a cluster not ready at all is refused before any command, by `redis()` below.
    enableOfflineQueue: true,
    clusterRetryStrategy: retryStrategy,
    // A command whose connection dropped (its master died) may already have run there and
    // reached the replica: resent, `add` would report a claim it won as lost and `increment`
    // would count twice. It fails with StoreUnavailableError instead, as on a single Redis.
    retryDelayOnFailover: 0,
    // CLUSTERDOWN and TRYAGAIN are refusals before anything ran: retried every 100 ms, at
    // most `maxRedirections` (16) times, which rides out most of a replica's promotion.
    retryDelayOnClusterDown: 100,
    retryDelayOnTryAgain: 100,
    // Learn a promotion even on a slot nobody has been redirected from yet.
    slotsRefreshInterval: 2000,
    slotsRefreshTimeout: 1000,
    redisOptions: {
      connectTimeout: 2000,
      maxRetriesPerRequest: 1,
      ...(username === undefined ? {} : { username }),
      ...(password === undefined ? {} : { password }),
      ...(tls ? { tls: {} } : {}),
    },
  }
}

/** A lazy connection to one node of a cluster, with the cluster's credentials, never retried. */
function nodeConnection(Client: typeof Redis, url: string, node: ClusterNodeAddress): Redis {
  const { redisOptions } = clusterSettings(url)
  return new Client({ ...redisOptions, ...node, lazyConnect: true, retryStrategy: () => null })
}

/**
 * Why a cluster's seed nodes do not answer. ioredis asks them for the slot map over
 * connections whose errors it drops, so its failure says only "Connection is closed"; a
 * plain connection to each seed in turn gives the reason (ECONNREFUSED, ENOTFOUND…).
 */
async function seedFailure(Client: typeof Redis, url: string): Promise<Error | undefined> {
  for (const node of parseClusterUrl(url).nodes) {
    const probe = nodeConnection(Client, url, node)
    let reason: Error | undefined
    probe.on('error', (error: Error) => {
      reason = error
    })
    try {
      await probe.connect()
    } catch (error) {
      return reason ?? (error as Error)
    } finally {
      probe.disconnect()
    }
  }
  return undefined
}

/**
 * Redis for the short-lived, shared records (sessions, refresh bookkeeping, rate limits) and
 * for revocation fan-out between instances, on one Redis or on a Redis Cluster (where each
 * script touches a single hash slot: see `lib/redis_keys.ts`).
 *
 * Fails fast: with no offline queue and one retry per command, a dead Redis (or a dead
 * master, during a cluster failover) surfaces as `StoreUnavailableError` within the connect
 * timeout instead of hanging requests.
 *
 * @example
 * const store = redisStore({ url: process.env.REDIS_URL })
 * const cluster = redisStore({ url: 'redis+cluster://10.0.0.1:6379,10.0.0.2:6379' })
 */
export function redisStore(options: RedisStoreOptions): Store {
  const { url, prefix = 'latchkey:' } = options
  const cluster = isClusterUrl(url)
  const clusterOptions = cluster ? clusterSettings(url) : undefined
  const names = redisKeys(prefix, cluster)
  const bus = localBus()

  let client: Promise<Scripts> | undefined
  let subscriber: Promise<Subscriber> | undefined
  // Every connection made, also those still connecting, so that `close` ends them all at once
  // (a server that accepts but never answers would otherwise hold `close` forever).
  const connections = new Set<Redis | Cluster>()
  const connect = async (): Promise<Scripts> => {
    const { Redis, Cluster } = await import('ioredis')
    const redis = (
      clusterOptions
        ? new Cluster(parseClusterUrl(url).nodes, clusterOptions)
        : new Redis(url, settings)
    ) as Scripts
    connections.add(redis)
    redis.defineCommand('latchkeyWrite', { numberOfKeys: 2, lua: WRITE })
    redis.defineCommand('latchkeyIncrement', { numberOfKeys: 2, lua: INCREMENT })
    redis.defineCommand('latchkeyTake', { numberOfKeys: 2, lua: TAKE })
    redis.defineCommand('latchkeyLiveKeys', { numberOfKeys: 1, lua: LIVE_KEYS })
    // Connection errors are reported through the failing commands; without a listener
    // ioredis would re-emit them as unhandled 'error' events and crash the process.
    let reason: Error | undefined
    let nodeReason: Error | undefined
    redis.on('error', (error: Error) => {
      reason = error
    })
    // A cluster's own error only says "Failed to refresh slots cache"; its seed nodes' say why.
    redis.on('node error', (error: Error) => {
      nodeReason = error
    })
    try {
      await redis.connect()
    } catch (error) {
      // ioredis would keep reconnecting this client in the background, holding the process
      // open; the next call makes a new one. Its rejection only says "Connection is closed":
      // the 'error' events have the cause (ECONNREFUSED, ENOTFOUND, WRONGPASS…).
      connections.delete(redis)
      redis.disconnect()
      if (clusterOptions) nodeReason = (await seedFailure(Redis, url)) ?? nodeReason
      throw nodeReason ?? reason ?? error
    }
    return redis
  }
  const redis = async (): Promise<Scripts> => {
    client ??= connect().catch((error) => {
      client = undefined
      throw error
    })
    const connection = await client
    if (connection.status !== 'ready') {
      // After an outage ioredis reconnects by itself; until then refuse at once.
      throw new StoreUnavailableError('redis', new Error(`connection is ${connection.status}`))
    }
    return connection
  }
  // On a cluster, one subscribed connection to any node (see lib/cluster_subscriber.ts).
  const hub = clusterOptions
    ? clusterSubscriber({
        nodes: async () => {
          const { nodes: seeds } = parseClusterUrl(url)
          const known = await client?.then((c) => (c as Cluster).nodes('all')).catch(() => [])
          const all = [...(known ?? []).map(({ options }) => options), ...seeds]
          const unique = new Map(all.map(({ host, port }) => [`${host}:${port}`, { host, port }]))
          return [...unique.values()] as ClusterNodeAddress[]
        },
        open: async (node) => {
          const { Redis } = await import('ioredis')
          const connection = nodeConnection(Redis, url, node)
          connections.add(connection)
          connection.once('end', () => connections.delete(connection))
          return connection
        },
        deliver: (from, message) => bus.emit(from, message),
      })
    : undefined
  const run = <T>(operation: (redis: Scripts) => Promise<T>) =>
    guard('redis', async () => operation(await redis()))

  const write = async (
    namespace: string,
    key: string,
    value: unknown,
    options: WriteOptions | undefined,
    nx: 'NX' | '',
  ) => {
    const target = names.record(namespace, key)
    const index = names.index(namespace, key)
    const ms = ttlMs(options) ?? ''
    const json = JSON.stringify(value)
    return (await run((r) => r.latchkeyWrite(target, index, json, ms, key, nx))) === 1
  }

  return {
    kind: 'redis',
    async get<T>(namespace: string, key: string) {
      const target = names.record(namespace, key)
      const json = await run((r) => r.get(target))
      return json === null ? undefined : (JSON.parse(json) as T)
    },
    async set(namespace, key, value, options) {
      await write(namespace, key, value, options, '')
    },
    async add(namespace, key, value, options) {
      return write(namespace, key, value, options, 'NX')
    },
    async take<T>(namespace: string, key: string) {
      const target = names.record(namespace, key)
      const index = names.index(namespace, key)
      // GETDEL (Redis 6.2) reads and removes in one atomic step: two takers can't both win.
      const json = await run((r) => r.latchkeyTake(target, index, key))
      return json === null ? undefined : (JSON.parse(json) as T)
    },
    async delete(namespace, key) {
      const target = names.record(namespace, key)
      const index = names.index(namespace, key)
      await run((r) => r.multi().del(target).zrem(index, key).exec())
    },
    async list<T>(namespace: string) {
      const indexes = names.indexes(namespace)
      // One index on a single Redis; on a cluster one per bucket, each read with the records
      // it lists in its own slot (an MGET must not cross slots).
      const lists = await run((r) =>
        Promise.all(
          indexes.map(async (index) => {
            const keys = await r.latchkeyLiveKeys(index)
            if (keys.length === 0) return []
            const values = await r.mget(keys.map((key) => names.record(namespace, key)))
            return keys.flatMap((key, i): StoreRecord<T>[] => {
              const json = values[i]
              return json == null ? [] : [{ key, value: JSON.parse(json) as T }]
            })
          }),
        ),
      )
      return lists.flat()
    },
    async increment(namespace: string, key: string, options?: IncrementOptions) {
      const target = names.record(namespace, key)
      const index = names.index(namespace, key)
      const ms = ttlMs(options)
      const by = options?.by ?? 1
      const value = await run((r) => r.latchkeyIncrement(target, index, by, ms ?? '', key))
      return Number(value)
    },
    async publish(channel, message) {
      const name = names.channel(channel)
      await run((r) => r.publish(name, message))
    },
    async subscribe(channel, listener): Promise<Unsubscribe> {
      const name = names.channel(channel)
      subscriber ??= (
        hub
          ? Promise.resolve(hub)
          : connect().then((s) => {
              s.on('message', (from: string, message: string) => bus.emit(from, message))
              return s
            })
      ).catch((error: unknown) => {
        subscriber = undefined // the next subscribe tries again
        throw error
      })
      const s = await guard('redis', () => subscriber as Promise<Subscriber>)
      if (bus.listenerCount(name) === 0) await guard('redis', () => s.subscribe(name))
      const off = bus.subscribe(name, listener)
      return async () => {
        await off()
        if (bus.listenerCount(name) === 0) await s.unsubscribe(name).catch(() => {})
      }
    },
    async close() {
      hub?.close()
      bus.clear()
      for (const connection of connections) connection.disconnect()
      connections.clear()
      client = subscriber = undefined
    },
  }
}
