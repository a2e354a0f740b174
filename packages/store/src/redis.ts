import type { Redis, RedisOptions } from 'ioredis'
import { guard, StoreUnavailableError } from './errors.ts'
import { checkName, ttlMs } from './lib/check_args.ts'
import { localBus } from './lib/local_bus.ts'
import type { IncrementOptions, Store, StoreRecord, Unsubscribe, WriteOptions } from './types.ts'

export interface RedisStoreOptions {
  /** `redis://[user:password@]host:port[/db]` or `rediss://` for TLS. */
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

type Scripts = Redis & {
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

/**
 * Redis for the short-lived, shared records (sessions, refresh bookkeeping, rate limits) and
 * for revocation fan-out between instances. Names are URI-encoded before they are joined with
 * `:`, so a `:` or `*` inside a namespace or key can never reach another record.
 *
 * Fails fast: with no offline queue and one retry per command, a dead Redis surfaces as
 * `StoreUnavailableError` within the connect timeout instead of hanging requests.
 *
 * @example
 * const store = redisStore({ url: process.env.REDIS_URL })
 */
export function redisStore(options: RedisStoreOptions): Store {
  const { url, prefix = 'latchkey:' } = options
  const settings: RedisOptions = {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2000,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
  }
  const bus = localBus()
  const encode = encodeURIComponent
  const recordKey = (namespace: string, key: string) => {
    checkName('namespace', namespace)
    checkName('key', key)
    return `${prefix}r:${encode(namespace)}:${encode(key)}`
  }
  // Each namespace keeps an index set of its keys so `list` never scans the keyspace.
  const indexKey = (namespace: string) => `${prefix}i:${encode(namespace)}`
  const channelName = (channel: string) => {
    checkName('channel', channel)
    return `${prefix}c:${encode(channel)}`
  }

  let client: Promise<Scripts> | undefined
  let subscriber: Promise<Redis> | undefined
  // Every connection made, also those still connecting, so that `close` ends them all at once
  // (a server that accepts but never answers would otherwise hold `close` forever).
  const connections = new Set<Redis>()
  const connect = async (): Promise<Scripts> => {
    const { Redis } = await import('ioredis')
    const redis = new Redis(url, settings) as Scripts
    connections.add(redis)
    redis.defineCommand('latchkeyWrite', { numberOfKeys: 2, lua: WRITE })
    redis.defineCommand('latchkeyIncrement', { numberOfKeys: 2, lua: INCREMENT })
    redis.defineCommand('latchkeyTake', { numberOfKeys: 2, lua: TAKE })
    redis.defineCommand('latchkeyLiveKeys', { numberOfKeys: 1, lua: LIVE_KEYS })
    // Connection errors are reported through the failing commands; without a listener
    // ioredis would re-emit them as unhandled 'error' events and crash the process.
    let reason: Error | undefined
    redis.on('error', (error: Error) => {
      reason = error
    })
    try {
      await redis.connect()
    } catch (error) {
      // ioredis would keep reconnecting this client in the background, holding the process
      // open; the next call makes a new one. Its rejection only says "Connection is closed":
      // the 'error' event has the cause (ECONNREFUSED, ENOTFOUND, WRONGPASS…).
      connections.delete(redis)
      redis.disconnect()
      throw reason ?? error
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
  const run = <T>(operation: (redis: Scripts) => Promise<T>) =>
    guard('redis', async () => operation(await redis()))

  const write = async (
    namespace: string,
    key: string,
    value: unknown,
    options: WriteOptions | undefined,
    nx: 'NX' | '',
  ) => {
    const target = recordKey(namespace, key)
    const ms = ttlMs(options) ?? ''
    const json = JSON.stringify(value)
    return (await run((r) => r.latchkeyWrite(target, indexKey(namespace), json, ms, key, nx))) === 1
  }

  return {
    kind: 'redis',
    async get<T>(namespace: string, key: string) {
      const target = recordKey(namespace, key)
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
      const target = recordKey(namespace, key)
      // GETDEL (Redis 6.2) reads and removes in one atomic step: two takers can't both win.
      const json = await run((r) => r.latchkeyTake(target, indexKey(namespace), key))
      return json === null ? undefined : (JSON.parse(json) as T)
    },
    async delete(namespace, key) {
      const target = recordKey(namespace, key)
      await run((r) => r.multi().del(target).zrem(indexKey(namespace), key).exec())
    },
    async list<T>(namespace: string) {
      checkName('namespace', namespace)
      return run(async (r) => {
        const keys = await r.latchkeyLiveKeys(indexKey(namespace))
        if (keys.length === 0) return []
        const values = await r.mget(keys.map((key) => recordKey(namespace, key)))
        return keys.flatMap((key, i): StoreRecord<T>[] => {
          const json = values[i]
          return json == null ? [] : [{ key, value: JSON.parse(json) as T }]
        })
      })
    },
    async increment(namespace: string, key: string, options?: IncrementOptions) {
      const target = recordKey(namespace, key)
      const ms = ttlMs(options)
      const by = options?.by ?? 1
      const value = await run((r) =>
        r.latchkeyIncrement(target, indexKey(namespace), by, ms ?? '', key),
      )
      return Number(value)
    },
    async publish(channel, message) {
      const name = channelName(channel)
      await run((r) => r.publish(name, message))
    },
    async subscribe(channel, listener): Promise<Unsubscribe> {
      const name = channelName(channel)
      subscriber ??= connect().then((s) => {
        s.on('message', (from: string, message: string) => bus.emit(from, message))
        return s
      })
      const s = await guard('redis', () => subscriber as Promise<Redis>)
      if (bus.listenerCount(name) === 0) await guard('redis', () => s.subscribe(name))
      const off = bus.subscribe(name, listener)
      return async () => {
        await off()
        if (bus.listenerCount(name) === 0) await s.unsubscribe(name).catch(() => {})
      }
    },
    async close() {
      bus.clear()
      for (const connection of connections) connection.disconnect()
      connections.clear()
      client = subscriber = undefined
    },
  }
}
