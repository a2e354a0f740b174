/**
 * Raised when the backing service cannot be reached or fails. Callers map it to
 * `503 store_unavailable`: a dead Redis must never become a 500 or a half-written state.
 */
export class StoreUnavailableError extends Error {
  static code = 'store_unavailable'
  code = StoreUnavailableError.code
  override name = 'StoreUnavailableError'
  /** The backend that failed: `postgres`, `redis`, `sqlite`. */
  readonly kind: string

  constructor(kind: string, cause?: unknown) {
    super(`${kind} store is unavailable`, { cause })
    this.kind = kind
  }
}

/** Wraps a backend call so that any failure of the service surfaces as StoreUnavailableError. */
export async function guard<T>(kind: string, operation: () => Promise<T>): Promise<T> {
  try {
    return await operation()
  } catch (error) {
    if (error instanceof TypeError || error instanceof RangeError) throw error
    throw new StoreUnavailableError(kind, error)
  }
}
