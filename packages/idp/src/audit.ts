import type { Logger } from 'pino'

/**
 * Security events as structured log lines (ASVS 5.0 V16.3): logins, failures, MFA, logouts,
 * refresh-token reuse, admin actions. Callers pass identifiers only — never a token,
 * password, TOTP code or secret.
 */
export type Audit = (event: string, fields?: Record<string, unknown>) => void

export function createAudit(logger: Logger | undefined): Audit {
  const audit = logger?.child({ audit: true })
  return (event, fields = {}) => {
    audit?.info({ event, ...fields }, event)
  }
}
