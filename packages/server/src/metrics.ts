import { Counter, register as globalRegistry, Histogram, type Registry } from 'prom-client'
import type { LatchkeyEvent } from './observe.ts'

export interface MetricsOptions {
  /** Where the metrics are registered. @default prom-client's global registry */
  registry?: Registry
  /** Prefix of every metric name. @default 'latchkey_' */
  prefix?: string
}

/**
 * Prometheus metrics of a Latchkey backend, from its `events`: sign-ins, refreshes and logouts
 * by outcome (every `/auth/*` answer, with its status and error code), authentication results
 * by reason, CSRF/role/CORS refusals, and store latency and errors. No label carries a user,
 * a token or a request id, so the series stay few.
 *
 * @example
 * const metrics = prometheusMetrics()
 * const auth = createLatchkey({ ...options, events: metrics.events })
 * app.get('/metrics', async (_req, res) => res.type(register.contentType).send(await register.metrics()))
 */
export function prometheusMetrics(options: MetricsOptions = {}) {
  const registers = [options.registry ?? globalRegistry]
  const prefix = options.prefix ?? 'latchkey_'
  const endpointSeconds = new Histogram({
    name: `${prefix}endpoint_seconds`,
    help: 'Time to answer each /auth/* endpoint, by status and error code',
    labelNames: ['endpoint', 'status', 'error'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers,
  })
  const authentications = new Counter({
    name: `${prefix}authentications_total`,
    help: 'Guarded requests by authentication result: valid, or the error code',
    labelNames: ['result'] as const,
    registers,
  })
  const refusals = new Counter({
    name: `${prefix}refusals_total`,
    help: 'Signed-in requests refused on guarded routes (csrf_failed, forbidden) and CORS preflights refused (cors_refused)',
    labelNames: ['reason'] as const,
    registers,
  })
  const storeSeconds = new Histogram({
    name: `${prefix}store_seconds`,
    help: 'Store operation latency',
    labelNames: ['operation'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1],
    registers,
  })
  const storeErrors = new Counter({
    name: `${prefix}store_errors_total`,
    help: 'Store operations that failed (the store did not answer)',
    labelNames: ['operation'] as const,
    registers,
  })

  function events(event: LatchkeyEvent): void {
    switch (event.type) {
      case 'endpoint':
        endpointSeconds.observe(
          { endpoint: event.endpoint, status: String(event.status), error: event.error ?? '' },
          event.seconds,
        )
        return
      case 'authenticate':
        authentications.inc({ result: event.result })
        return
      case 'refused':
        refusals.inc({ reason: event.error })
        return
      case 'cors_refused':
        refusals.inc({ reason: 'cors_refused' })
        return
      case 'store':
        storeSeconds.observe({ operation: event.operation }, event.seconds)
        if (!event.ok) storeErrors.inc({ operation: event.operation })
        return
    }
  }

  return { events, registry: registers[0] as Registry }
}
