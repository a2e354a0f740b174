import { describe, expect, it } from 'vitest'
import { boundedCache } from '../src/lib/bounded_cache.ts'

describe('the verified-token cache', () => {
  it('never holds more than its capacity', () => {
    const cache = boundedCache<number>(100)
    for (let i = 0; i < 1000; i++) cache.set(`t${i}`, i)
    expect(cache.size).toBe(100)
  })

  it('keeps most hits when more users than it holds take turns (oldest-first would miss every time)', () => {
    const capacity = 1000
    const users = 1100
    const cache = boundedCache<number>(capacity)
    let hits = 0
    let lookups = 0
    for (let round = 0; round < 20; round++) {
      for (let user = 0; user < users; user++) {
        const key = `token-${user}`
        lookups++
        if (cache.get(key) === undefined) cache.set(key, user)
        else hits++
      }
    }
    // Random eviction settles near capacity ÷ users (0.91); the bound leaves room for chance.
    expect(hits / lookups).toBeGreaterThan(0.6)
  })

  it('replaces a key it already holds without evicting another', () => {
    const cache = boundedCache<number>(2)
    cache.set('a', 1)
    cache.set('b', 2)
    cache.set('a', 3)
    expect([cache.get('a'), cache.get('b'), cache.size]).toEqual([3, 2, 2])
  })
})
