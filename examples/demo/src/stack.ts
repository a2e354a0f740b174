import { mkdirSync } from 'node:fs'
import type { Server } from 'node:http'
import { join } from 'node:path'
import { type ServedIdentityProvider, serveIdentityProvider } from '@latchkey/idp'
import { launchNextApp, type NextApp } from '@latchkey/next-demo/launch'
import { createLatchkey } from '@latchkey/server'
import { openStores } from '@latchkey/store'
import { pino } from 'pino'
import { adminApp } from './admin_server.ts'
import { apiApp } from './api_server.ts'
import { guardedServer, pathOf } from './guarded_server.ts'
import { closeServer, listenLoopback } from './listen.ts'
import { resolveLocalhostNames } from './localhost_lookup.ts'
import { ORIGINS, portOf } from './origins.ts'
import { type DemoSeed, seed } from './seed.ts'
import { staticFiles } from './static_files.ts'

export interface StackOptions {
  /** Embedded data (when DATABASE_URL/REDIS_URL are not set). @default './.latchkey' */
  dataDir?: string
  databaseUrl?: string
  redisUrl?: string
  /** Where the built SPAs are (`app/` and `admin/` inside). */
  distDir: string
  /** Short, so a refresh is seen happening. @default 60 */
  accessTokenTtl?: number
}

export interface Stack {
  seed: DemoSeed
  /** The IdP's audit log (JSON lines): logins, MFA, logouts, back-channel deliveries. */
  auditLog: string
  close(): Promise<void>
}

/**
 * The whole demo in one process: the IdP, the app's frontend and its cross-origin API, and
 * the admin BFF, on the contract's origins.
 */
export async function startStack(options: StackOptions): Promise<Stack> {
  resolveLocalhostNames()
  const accessTokenTtl = options.accessTokenTtl ?? 60
  const dataDir = options.dataDir ?? './.latchkey'
  mkdirSync(dataDir, { recursive: true })
  const auditLog = join(dataDir, 'audit.log')
  const logger = pino({ level: 'info' }, pino.destination({ dest: auditLog, sync: true }))
  const stores = openStores({
    dataDir,
    databaseUrl: options.databaseUrl,
    redisUrl: options.redisUrl,
  })
  const servers: Server[] = []
  let served: ServedIdentityProvider | undefined
  let nextApp: NextApp | undefined
  // One bad request is answered on its own, whatever it is: it never takes the process
  // (and the other origins) down. What escapes a listener is logged without request data.
  const onError = (error: Error) =>
    logger.error({ err: { name: error.name, message: error.message } }, 'request failed')
  const serve = (listener: Parameters<typeof guardedServer>[0]) => guardedServer(listener, onError)
  try {
    // The IdP starts as `latchkey serve` starts it (/healthz, /readyz, graceful close).
    served = await serveIdentityProvider({
      issuer: ORIGINS.idp,
      stores,
      logger,
      accessTokenTtl,
      branding: { name: 'Latchkey Demo' },
      createServer: serve,
      listen: (server) => listenLoopback(server, portOf(ORIGINS.idp), ORIGINS.idp),
    })
    const { idp } = served
    const demo = await seed(idp, stores.durable)
    const backend = (
      origin: string,
      client: DemoSeed['clients']['app'],
      appUrl: string,
      cors: string[],
    ) =>
      createLatchkey({
        issuer: ORIGINS.idp,
        clientId: client.id,
        clientSecret: client.secret,
        redirectUri: `${origin}/auth/callback`,
        appUrl,
        postLogoutRedirectUri: `${appUrl}/`,
        store: stores.ephemeral,
        secrets: demo.backendSecrets,
        trustedOrigins: cors,
        cookies: { accessMaxAge: accessTokenTtl },
      })
    // The app's backend answers on api.localhost:4001, cross-origin, with CORS for its
    // frontend. Browsers, though, count app.localhost and api.localhost as two *sites*
    // (`localhost` has no registrable domain) and Chromium sends no third-party cookies, so
    // the SPA could never carry api.localhost's cookies. The same backend — same client,
    // store and secrets — therefore also answers /auth/* and /api/* on the app's origin,
    // where its cookies are first-party; on a real domain (app.example.com + api.example.com,
    // one site) the SPA would call the API origin directly.
    const apiAuth = backend(ORIGINS.api, demo.clients.app, ORIGINS.app, [ORIGINS.app])
    const appAuth = backend(ORIGINS.app, demo.clients.app, ORIGINS.app, [])
    const adminAuth = backend(ORIGINS.admin, demo.clients.admin, ORIGINS.admin, [])
    const app = staticFiles(join(options.distDir, 'app'))
    const appBackend = apiApp(appAuth, onError)

    const parts: [Server, string][] = [
      [serve(apiApp(apiAuth, onError)), ORIGINS.api],
      [
        serve((req, res) => {
          const path = pathOf(req.url)
          if (path.startsWith('/auth/') || path.startsWith('/api/')) return appBackend(req, res)
          return app(req, res)
        }),
        ORIGINS.app,
      ],
      [
        serve(await adminApp(adminAuth, idp, join(options.distDir, 'admin'), onError)),
        ORIGINS.admin,
      ],
    ]
    for (const [server, origin] of parts) {
      await listenLoopback(server, portOf(origin), origin)
      servers.push(server)
    }
    // The Next.js app (built ahead: examples/next-demo/src/build.ts) in its own process.
    nextApp = await launchNextApp({
      origin: ORIGINS.next,
      issuer: ORIGINS.idp,
      clientId: demo.clients.next.id,
      clientSecret: demo.clients.next.secret,
      secret: demo.backendSecrets[0] ?? '',
      dataDir: join(dataDir, 'next'),
      redisUrl: options.redisUrl,
      accessTokenTtl,
      preload: [new URL('./localhost_preload.ts', import.meta.url).href],
    })
    return {
      seed: demo,
      auditLog,
      async close() {
        await Promise.all([...servers.map(closeServer), served?.close(), nextApp?.close()])
        await stores.close()
      },
    }
  } catch (error) {
    await Promise.all([...servers.map(closeServer), served?.close(), nextApp?.close()])
    await stores.close()
    throw error
  }
}
