import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, expect, it } from 'vitest'
import { sqliteStore } from '../src/index.ts'
import { runStoreConformance } from './conformance.ts'

const dir = mkdtempSync(join(tmpdir(), 'latchkey-sqlite-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
let n = 0

runStoreConformance('sqlite', async () => sqliteStore({ path: join(dir, `t${n++}.db`) }))

it('two stores on one file share records and published messages, as two processes would', async () => {
  const path = join(dir, 'shared.db')
  const a = sqliteStore({ path, pollInterval: 20 })
  const b = sqliteStore({ path, pollInterval: 20 })
  try {
    await a.set('session', 's1', { sub: 'alice' })
    expect(await b.get('session', 's1')).toEqual({ sub: 'alice' })
    expect(await b.add('lock', 'l', 1)).toBe(true)
    expect(await a.add('lock', 'l', 2)).toBe(false)
    const received: string[] = []
    await b.subscribe('revoked', (m) => received.push(m))
    await a.publish('revoked', 'sid-9')
    await expect.poll(() => received, { timeout: 2000 }).toEqual(['sid-9'])
  } finally {
    await a.close()
    await b.close()
  }
})
