import { join } from 'node:path'
import { isClusterUrl, parseClusterUrl } from './lib/redis_cluster_url.ts'
import { postgresStore } from './postgres.ts'
import { redisStore } from './redis.ts'
import { sqliteStore } from './sqlite.ts'
import type { Store } from './types.ts'

export interface OpenStoresOptions {
  /** Where the embedded database lives. @default './.latchkey' */
  dataDir?: string
  /** `postgres://…`: durable records go to PostgreSQL instead of the embedded file. */
  databaseUrl?: string
  /**
   * `redis://…`: short-lived records and pub/sub go to Redis instead of the embedded file;
   * `redis+cluster://host:port,host:port…`: to a Redis Cluster.
   */
  redisUrl?: string
}

export interface Stores {
  /** Accounts, clients, signing keys: what must survive restarts. */
  durable: Store
  /** Sessions, codes, refresh bookkeeping, rate limits, revocation fan-out. */
  ephemeral: Store
  close(): Promise<void>
}

function checkUrl(name: string, value: string, protocols: string[]): void {
  let protocol: string
  try {
    protocol = new URL(value).protocol
  } catch {
    throw new TypeError(`@latchkey/store: ${name} is not a valid URL`)
  }
  if (!protocols.includes(protocol)) {
    throw new TypeError(`@latchkey/store: ${name} must start with ${protocols.join(' or ')}//`)
  }
}

function checkClusterUrl(name: string, value: string): void {
  try {
    parseClusterUrl(value)
  } catch (error) {
    // Names the variable and the format, never the value: it may hold a password.
    throw new TypeError((error as Error).message.replace('a cluster URL', name))
  }
}

/**
 * Opens the two stores Latchkey needs. With no URLs everything is embedded in one
 * `node:sqlite` file, so `npm start` needs no service at all.
 *
 * @example
 * const { durable, ephemeral, close } = openStores({ redisUrl: 'redis://127.0.0.1:6379' })
 */
export function openStores(options: OpenStoresOptions = {}): Stores {
  const { dataDir = './.latchkey', databaseUrl, redisUrl } = options
  if (databaseUrl) checkUrl('DATABASE_URL', databaseUrl, ['postgres:', 'postgresql:'])
  if (redisUrl && isClusterUrl(redisUrl)) checkClusterUrl('REDIS_URL', redisUrl)
  else if (redisUrl) checkUrl('REDIS_URL', redisUrl, ['redis:', 'rediss:'])
  let embedded: Store | undefined
  const sqlite = () => {
    embedded ??= sqliteStore({ path: join(dataDir, 'latchkey.db') })
    return embedded
  }
  const durable = databaseUrl ? postgresStore({ url: databaseUrl }) : sqlite()
  const ephemeral = redisUrl ? redisStore({ url: redisUrl }) : sqlite()
  return {
    durable,
    ephemeral,
    async close() {
      await Promise.all([...new Set([durable, ephemeral])].map((store) => store.close()))
    },
  }
}

/** `openStores` from `DATABASE_URL`, `REDIS_URL` and `LATCHKEY_DATA_DIR`. */
export function storesFromEnv(env: NodeJS.ProcessEnv = process.env): Stores {
  return openStores({
    dataDir: env.LATCHKEY_DATA_DIR || undefined,
    databaseUrl: env.DATABASE_URL || undefined,
    redisUrl: env.REDIS_URL || undefined,
  })
}
