import { createHash } from 'node:crypto'
import type { Pool, PoolClient } from 'pg'
import { guard } from './errors.ts'
import { checkName, ttlMs } from './lib/check_args.ts'
import { localBus } from './lib/local_bus.ts'
import type { IncrementOptions, Store, StoreRecord, Unsubscribe, WriteOptions } from './types.ts'

export interface PostgresStoreOptions {
  /** `postgres://user:password@host:port/database` */
  url: string
  /** Table holding the records; created when missing. @default 'latchkey_store' */
  table?: string
}

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/

/**
 * PostgreSQL for the durable records (accounts, clients, keys) when one process is not
 * enough. Every atomic operation is one statement; LISTEN/NOTIFY carries pub/sub.
 *
 * @example
 * const store = postgresStore({ url: process.env.DATABASE_URL })
 */
export function postgresStore(options: PostgresStoreOptions): Store {
  const { url, table = 'latchkey_store' } = options
  if (!IDENTIFIER.test(table)) {
    throw new TypeError('@latchkey/store: table must be a lower-case SQL identifier')
  }
  const bus = localBus()
  const live = `(expires_at IS NULL OR expires_at > now())`
  const expiresAt = (options?: WriteOptions) => {
    const ms = ttlMs(options)
    return ms === undefined ? null : new Date(Date.now() + ms)
  }
  // NOTIFY channels are identifiers (63 bytes): hash the channel name into one.
  const channelName = (channel: string) => {
    checkName('channel', channel)
    return `${table}_${createHash('sha256').update(channel).digest('hex').slice(0, 32)}`
  }
  const names = (namespace: string, key: string) => {
    checkName('namespace', namespace)
    checkName('key', key)
    return [namespace, key]
  }

  let pool: Promise<Pool> | undefined
  let listener: Promise<PoolClient> | undefined
  const open = async (): Promise<Pool> => {
    const { default: pg } = await import('pg')
    const created = new pg.Pool({ connectionString: url, connectionTimeoutMillis: 2000, max: 10 })
    // Idle-client errors (a restarted server) must not crash the process; the next query
    // gets a fresh connection or a StoreUnavailableError.
    created.on('error', () => {})
    await created.query(`CREATE TABLE IF NOT EXISTS ${table} (
      ns text NOT NULL, key text NOT NULL, value jsonb NOT NULL, expires_at timestamptz,
      PRIMARY KEY (ns, key))`)
    return created
  }
  const query = async <R extends object>(text: string, values: unknown[]) =>
    guard('postgres', async () => {
      pool ??= open().catch((error) => {
        pool = undefined
        throw error
      })
      return (await (await pool).query<R>(text, values)).rows
    })
  const sweeper = setInterval(() => {
    query(`DELETE FROM ${table} WHERE expires_at <= now()`, []).catch(() => {})
  }, 60_000)
  sweeper.unref()

  return {
    kind: 'postgres',
    async get<T>(namespace: string, key: string) {
      const rows = await query<{ value: T }>(
        `SELECT value FROM ${table} WHERE ns = $1 AND key = $2 AND ${live}`,
        names(namespace, key),
      )
      return rows[0]?.value
    },
    async set(namespace, key, value, options) {
      await query(
        `INSERT INTO ${table} (ns, key, value, expires_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (ns, key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at`,
        [...names(namespace, key), JSON.stringify(value), expiresAt(options)],
      )
    },
    async add(namespace, key, value, options) {
      const rows = await query(
        `INSERT INTO ${table} AS t (ns, key, value, expires_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (ns, key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at
         WHERE t.expires_at IS NOT NULL AND t.expires_at <= now() RETURNING 1`,
        [...names(namespace, key), JSON.stringify(value), expiresAt(options)],
      )
      return rows.length === 1
    },
    async take<T>(namespace: string, key: string) {
      const rows = await query<{ value: T }>(
        `DELETE FROM ${table} WHERE ns = $1 AND key = $2 AND ${live} RETURNING value`,
        names(namespace, key),
      )
      return rows[0]?.value
    },
    async delete(namespace, key) {
      await query(`DELETE FROM ${table} WHERE ns = $1 AND key = $2`, names(namespace, key))
    },
    async list<T>(namespace: string) {
      checkName('namespace', namespace)
      return query<StoreRecord<T>>(`SELECT key, value FROM ${table} WHERE ns = $1 AND ${live}`, [
        namespace,
      ])
    },
    async increment(namespace: string, key: string, options?: IncrementOptions) {
      const rows = await query<{ value: number }>(
        `INSERT INTO ${table} AS t (ns, key, value, expires_at) VALUES ($1, $2, to_jsonb($3::bigint), $4)
         ON CONFLICT (ns, key) DO UPDATE SET
           value = CASE WHEN t.expires_at IS NULL OR t.expires_at > now()
             THEN to_jsonb((t.value #>> '{}')::bigint + $3::bigint) ELSE excluded.value END,
           expires_at = CASE WHEN t.expires_at IS NULL OR t.expires_at > now()
             THEN t.expires_at ELSE excluded.expires_at END
         RETURNING value`,
        [...names(namespace, key), options?.by ?? 1, expiresAt(options)],
      )
      return Number(rows[0]?.value)
    },
    async publish(channel, message) {
      await query('SELECT pg_notify($1, $2)', [channelName(channel), message])
    },
    async subscribe(channel, onMessage): Promise<Unsubscribe> {
      const name = channelName(channel)
      listener ??= guard('postgres', async () => {
        pool ??= open()
        const client = await (await pool).connect()
        client.on('notification', (n) => bus.emit(n.channel, n.payload ?? ''))
        client.on('error', () => {})
        return client
      }).catch((error) => {
        listener = undefined
        throw error
      })
      const client = await listener
      if (bus.listenerCount(name) === 0)
        await guard('postgres', () => client.query(`LISTEN ${name}`))
      const off = bus.subscribe(name, onMessage)
      return async () => {
        await off()
        if (bus.listenerCount(name) === 0) await client.query(`UNLISTEN ${name}`).catch(() => {})
      }
    },
    async close() {
      clearInterval(sweeper)
      bus.clear()
      const [client, opened] = await Promise.allSettled([listener, pool])
      if (client.status === 'fulfilled') client.value?.release()
      if (opened.status === 'fulfilled') await opened.value?.end()
      listener = pool = undefined
    },
  }
}
