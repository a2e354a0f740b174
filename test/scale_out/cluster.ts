import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createAdmin } from '@latchkey/idp'
import { postgresStore, redisStore } from '@latchkey/store'
import { Redis } from 'ioredis'
import pg from 'pg'
import { freePort } from '../support/free_port.ts'
import { tcpProxy } from '../support/tcp_proxy.ts'
import { Instance } from './instances.ts'
import { startNginx } from './nginx.ts'

export const PASSWORD = 'scale-out password, long enough'
export const CLIENT_ID = 'scale-app'
const CLIENT_SECRET = randomBytes(24).toString('base64url')
/** Failed sign-ins one address may make before it is refused (small, so tests reach it). */
export const IP_LIMIT = 5

const PG_URL = process.env.LATCHKEY_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
const REDIS_URL = process.env.LATCHKEY_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379'

export interface ClusterOptions {
  backends?: number
  idps?: number
  /** Accounts user-0 … user-(n-1), all with PASSWORD. */
  users?: number
}

/**
 * The deployment under test, all on loopback: nginx in front of N backend instances
 * (node:http, cookie mode) and M IdP instances, each a process of its own, on one PostgreSQL
 * (through a TCP proxy the tests can cut) and one Redis. The run's data lives under a table
 * and a key prefix of its own, dropped at `close()`.
 */
export async function startCluster(options: ClusterOptions = {}) {
  const { backends: backendCount = 3, idps: idpCount = 2, users = 20 } = options
  const run = randomBytes(6).toString('hex')
  const table = `scale_out_${run}`
  const prefix = `latchkey-scale:${run}:`
  const dir = mkdtempSync(join(tmpdir(), 'latchkey-scale-'))
  const postgres = await tcpProxy(Number(new URL(PG_URL).port || 5432))
  const proxiedPg = new URL(PG_URL)
  proxiedPg.port = String(postgres.port)

  const [appPort, idpPort] = [await freePort(), await freePort()]
  const app = `http://127.0.0.1:${appPort}`
  const issuer = `http://127.0.0.1:${idpPort}`
  const shared = {
    SCALE_ISSUER: issuer,
    SCALE_REDIS_URL: REDIS_URL,
    SCALE_REDIS_PREFIX: prefix,
  }

  // Provisioned before any instance starts, straight on the stores (as `latchkey clients
  // add` and `latchkey users add` would).
  const stores = {
    durable: postgresStore({ url: PG_URL, table }),
    ephemeral: redisStore({ url: REDIS_URL, prefix }),
  }
  const admin = createAdmin(stores)
  await admin.clients.add({
    id: CLIENT_ID,
    secret: CLIENT_SECRET,
    redirectUris: [`${app}/auth/callback`],
    postLogoutRedirectUris: [`${app}/`],
    // nginx's address: whichever backend instance gets it tells the others (pub/sub).
    backchannelLogoutUri: `${app}/auth/backchannel-logout`,
    accountApi: true, // the users' "My sessions" page, called with their access tokens
  })
  for (let i = 0; i < users; i++) {
    await admin.accounts.add({ username: `user-${i}`, password: PASSWORD, roles: ['USER'] })
  }

  const idps: Instance[] = []
  for (let i = 0; i < idpCount; i++) {
    idps.push(
      new Instance(`idp-${i}`, await freePort(), 'idp_instance.ts', {
        ...shared,
        SCALE_PG_URL: proxiedPg.href,
        SCALE_PG_TABLE: table,
        SCALE_TRUST_PROXY: '127.0.0.1,::1',
        SCALE_IP_LIMIT: String(IP_LIMIT),
      }),
    )
  }
  const backends: Instance[] = []
  for (let i = 0; i < backendCount; i++) {
    backends.push(
      new Instance(`backend-${i}`, await freePort(), 'backend_instance.ts', {
        ...shared,
        SCALE_INSTANCE: `backend-${i}`,
        SCALE_ORIGIN: app,
        SCALE_CLIENT_ID: CLIENT_ID,
        SCALE_CLIENT_SECRET: CLIENT_SECRET,
        SCALE_SECRET: `scale-out-secret-${run}-0123456789abcdef`,
      }),
    )
  }
  // The first IdP alone: it creates the signing key the others then read.
  await idps[0]?.start()
  await Promise.all([...idps.slice(1), ...backends].map((instance) => instance.start()))
  const nginx = await startNginx(join(dir, 'nginx'), {
    app: { port: appPort, upstreams: backends.map((b) => b.port) },
    idp: { port: idpPort, upstreams: idps.map((b) => b.port) },
  })

  return {
    app,
    issuer,
    idps,
    backends,
    postgres,
    nginx,
    admin,
    /** What the instances logged on stderr, for a failing test's report. */
    logs: () =>
      [...idps, ...backends].map((i) => `--- ${i.name}\n${i.log}`).join('\n') +
      `\n--- nginx\n${nginx.errors()}`,
    async close() {
      await Promise.all([...idps, ...backends].map((instance) => instance.stop('SIGKILL')))
      await nginx.stop()
      await postgres.close()
      await stores.durable.close()
      await stores.ephemeral.close()
      const db = new pg.Client({ connectionString: PG_URL })
      await db.connect()
      await db.query(`DROP TABLE IF EXISTS ${table}`)
      await db.end()
      const redis = new Redis(REDIS_URL)
      for await (const keys of redis.scanStream({ match: `${prefix}*`, count: 500 })) {
        if ((keys as string[]).length) await redis.del(...(keys as string[]))
      }
      redis.disconnect()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

export type Cluster = Awaited<ReturnType<typeof startCluster>>
