import { randomUUID } from 'node:crypto'
import type { Store } from '@latchkey/store'
import type Provider from 'oidc-provider'
import type { Audit } from './audit.ts'

/** oidc-provider's Client has backchannelLogout(sub, sid); its typings omit it. */
interface LogoutClient {
  backchannelLogoutUri?: string
  backchannelLogout(sub: string, sid: string): Promise<void>
}

interface Pending {
  clientId: string
  accountId: string
  sid: string
  /** Deliveries tried so far. */
  tries: number
  /** When the next try is due, epoch ms. */
  due: number
}

const NS = 'backchannel:pending'

/**
 * Back-channel logout delivery that survives a short outage of a backend (OIDC Back-Channel
 * Logout 1.0 §2.8 leaves retries to the OP): a delivery that fails is tried again after each
 * of `retryDelays` (seconds), each time with a fresh logout token. Pending retries are kept in
 * the store, so any IdP instance — or this one after a restart — delivers them; `take`
 * hands each one to exactly one instance.
 */
export function backchannelDelivery(
  provider: () => Provider,
  store: Store,
  audit: Audit,
  retryDelays: readonly number[],
  pollMs = 1000,
) {
  const attempt = async (job: Omit<Pending, 'due'>) => {
    const { clientId, accountId, sid, tries } = job
    try {
      const client = (await provider().Client.find(clientId)) as LogoutClient | undefined
      if (!client?.backchannelLogoutUri) return
      await client.backchannelLogout(accountId, sid)
      audit('backchannel.sent', { clientId, accountId, attempt: tries + 1 })
    } catch (error) {
      await failed(job, error as Error)
    }
  }
  const failed = async (job: Omit<Pending, 'due'>, error: Error) => {
    const delay = retryDelays[job.tries]
    audit('backchannel.failed', {
      clientId: job.clientId,
      accountId: job.accountId,
      attempt: job.tries + 1,
      reason: error.message,
      retryIn: delay ?? null,
    })
    if (delay === undefined) return
    const pending: Pending = { ...job, tries: job.tries + 1, due: Date.now() + delay * 1000 }
    await store
      .set(NS, randomUUID(), pending, { ttl: Math.ceil(delay) + 3600 })
      .catch(() =>
        audit('backchannel.dropped', { clientId: job.clientId, accountId: job.accountId }),
      )
  }
  const due = async () => {
    const now = Date.now()
    for (const { key, value } of await store.list<Pending>(NS)) {
      if (value.due > now) continue
      const job = await store.take<Pending>(NS, key) // one instance gets it
      if (job) await attempt(job)
    }
  }
  let running = false
  const timer = setInterval(() => {
    if (running) return
    running = true
    due()
      .catch(() => undefined) // the store is down: the jobs wait there for the next tick
      .finally(() => {
        running = false
      })
  }, pollMs)
  timer.unref()

  return {
    /** Delivers now (awaited); a failure is queued for retries. */
    send: (clientId: string, accountId: string, sid: string) =>
      attempt({ clientId, accountId, sid, tries: 0 }),
    /** For a delivery oidc-provider made itself (RP-initiated logout) and that failed. */
    retry: (clientId: string, accountId: string, sid: string, error: Error) =>
      failed({ clientId, accountId, sid, tries: 0 }, error),
    stop: () => clearInterval(timer),
  }
}

export type BackchannelDelivery = ReturnType<typeof backchannelDelivery>
