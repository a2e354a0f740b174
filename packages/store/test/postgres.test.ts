import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { afterAll, expect, it } from 'vitest'
import { postgresStore, StoreUnavailableError } from '../src/index.ts'
import { runStoreConformance } from './conformance.ts'

const url = process.env.LATCHKEY_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
const run = `t_${randomBytes(6).toString('hex')}`
const tables: string[] = []

afterAll(async () => {
  const client = new pg.Client(url)
  await client.connect()
  for (const table of tables) await client.query(`DROP TABLE IF EXISTS ${table}`)
  await client.end()
})

runStoreConformance('postgres', async () => {
  const table = `${run}_${tables.length}`
  tables.push(table)
  return postgresStore({ url, table })
})

it('fails fast with StoreUnavailableError when PostgreSQL is unreachable', async () => {
  const store = postgresStore({ url: 'postgres://postgres@127.0.0.1:1/test' })
  await expect(store.get('users', 'x')).rejects.toBeInstanceOf(StoreUnavailableError)
  await store.close()
})

it('refuses a table name that is not a plain identifier', () => {
  expect(() => postgresStore({ url, table: 'x; DROP TABLE users' })).toThrow(TypeError)
})
