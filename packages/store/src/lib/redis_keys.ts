import { checkName } from './check_args.ts'

/**
 * Where the Redis store keeps each record, namespace index and channel. Names are
 * URI-encoded before they are joined with `:`, so a `:`, `*`, `{` or `}` inside a namespace
 * or key can never reach another record or hash tag.
 */
export interface RedisKeys {
  record(namespace: string, key: string): string
  /** The index (sorted set) that lists `key`; written in the same script as its record. */
  index(namespace: string, key: string): string
  /** Every index of a namespace, for `list`. */
  indexes(namespace: string): string[]
  channel(channel: string): string
}

/**
 * On a Redis Cluster a namespace is cut into this many buckets, each its own hash slot, so
 * a big namespace (every session) spreads over the masters instead of loading one, while a
 * record and the index that lists it always share a slot. Changing it moves every record:
 * it is part of the key layout.
 */
export const CLUSTER_BUCKETS = 16

// FNV-1a, 32 bits: cheap, stable across processes and versions, and well spread on short ids.
function bucketOf(key: string): number {
  let hash = 0x811c9dc5
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i)
    hash = Math.imul(hash, 0x01000193)
  }
  return (hash >>> 0) % CLUSTER_BUCKETS
}

/**
 * Single Redis: `<prefix>r:<ns>:<key>` and `<prefix>i:<ns>` (the layout since 0.1, kept so
 * that an upgrade signs nobody out). Cluster: `<prefix>r:{<ns>:<b>}:<key>` and
 * `<prefix>i:{<ns>:<b>}`, where the braces are the hash tag (Redis Cluster specification,
 * "Hash tags"): only `<ns>:<b>` picks the slot, so every script touches one slot.
 */
export function redisKeys(prefix: string, cluster: boolean): RedisKeys {
  if (cluster && /[{}]/.test(prefix)) {
    // A brace in the prefix would become the hash tag and could split a record from its index.
    throw new TypeError('@latchkey/store: a Redis Cluster prefix cannot contain { or }')
  }
  const encode = encodeURIComponent
  const slotOf = (namespace: string, bucket: number) =>
    cluster ? `{${encode(namespace)}:${bucket}}` : encode(namespace)
  return {
    record(namespace, key) {
      checkName('namespace', namespace)
      checkName('key', key)
      return `${prefix}r:${slotOf(namespace, bucketOf(key))}:${encode(key)}`
    },
    index: (namespace, key) => `${prefix}i:${slotOf(namespace, bucketOf(key))}`,
    indexes(namespace) {
      checkName('namespace', namespace)
      if (!cluster) return [`${prefix}i:${slotOf(namespace, 0)}`]
      return Array.from({ length: CLUSTER_BUCKETS }, (_, b) => `${prefix}i:${slotOf(namespace, b)}`)
    },
    channel(channel) {
      checkName('channel', channel)
      return `${prefix}c:${encode(channel)}`
    },
  }
}
