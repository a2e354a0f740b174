import { StoreUnavailableError } from './errors.ts'
import type { Store } from './types.ts'

/**
 * Checks that every store answers a read within `timeoutMs`, for readiness probes and for
 * refusing to start on an unreachable service. Throws the first store's
 * `StoreUnavailableError` (its `kind` says which backend, its `cause` why).
 */
export async function probeStores(
  stores: { durable: Store; ephemeral: Store },
  timeoutMs = 2000,
): Promise<void> {
  await Promise.all(
    [...new Set([stores.durable, stores.ephemeral])].map(async (store) => {
      let timer: NodeJS.Timeout | undefined
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new StoreUnavailableError(store.kind, new Error('timed out'))),
          timeoutMs,
        )
      })
      try {
        // A read of a key nobody writes: the cheapest round trip every backend has.
        await Promise.race([store.get('health', 'probe'), timeout])
      } catch (error) {
        throw error instanceof StoreUnavailableError
          ? error
          : new StoreUnavailableError(store.kind, error)
      } finally {
        clearTimeout(timer)
      }
    }),
  )
}
