/**
 * The one storage contract every Latchkey part is written against: the identity provider's
 * protocol records, accounts and keys, the backend's sessions, refresh bookkeeping, rate
 * limits and revocation fan-out. Each backend (memory, node:sqlite, Redis, PostgreSQL)
 * implements only these primitives and passes the same conformance suite
 * (`test/conformance.ts`).
 *
 * Records are JSON values under a (namespace, key) pair. A namespace is a plain string such
 * as `"session"` or `"grant:abc"`; keys are opaque strings. Time-to-live is in whole seconds;
 * an expired record is indistinguishable from a missing one.
 *
 * @module
 */

export interface WriteOptions {
  /** Seconds until the record expires. Omitted: it never expires. */
  ttl?: number
}

export interface IncrementOptions extends WriteOptions {
  /** Amount to add. @default 1 */
  by?: number
}

export interface StoreRecord<T> {
  key: string
  value: T
}

export type Unsubscribe = () => Promise<void>

export interface Store {
  /** Which backend this is, for logs and health output: `memory`, `sqlite`, `redis`, `postgres`. */
  readonly kind: string
  /** Reads a live record, or `undefined`. */
  get<T = unknown>(namespace: string, key: string): Promise<T | undefined>
  /** Writes a record, replacing whatever was there (and its TTL). */
  set(namespace: string, key: string, value: unknown, options?: WriteOptions): Promise<void>
  /**
   * Writes only when no live record exists. Atomic across every process sharing the store,
   * so it is the primitive for one-time claims and locks.
   * @returns `true` when this call wrote the record.
   */
  add(namespace: string, key: string, value: unknown, options?: WriteOptions): Promise<boolean>
  /** Removes a live record and returns its value in one atomic step (single-use codes). */
  take<T = unknown>(namespace: string, key: string): Promise<T | undefined>
  /** Removes a record; a missing one is not an error. */
  delete(namespace: string, key: string): Promise<void>
  /** Every live record of a namespace, in no particular order. Meant for small collections. */
  list<T = unknown>(namespace: string): Promise<StoreRecord<T>[]>
  /**
   * Adds to a counter (creating it at 0) and returns the new value, atomically. The TTL
   * applies only when the counter is created, which makes fixed rate-limit windows.
   */
  increment(namespace: string, key: string, options?: IncrementOptions): Promise<number>
  /** Sends a message to every subscriber of the channel, in every process on this store. */
  publish(channel: string, message: string): Promise<void>
  /** Listens on a channel until the returned function is called. */
  subscribe(channel: string, listener: (message: string) => void): Promise<Unsubscribe>
  /** Releases connections and timers. The store is unusable afterwards. */
  close(): Promise<void>
}
