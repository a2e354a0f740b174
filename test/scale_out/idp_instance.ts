import { serveIdentityProvider } from '@latchkey/idp'
import { postgresStore, redisStore } from '@latchkey/store'
import { pino } from 'pino'

// One IdP instance of the scale-out harness, in a process of its own (so that it can be
// killed): serveIdentityProvider on the run's PostgreSQL table and Redis prefix, believing
// X-Forwarded-* only from the proxy's addresses. Prints one JSON line once it listens.

const env = (name: string) => {
  const value = process.env[name]
  if (!value) throw new Error(`${name} is not set (test/scale_out/cluster.ts sets it)`)
  return value
}

const stores = {
  durable: postgresStore({ url: env('SCALE_PG_URL'), table: env('SCALE_PG_TABLE') }),
  ephemeral: redisStore({ url: env('SCALE_REDIS_URL'), prefix: env('SCALE_REDIS_PREFIX') }),
}
const served = await serveIdentityProvider({
  issuer: env('SCALE_ISSUER'),
  port: Number(env('PORT')),
  host: '127.0.0.1',
  stores,
  trustProxy: env('SCALE_TRUST_PROXY').split(','),
  throttle: { ipLimit: Number(env('SCALE_IP_LIMIT')) },
  // Several instances behind a balancer: a refresh answer lost in a crash may be retried once
  // (docs/operations.md), so a killed instance signs nobody out.
  refreshTokenRetrySeconds: 30,
  // A SIGTERM in a fault test must not wait on a connection nginx keeps open.
  shutdownTimeout: 2000,
  // Restarted under load on a small machine: the first connection may take a while.
  probeTimeout: 10_000,
  logger: pino({ level: 'warn' }, process.stderr),
})
process.stdout.write(`${JSON.stringify({ listening: served.url })}\n`)
process.once('SIGTERM', async () => {
  await served.close()
  await stores.durable.close()
  await stores.ephemeral.close()
  process.exit(0)
})
