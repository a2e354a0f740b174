import { Counter, Histogram, type Registry } from 'prom-client'

/**
 * The IdP's Prometheus metrics: every audited event by name — sign-ins and their failures,
 * MFA, passkeys, refresh-token rotations and reuse detections, logouts, back-channel
 * deliveries, retries and drops, throttling — and how long requests take, by method and
 * status. No label holds a user, client secret or request id.
 */
export function idpMetrics(registry: Registry) {
  const events = new Counter({
    name: 'latchkey_idp_events_total',
    help: 'Audited events by name (login.succeeded, login.failed, mfa.failed, refresh_token.rotated, refresh_token.reuse_detected, logout, backchannel.sent, backchannel.failed, …)',
    labelNames: ['event'] as const,
    registers: [registry],
  })
  const requests = new Histogram({
    name: 'latchkey_idp_request_seconds',
    help: 'Time to answer a request, by method and status',
    labelNames: ['method', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  })
  return {
    event: (name: string) => events.inc({ event: name }),
    request(method: string, status: number, seconds: number) {
      requests.observe({ method, status: String(status) }, seconds)
    },
  }
}

export type IdpMetrics = ReturnType<typeof idpMetrics>
