import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Store } from '../src/index.ts'

/**
 * The one suite every Store backend must pass. A backend's test file only supplies a
 * factory; `fresh()` must return a store isolated from other test files (own prefix, schema
 * or file), because test files run in parallel.
 */
export function runStoreConformance(name: string, fresh: () => Promise<Store>): void {
  describe(`Store conformance: ${name}`, () => {
    let store: Store
    beforeEach(async () => {
      store = await fresh()
    })
    afterEach(async () => {
      await store.close()
    })

    const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

    it('round-trips JSON values and returns copies', async () => {
      const value = { a: 1, nested: { list: [1, 'two', null] }, flag: true }
      await store.set('ns', 'k', value)
      const read = await store.get<typeof value>('ns', 'k')
      expect(read).toEqual(value)
      expect(read).not.toBe(value)
      await store.set('ns', 'n', 42)
      expect(await store.get('ns', 'n')).toBe(42)
    })

    it('returns undefined for a missing record and keeps namespaces apart', async () => {
      expect(await store.get('ns', 'missing')).toBeUndefined()
      await store.set('a', 'k', 'in-a')
      expect(await store.get('b', 'k')).toBeUndefined()
    })

    it('treats names with separators and glob characters as plain text', async () => {
      await store.set('ns:*', 'k?[x]', 1)
      await store.set('ns', '*', 2)
      expect(await store.get('ns:*', 'k?[x]')).toBe(1)
      expect(await store.get('ns', 'k?[x]')).toBeUndefined()
      expect(await store.list('ns:*')).toEqual([{ key: 'k?[x]', value: 1 }])
      expect(await store.list('ns')).toEqual([{ key: '*', value: 2 }])
    })

    it('replaces a record and its TTL on set', async () => {
      await store.set('ns', 'k', 1, { ttl: 1 })
      await store.set('ns', 'k', 2)
      await sleep(1100)
      expect(await store.get('ns', 'k')).toBe(2)
    })

    it('expires records after their TTL', async () => {
      await store.set('ns', 'short', 'x', { ttl: 1 })
      await store.set('ns', 'long', 'y', { ttl: 60 })
      expect(await store.get('ns', 'short')).toBe('x')
      await sleep(1100)
      expect(await store.get('ns', 'short')).toBeUndefined()
      expect(await store.get('ns', 'long')).toBe('y')
      expect(await store.list('ns')).toEqual([{ key: 'long', value: 'y' }])
    })

    it('add writes only when no live record exists', async () => {
      expect(await store.add('ns', 'k', 'first', { ttl: 1 })).toBe(true)
      expect(await store.add('ns', 'k', 'second')).toBe(false)
      expect(await store.get('ns', 'k')).toBe('first')
      await sleep(1100)
      expect(await store.add('ns', 'k', 'third')).toBe(true)
      expect(await store.get('ns', 'k')).toBe('third')
    })

    it('add is atomic: of many concurrent claims exactly one wins', async () => {
      const results = await Promise.all(
        Array.from({ length: 25 }, (_, i) => store.add('lock', 'one', i, { ttl: 30 })),
      )
      expect(results.filter(Boolean)).toHaveLength(1)
    })

    it('take returns a record once and removes it', async () => {
      await store.set('code', 'c1', { sub: 'u' }, { ttl: 60 })
      const taken = await Promise.all([store.take('code', 'c1'), store.take('code', 'c1')])
      expect(taken.filter((v) => v !== undefined)).toEqual([{ sub: 'u' }])
      expect(await store.get('code', 'c1')).toBeUndefined()
      expect(await store.take('code', 'never')).toBeUndefined()
    })

    it('take does not return an expired record', async () => {
      await store.set('code', 'c2', 1, { ttl: 1 })
      await sleep(1100)
      expect(await store.take('code', 'c2')).toBeUndefined()
    })

    it('delete removes a record and ignores a missing one', async () => {
      await store.set('ns', 'k', 1)
      await store.delete('ns', 'k')
      await store.delete('ns', 'k')
      expect(await store.get('ns', 'k')).toBeUndefined()
      expect(await store.list('ns')).toEqual([])
    })

    it('lists every live record of a namespace', async () => {
      await store.set('users', 'u1', { name: 'alice' })
      await store.set('users', 'u2', { name: 'bob' })
      await store.set('other', 'u3', { name: 'eve' })
      const listed = await store.list<{ name: string }>('users')
      expect(listed.sort((a, b) => a.key.localeCompare(b.key))).toEqual([
        { key: 'u1', value: { name: 'alice' } },
        { key: 'u2', value: { name: 'bob' } },
      ])
    })

    it('increments atomically, with the TTL set at creation only', async () => {
      const values = await Promise.all(
        Array.from({ length: 20 }, () => store.increment('rate', 'ip', { ttl: 1 })),
      )
      expect(values.sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1))
      expect(await store.increment('rate', 'ip', { by: 5, ttl: 60 })).toBe(25)
      await sleep(1100)
      expect(await store.get('rate', 'ip')).toBeUndefined()
      expect(await store.increment('rate', 'ip')).toBe(1)
    })

    it('gives back with a negative amount, within the window the counter began', async () => {
      // A reservation given back (a rate limit's attempt that turned out right): the count
      // returns to zero, and counting on keeps the window of the counter's creation.
      expect(await store.increment('rate', 'held', { ttl: 1 })).toBe(1)
      expect(await store.increment('rate', 'held', { by: -1, ttl: 1 })).toBe(0)
      await sleep(500)
      expect(await store.increment('rate', 'held', { ttl: 1 })).toBe(1)
      await sleep(600)
      expect(await store.get('rate', 'held')).toBeUndefined()
    })

    it('delivers published messages to subscribers until they unsubscribe', async () => {
      const received: string[] = []
      const unsubscribe = await store.subscribe('revoked', (m) => received.push(m))
      await store.publish('revoked', 'sid-1')
      await store.publish('other', 'not-for-us')
      await expect.poll(() => received, { timeout: 3000 }).toEqual(['sid-1'])
      await unsubscribe()
      await store.publish('revoked', 'sid-2')
      await sleep(600)
      expect(received).toEqual(['sid-1'])
    })

    it('refuses caller mistakes with a TypeError', async () => {
      await expect(store.get('', 'k')).rejects.toBeInstanceOf(TypeError)
      await expect(store.set('ns', 'k', 1, { ttl: -1 })).rejects.toBeInstanceOf(TypeError)
      await expect(store.set('ns', 'k', 1, { ttl: Number.NaN })).rejects.toBeInstanceOf(TypeError)
    })
  })
}
