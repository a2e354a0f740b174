/**
 * One refresh however many requests fail at once (the seeds' race condition):
 * - in a tab, concurrent callers share one in-flight refresh;
 * - a request that was sent before the last refresh finished (in this tab or another) failed
 *   with the old cookie: it is simply retried, never refreshed again;
 * - across tabs, a Web Lock lets one tab refresh while the others wait. A tab that had to wait
 *   first asks whether the refresh it waited for already fixed things (`probe`), and refreshes
 *   only if not — the cookie jar is shared by the tabs, so their answer is reliable.
 * Without Web Locks (old browsers) it degrades to one refresh per tab.
 */
export function refreshGate(
  lockName: string,
  refresh: () => Promise<boolean>,
  probe: () => Promise<boolean>,
) {
  let inflight: Promise<boolean> | undefined
  const locks =
    typeof navigator !== 'undefined' ? (navigator as { locks?: LockManager }).locks : undefined
  const lastRefresh = refreshClock(`${lockName}:at`)

  /** Refreshes, and records when it succeeded for this tab and the others. */
  const refreshNow = async () => {
    const ok = await refresh()
    if (ok) lastRefresh.set(Date.now())
    return ok
  }
  const acrossTabs = async (sentAt: number): Promise<boolean> => {
    if (!locks) return refreshNow()
    const stale = () => lastRefresh.get() >= sentAt
    const immediate = await locks.request(lockName, { ifAvailable: true }, async (lock) =>
      lock ? { done: stale() || (await refreshNow()) } : undefined,
    )
    if (immediate) return immediate.done
    return locks.request(lockName, async () => stale() || (await probe()) || refreshNow())
  }

  /**
   * @param sentAt when the request that failed was sent (`Date.now()`): if a refresh finished
   *   since, the request only carried the old cookie and needs a retry, not a refresh.
   */
  return function refreshOnce(sentAt: number): Promise<boolean> {
    if (lastRefresh.get() >= sentAt) return Promise.resolve(true)
    inflight ??= acrossTabs(sentAt).finally(() => {
      inflight = undefined
    })
    return inflight
  }
}

/**
 * When the last refresh finished, shared by the tabs of an origin through localStorage (a
 * timestamp, nothing secret), with an in-memory copy where storage is unavailable.
 */
function refreshClock(key: string) {
  let local = 0
  const storage = (): Storage | undefined => {
    try {
      return typeof localStorage === 'undefined' ? undefined : localStorage
    } catch {
      return undefined // sandboxed frames and strict privacy modes throw on access
    }
  }
  return {
    get: () => Math.max(local, Number(storage()?.getItem(key)) || 0),
    set(at: number) {
      local = at
      try {
        storage()?.setItem(key, String(at))
      } catch {
        // Quota or privacy mode: this tab still remembers.
      }
    },
  }
}
