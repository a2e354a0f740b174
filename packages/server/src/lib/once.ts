/**
 * A lazily started async value, shared by every caller: started on the first call, and
 * started again on the next call after a failure (an IdP that was down at the first request
 * is asked again), never while one attempt is in flight.
 */
export function once<T>(start: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined
  return () => {
    if (!pending) {
      pending = start()
      // Attached once, when started: a failure clears the slot for the next caller.
      pending.catch(() => {
        pending = undefined
      })
    }
    return pending
  }
}
