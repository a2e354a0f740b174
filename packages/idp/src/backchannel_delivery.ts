import type Provider from 'oidc-provider'
import type { Audit } from './audit.ts'

/** oidc-provider's Client has backchannelLogout(sub, sid); its typings omit it. */
interface LogoutClient {
  backchannelLogoutUri?: string
  backchannelLogout(sub: string, sid: string): Promise<void>
}

/**
 * Back-channel logout delivery that survives a short outage of a backend (OIDC Back-Channel
 * Logout 1.0 §2.8 leaves retries to the OP): a delivery that fails is tried again after each
 * of `retryDelays` (seconds), each time with a fresh logout token. Retries are kept in this
 * process: an IdP restart drops the pending ones.
 */
export function backchannelDelivery(
  provider: () => Provider,
  audit: Audit,
  retryDelays: readonly number[],
) {
  const attempt = async (clientId: string, accountId: string, sid: string, tries: number) => {
    try {
      const client = (await provider().Client.find(clientId)) as LogoutClient | undefined
      if (!client?.backchannelLogoutUri) return
      await client.backchannelLogout(accountId, sid)
      audit('backchannel.sent', { clientId, accountId, attempt: tries + 1 })
    } catch (error) {
      failed(clientId, accountId, sid, tries, error as Error)
    }
  }
  const failed = (
    clientId: string,
    accountId: string,
    sid: string,
    tries: number,
    error: Error,
  ) => {
    const delay = retryDelays[tries]
    audit('backchannel.failed', {
      clientId,
      accountId,
      attempt: tries + 1,
      reason: error.message,
      retryIn: delay ?? null,
    })
    if (delay === undefined) return
    setTimeout(() => void attempt(clientId, accountId, sid, tries + 1), delay * 1000).unref()
  }

  return {
    /** Delivers now (awaited), and retries in the background if it fails. */
    send: (clientId: string, accountId: string, sid: string) =>
      attempt(clientId, accountId, sid, 0),
    /** For a delivery oidc-provider made itself (RP-initiated logout) and that failed. */
    retry: (clientId: string, accountId: string, sid: string, error: Error) =>
      failed(clientId, accountId, sid, 0, error),
  }
}

export type BackchannelDelivery = ReturnType<typeof backchannelDelivery>
