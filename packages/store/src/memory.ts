import { checkName, ttlMs } from './lib/check_args.ts'
import { localBus } from './lib/local_bus.ts'
import type { IncrementOptions, Store, StoreRecord, WriteOptions } from './types.ts'

interface Entry {
  json: string
  expiresAt: number | undefined
}

/**
 * The reference implementation: one process, nothing persisted. Values are stored as JSON
 * text so callers get copies, exactly as from the networked backends.
 *
 * @example
 * const store = memoryStore()
 * await store.set('session', id, { sub }, { ttl: 3600 })
 */
export function memoryStore(): Store {
  const namespaces = new Map<string, Map<string, Entry>>()
  const bus = localBus()

  const live = (namespace: string, key: string): Entry | undefined => {
    checkName('namespace', namespace)
    checkName('key', key)
    const entries = namespaces.get(namespace)
    const entry = entries?.get(key)
    if (entry?.expiresAt !== undefined && entry.expiresAt <= Date.now()) {
      entries?.delete(key)
      return undefined
    }
    return entry
  }

  const write = (namespace: string, key: string, value: unknown, options?: WriteOptions) => {
    const ms = ttlMs(options)
    const entries = namespaces.get(namespace) ?? new Map<string, Entry>()
    namespaces.set(namespace, entries)
    entries.set(key, {
      json: JSON.stringify(value),
      expiresAt: ms === undefined ? undefined : Date.now() + ms,
    })
  }

  return {
    kind: 'memory',
    async get<T>(namespace: string, key: string) {
      const entry = live(namespace, key)
      return entry && (JSON.parse(entry.json) as T)
    },
    async set(namespace, key, value, options) {
      live(namespace, key)
      write(namespace, key, value, options)
    },
    async add(namespace, key, value, options) {
      if (live(namespace, key)) return false
      write(namespace, key, value, options)
      return true
    },
    async take<T>(namespace: string, key: string) {
      const entry = live(namespace, key)
      if (!entry) return undefined
      namespaces.get(namespace)?.delete(key)
      return JSON.parse(entry.json) as T
    },
    async delete(namespace, key) {
      live(namespace, key)
      namespaces.get(namespace)?.delete(key)
    },
    async list<T>(namespace: string) {
      checkName('namespace', namespace)
      const records: StoreRecord<T>[] = []
      for (const key of [...(namespaces.get(namespace)?.keys() ?? [])]) {
        const entry = live(namespace, key)
        if (entry) records.push({ key, value: JSON.parse(entry.json) as T })
      }
      return records
    },
    async increment(namespace: string, key: string, options?: IncrementOptions) {
      const entry = live(namespace, key)
      const by = options?.by ?? 1
      if (!entry) {
        write(namespace, key, by, options)
        return by
      }
      const next = (JSON.parse(entry.json) as number) + by
      entry.json = JSON.stringify(next)
      return next
    },
    async publish(channel, message) {
      checkName('channel', channel)
      bus.emit(channel, message)
    },
    async subscribe(channel, listener) {
      return bus.subscribe(channel, listener)
    },
    async close() {
      namespaces.clear()
      bus.clear()
    },
  }
}
