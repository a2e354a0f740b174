import type { Store } from '@latchkey/store'
import type { Audit } from './audit.ts'
import type { BackchannelDelivery } from './backchannel_delivery.ts'
import {
  grantsOf,
  recordsOf,
  revokeGrantRecords,
  SESSION_BY_UID,
  sessionsOf,
} from './provider/adapter.ts'

interface SessionPayload {
  jti: string
  uid: string
  accountId?: string
  loginTs?: number
  iat?: number
  authorizations?: Record<string, { sid?: string; grantId?: string }>
}

export interface SessionInfo {
  /** The session's public id (its `uid`; the cookie value is never shown). */
  id: string
  current: boolean
  createdAt: string
  lastSeenAt: string
  userAgent: string | null
  clients: string[]
}

const iso = (epoch?: number) => new Date((epoch ?? 0) * 1000).toISOString()

/**
 * The IdP's SSO sessions per account: listing them for the account API and ending them —
 * revoking every grant made in the session and sending back-channel logout to each app
 * (OIDC Back-Channel Logout 1.0 §2.5) — for "sign out that device" and for `disable`.
 */
export function createSessions(ephemeral: Store, audit: Audit, backchannel: BackchannelDelivery) {
  const load = async (id: string) => ephemeral.get<SessionPayload>(recordsOf('Session'), id)

  const revokeGrant = (grantId: string) => revokeGrantRecords(ephemeral, grantId)

  const end = async (id: string, session: SessionPayload) => {
    const accountId = session.accountId ?? ''
    await Promise.all([
      ephemeral.delete(recordsOf('Session'), id),
      ephemeral.delete(SESSION_BY_UID, session.uid),
      ephemeral.delete(sessionsOf(accountId), id),
    ])
    for (const [clientId, { sid, grantId }] of Object.entries(session.authorizations ?? {})) {
      if (grantId) await revokeGrant(grantId)
      if (sid) await backchannel.send(clientId, accountId, sid)
    }
    audit('session.ended', { accountId, session: session.uid })
  }

  const ofAccount = async (accountId: string) => {
    const ids = await ephemeral.list(sessionsOf(accountId))
    const sessions = await Promise.all(
      ids.map(async ({ key }) => ({ id: key, session: await load(key) })),
    )
    return sessions.filter(
      (s): s is { id: string; session: SessionPayload } => s.session?.accountId === accountId,
    )
  }

  return {
    async list(accountId: string, currentSid?: string): Promise<SessionInfo[]> {
      const sessions = await ofAccount(accountId)
      return Promise.all(
        sessions.map(async ({ session }) => {
          const meta = await ephemeral.get<{ userAgent?: string }>('session-meta', session.uid)
          const authorizations = session.authorizations ?? {}
          return {
            id: session.uid,
            current: Object.values(authorizations).some(
              (a) => currentSid !== undefined && a.sid === currentSid,
            ),
            createdAt: iso(session.loginTs),
            lastSeenAt: iso(session.iat ?? session.loginTs),
            userAgent: meta?.userAgent ?? null,
            clients: Object.keys(authorizations),
          }
        }),
      )
    },
    /** Ends one session of this account; false when there is no such session. */
    async endOne(accountId: string, uid: string): Promise<boolean> {
      const match = (await ofAccount(accountId)).find((s) => s.session.uid === uid)
      if (!match) return false
      await end(match.id, match.session)
      return true
    },
    /** Ends every session of this account but one (`keep`, a uid): "sign out everywhere else". */
    async endOthers(accountId: string, keep: string): Promise<number> {
      const others = (await ofAccount(accountId)).filter((s) => s.session.uid !== keep)
      for (const { id, session } of others) await end(id, session)
      return others.length
    },
    async endAll(accountId: string): Promise<number> {
      const sessions = await ofAccount(accountId)
      for (const { id, session } of sessions) await end(id, session)
      const grants = await ephemeral.list(grantsOf(accountId))
      for (const { key } of grants) await revokeGrant(key)
      return sessions.length
    },
  }
}

export type Sessions = ReturnType<typeof createSessions>
