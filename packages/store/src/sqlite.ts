import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import type { StatementSync } from 'node:sqlite'
import { guard } from './errors.ts'
import { checkName, ttlMs } from './lib/check_args.ts'
import { localBus } from './lib/local_bus.ts'
import type { IncrementOptions, Store, StoreRecord, Unsubscribe, WriteOptions } from './types.ts'

export interface SqliteStoreOptions {
  /** Database file; created with its directory when missing. `':memory:'` for tests. */
  path: string
  /** How often other processes' published messages are picked up, in ms. @default 150 */
  pollInterval?: number
}

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS records (
    ns TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, expires_at INTEGER,
    PRIMARY KEY (ns, key)
  ) WITHOUT ROWID;
  CREATE INDEX IF NOT EXISTS records_expiry ON records (expires_at) WHERE expires_at IS NOT NULL;
  CREATE TABLE IF NOT EXISTS messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT, channel TEXT NOT NULL, message TEXT NOT NULL,
    origin TEXT NOT NULL, created_at INTEGER NOT NULL
  );
`

// A record is live while `expires_at` is NULL or in the future; every statement says so
// itself, so a concurrent writer in another process can never be read half-expired.
const LIVE = '(expires_at IS NULL OR expires_at > :now)'

/**
 * The embedded default: one `node:sqlite` file that several processes on the same machine
 * (the IdP, backends, the CLI) share. WAL mode lets readers run beside a writer; every
 * atomic operation is a single statement, which SQLite serialises across processes.
 *
 * @example
 * const store = sqliteStore({ path: '.latchkey/latchkey.db' })
 */
export function sqliteStore(options: SqliteStoreOptions): Store {
  const { path, pollInterval = 150 } = options
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true, mode: 0o700 })
  // Loaded here, not on import: Node 22 warns that node:sqlite is experimental, and an app that
  // only imports the package (a backend on the memory or Redis store) must start quietly.
  const { DatabaseSync } = process.getBuiltinModule('node:sqlite')
  const db = new DatabaseSync(path)
  // The busy timeout first: switching a new file to WAL takes a lock, and processes opening
  // it at the same moment (the IdP and the CLI) must wait for it rather than fail.
  db.exec('PRAGMA busy_timeout = 5000; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;')
  db.exec(SCHEMA)

  const sql = (text: string): StatementSync => db.prepare(text)
  const statements = {
    get: sql(`SELECT value FROM records WHERE ns = :ns AND key = :key AND ${LIVE}`),
    set: sql(`INSERT INTO records (ns, key, value, expires_at) VALUES (:ns, :key, :value, :exp)
      ON CONFLICT (ns, key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at`),
    add: sql(`INSERT INTO records (ns, key, value, expires_at) VALUES (:ns, :key, :value, :exp)
      ON CONFLICT (ns, key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at
      WHERE records.expires_at IS NOT NULL AND records.expires_at <= :now`),
    take: sql(`DELETE FROM records WHERE ns = :ns AND key = :key AND ${LIVE} RETURNING value`),
    delete: sql('DELETE FROM records WHERE ns = :ns AND key = :key'),
    list: sql(`SELECT key, value FROM records WHERE ns = :ns AND ${LIVE}`),
    increment: sql(`INSERT INTO records (ns, key, value, expires_at) VALUES (:ns, :key, :by, :exp)
      ON CONFLICT (ns, key) DO UPDATE SET
        value = CASE WHEN ${LIVE.replaceAll('expires_at', 'records.expires_at')}
          THEN CAST(records.value AS INTEGER) + :by ELSE :by END,
        expires_at = CASE WHEN ${LIVE.replaceAll('expires_at', 'records.expires_at')}
          THEN records.expires_at ELSE excluded.expires_at END
      RETURNING value`),
    sweep: sql('DELETE FROM records WHERE expires_at IS NOT NULL AND expires_at <= :now'),
    publish: sql(`INSERT INTO messages (channel, message, origin, created_at)
      VALUES (:channel, :message, :origin, :now)`),
    lastMessage: sql('SELECT COALESCE(MAX(id), 0) AS id FROM messages'),
    poll: sql('SELECT id, channel, message FROM messages WHERE id > :after AND origin != :origin'),
    prune: sql('DELETE FROM messages WHERE created_at < :before'),
  }

  const origin = crypto.randomUUID()
  const bus = localBus()
  let lastSeen = Number((statements.lastMessage.get() as { id: number }).id)

  // Other processes' messages arrive by polling; this process's are delivered at once.
  const poller = setInterval(() => {
    try {
      for (const row of statements.poll.all({ after: lastSeen, origin }) as {
        id: number
        channel: string
        message: string
      }[]) {
        lastSeen = Math.max(lastSeen, Number(row.id))
        bus.emit(row.channel, row.message)
      }
    } catch {
      // A busy or closed database: the next tick tries again.
    }
  }, pollInterval)
  poller.unref()
  const sweeper = setInterval(() => {
    try {
      const now = Date.now()
      statements.sweep.run({ now })
      statements.prune.run({ before: now - 60_000 })
    } catch {
      // Sweeping is housekeeping; reads never depend on it.
    }
  }, 30_000)
  sweeper.unref()

  const run = <T>(operation: () => T) => guard('sqlite', async () => operation())
  const key = (namespace: string, k: string) => {
    checkName('namespace', namespace)
    checkName('key', k)
    return { ns: namespace, key: k, now: Date.now() }
  }
  const expiry = (options?: WriteOptions) => {
    const ms = ttlMs(options)
    return ms === undefined ? null : Date.now() + ms
  }
  const parse = <T>(row: unknown) =>
    row === undefined ? undefined : (JSON.parse((row as { value: string }).value) as T)

  return {
    kind: 'sqlite',
    async get<T>(namespace: string, k: string) {
      const params = key(namespace, k)
      return await run(() => parse<T>(statements.get.get(params)))
    },
    async set(namespace, k, value, options) {
      const params = { ...key(namespace, k), value: JSON.stringify(value), exp: expiry(options) }
      return await run(() => {
        const { now: _, ...write } = params
        statements.set.run(write)
      })
    },
    async add(namespace, k, value, options) {
      const params = { ...key(namespace, k), value: JSON.stringify(value), exp: expiry(options) }
      return await run(() => Number(statements.add.run(params).changes) === 1)
    },
    async take<T>(namespace: string, k: string) {
      const params = key(namespace, k)
      return await run(() => parse<T>(statements.take.get(params)))
    },
    async delete(namespace, k) {
      const { now: _, ...params } = key(namespace, k)
      return await run(() => {
        statements.delete.run(params)
      })
    },
    async list<T>(namespace: string) {
      checkName('namespace', namespace)
      return await run(() =>
        (
          statements.list.all({
            ns: namespace,
            now: Date.now(),
          }) as unknown as StoreRecord<string>[]
        ).map((row): StoreRecord<T> => ({ key: row.key, value: JSON.parse(row.value) as T })),
      )
    },
    async increment(namespace: string, k: string, options?: IncrementOptions) {
      const params = { ...key(namespace, k), by: options?.by ?? 1, exp: expiry(options) }
      return await run(() => Number((statements.increment.get(params) as { value: number }).value))
    },
    async publish(channel, message) {
      checkName('channel', channel)
      return await run(() => {
        statements.publish.run({ channel, message, origin, now: Date.now() })
        bus.emit(channel, message)
      })
    },
    async subscribe(channel, listener): Promise<Unsubscribe> {
      return bus.subscribe(channel, listener)
    },
    async close() {
      clearInterval(poller)
      clearInterval(sweeper)
      bus.clear()
      if (db.isOpen) db.close()
    },
  }
}
