import { spawn } from 'node:child_process'
import { once } from 'node:events'
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

it('several processes opening a new file at once all succeed', async () => {
  const source = new URL('../src/sqlite.ts', import.meta.url).href
  // Each process loads the store, says so, and opens the file when told: all at one moment.
  const script = `import { sqliteStore } from '${source}'
    process.stdout.write('ready')
    const path = await new Promise((resolve) => process.stdin.once('data', (d) => resolve(String(d))))
    const store = sqliteStore({ path })
    await store.set('n', String(process.pid), 1)
    await store.close()
    process.exit(0)`
  const start = async () => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script])
    let err = ''
    child.stderr.on('data', (d) => (err += d))
    const closed = once(child, 'close').then(([code]) => ({ code, err }))
    await once(child.stdout, 'data')
    return { child, closed }
  }
  for (let round = 0; round < 3; round++) {
    const path = join(dir, `race${round}.db`)
    const processes = await Promise.all([start(), start(), start(), start()])
    for (const { child } of processes) child.stdin.write(path)
    const results = await Promise.all(processes.map((p) => p.closed))
    expect(results).toEqual(Array(4).fill({ code: 0, err: '' }))
    const store = sqliteStore({ path })
    expect(await store.list('n')).toHaveLength(4)
    await store.close()
  }
})
