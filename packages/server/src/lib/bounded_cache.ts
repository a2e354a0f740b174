/**
 * A map of at most `capacity` entries that evicts a random one when full. Not oldest-first:
 * under a steady cycle of more distinct keys than it holds (more signed-in users than the
 * cache has room for, each sending requests in turn), oldest-first evicts exactly the key that
 * comes round next and misses every time, while random eviction keeps a hit rate close to
 * capacity ÷ keys. Every operation is O(1).
 */
export function boundedCache<V>(capacity: number) {
  const entries = new Map<string, V>()
  const keys: string[] = []
  return {
    get: (key: string): V | undefined => entries.get(key),
    set(key: string, value: V): void {
      if (entries.has(key)) {
        entries.set(key, value)
        return
      }
      if (keys.length < capacity) keys.push(key)
      else {
        const slot = Math.floor(Math.random() * capacity)
        entries.delete(keys[slot] as string)
        keys[slot] = key
      }
      entries.set(key, value)
    },
    get size(): number {
      return entries.size
    },
  }
}
