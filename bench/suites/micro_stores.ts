/**
 * The store operations on the hot paths: a session lookup (every request in session mode) and
 * a session write (every login and refresh). Baseline: the in-process memory store; the
 * others show what sharing state between processes costs. 32 operations in flight at once,
 * as under concurrent requests.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import {
  memoryStore,
  postgresStore,
  redisStore,
  type Store,
  sqliteStore,
} from '../../packages/store/src/index.ts'
import { compare } from '../lib/harness.ts'

const PARALLEL = 32
const POSTGRES = process.env.LATCHKEY_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
const session = {
  tokens: { access: 'x'.repeat(600), refresh: 'y'.repeat(43), expiresAt: 2_000_000_000 },
  sid: 'sid-123',
}

export async function benchStores() {
  const dir = mkdtempSync(join(tmpdir(), 'latchkey-bench-'))
  const prefix = `bench-${process.pid}`
  const stores: Store[] = [
    memoryStore(),
    sqliteStore({ path: join(dir, 'bench.db') }),
    redisStore({
      url: process.env.LATCHKEY_REDIS_URL ?? 'redis://127.0.0.1:6379',
      prefix: `${prefix}:`,
    }),
    postgresStore({
      url: POSTGRES,
      table: 'latchkey_bench',
    }),
  ]
  const keys = Array.from({ length: PARALLEL }, (_, i) => `session-${i}`)
  try {
    for (const store of stores)
      for (const key of keys) await store.set('bench', key, session, { ttl: 600 })
    const cases = (op: (store: Store, key: string) => Promise<unknown>) =>
      stores.map((store, i) => ({
        name: `${store.kind}${i === 0 ? ' (baseline)' : ''}`,
        batch: PARALLEL,
        run: () => Promise.all(keys.map((key) => op(store, key))),
      }))
    const get = await compare(
      `session lookup: store.get, ${PARALLEL} in flight`,
      cases((store, key) => store.get('bench', key)),
    )
    const set = await compare(
      `session write: store.set with TTL, ${PARALLEL} in flight`,
      cases((store, key) => store.set('bench', key, session, { ttl: 600 })),
    )
    return { get, set }
  } finally {
    for (const store of stores) {
      for (const key of keys) await store.delete('bench', key).catch(() => undefined)
      await store.close()
    }
    rmSync(dir, { recursive: true, force: true })
    const client = new pg.Client({ connectionString: POSTGRES })
    await client.connect()
    await client.query('DROP TABLE IF EXISTS latchkey_bench')
    await client.end()
  }
}
