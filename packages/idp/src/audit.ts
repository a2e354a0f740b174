import type { Logger } from 'pino'
import { currentRequestId } from './lib/request_id.ts'
import type { IdpMetrics } from './metrics.ts'

/**
 * Security events as structured log lines (ASVS 5.0 V16.3): logins, failures, MFA, logouts,
 * refresh-token reuse, admin actions. Callers pass identifiers only — never a token,
 * password, TOTP code or secret.
 */
export type Audit = (event: string, fields?: Record<string, unknown>) => void

/**
 * Each line carries the id of the request it was written for (`requestId`), the one the
 * backend sent along, and each event is counted in the metrics when they are on.
 */
export function createAudit(logger: Logger | undefined, metrics?: IdpMetrics): Audit {
  const audit = logger?.child({ audit: true })
  return (event, fields = {}) => {
    metrics?.event(event)
    const requestId = currentRequestId()
    audit?.info({ event, ...fields, ...(requestId && { requestId }) }, event)
  }
}
