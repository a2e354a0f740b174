import { once } from 'node:events'
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type RequestListener,
  type Server,
  type ServerResponse,
} from 'node:http'
import type { AddressInfo } from 'node:net'
import { probeStores } from '@latchkey/store'
import {
  createIdentityProvider,
  type IdentityProvider,
  type IdentityProviderOptions,
} from './identity_provider.ts'
import { forwardedFacts } from './lib/forwarded.ts'
import { sendJson } from './lib/http.ts'
import { setSecurityHeaders } from './lib/security_headers.ts'

export interface ServeOptions extends IdentityProviderOptions {
  /** 0 picks a free port (see `url`). @default 4000 */
  port?: number
  /** The interface to listen on. @default every interface */
  host?: string
  /** How long `close()` lets requests in flight finish before cutting them, ms. @default 10000 */
  shutdownTimeout?: number
  /** How long each store gets to answer a readiness probe, ms. @default 2000 */
  probeTimeout?: number
  /**
   * Makes the server around the IdP's listener: TLS without a proxy (`https.createServer`),
   * other time-outs, a guard in front. @default node:http `createServer`
   */
  createServer?: (listener: RequestListener) => Server
  /**
   * Binds the server, in place of `port` and `host` (the demo binds loopback and names the
   * origin when its port is taken). @default `server.listen(port, host)`
   */
  listen?: (server: Server) => Promise<void>
}

export interface ServedIdentityProvider {
  /** Where the server listens (not the issuer, which is what clients see). */
  url: string
  idp: IdentityProvider
  /**
   * Graceful stop: refuses new connections, lets requests in flight finish, stops the IdP.
   * The stores stay open: whoever opened them closes them.
   */
  close(): Promise<void>
}

/** The server could not listen: `code` is the system's (`EADDRINUSE`, `EACCES`, …). */
export class ListenError extends Error {
  override name = 'ListenError'
  readonly code: string
  constructor(code: string, port: number, host: string | undefined, cause: unknown) {
    const where = host ? `${host}:${port}` : `port ${port}`
    const reason =
      {
        EADDRINUSE: 'address already in use',
        EACCES: 'permission denied',
        EADDRNOTAVAIL: 'no such address on this machine',
        ENOTFOUND: 'host not found',
        EAI_AGAIN: 'host not found',
      }[code] ?? (cause as Error).message
    super(`cannot listen on ${where}: ${reason}`, { cause })
    this.code = code
  }
}

const listenOn = (port: number, host: string | undefined) => async (server: Server) => {
  server.listen(port, host)
  try {
    await once(server, 'listening') // rejects with the server's 'error'
  } catch (error) {
    throw new ListenError((error as NodeJS.ErrnoException).code ?? 'unknown', port, host, error)
  }
}

const urlOf = (server: Server) => {
  const { address, family, port } = server.address() as AddressInfo
  const scheme = 'setSecureContext' in server ? 'https' : 'http'
  const host = address === '::' || address === '0.0.0.0' ? '127.0.0.1' : address
  return `${scheme}://${family === 'IPv6' && host === address ? `[${host}]` : host}:${port}`
}

/**
 * Runs the identity provider as an HTTP server: what `latchkey serve` and the demo start.
 * Beside the IdP it answers `GET /healthz` (200 while the process lives) and `GET /readyz`
 * (200 while every store answers, 503 otherwise), for load balancers and orchestrators, and
 * `GET /metrics` when `metrics` (a prom-client registry) is given.
 * Refuses to start, with a `StoreUnavailableError`, when a store does not answer.
 *
 * @example
 * const stores = storesFromEnv()
 * const served = await serveIdentityProvider({ issuer: 'https://idp.example.com', stores, port: 4000 })
 * process.once('SIGTERM', async () => { await served.close(); await stores.close() })
 */
export async function serveIdentityProvider(
  options: ServeOptions,
): Promise<ServedIdentityProvider> {
  const { port = 4000, host, shutdownTimeout = 10_000, probeTimeout = 2000, logger } = options
  const { stores, createServer = createHttpServer, listen = listenOn(port, host) } = options
  await probeStores(stores, probeTimeout)
  const idp = await createIdentityProvider(options)
  const forwarded = forwardedFacts(options.trustProxy ?? false)

  let stopping = false
  let wasReady = true
  const ready = async (res: ServerResponse) => {
    if (stopping) {
      return sendJson(res, 503, { error: 'shutting_down', message: 'the server is stopping' })
    }
    try {
      await probeStores(stores, probeTimeout)
      if (!wasReady) logger?.info('stores answer again: ready')
      wasReady = true
      sendJson(res, 200, { status: 'ready' })
    } catch (error) {
      // Logged on the change only: a probe every few seconds must not flood the log.
      if (wasReady) logger?.warn({ err: { message: (error as Error).message } }, 'not ready')
      wasReady = false
      sendJson(res, 503, { error: 'store_unavailable', message: (error as Error).message })
    }
  }
  const { metrics } = options
  const probes: Record<string, (res: ServerResponse) => unknown> = {
    '/healthz': (res) => sendJson(res, 200, { status: 'ok' }),
    '/readyz': ready,
    // Prometheus text (when a registry is given): counts only, no user or token; still,
    // a deployment keeps it off the public internet at its proxy (docs/operations.md).
    ...(metrics && {
      '/metrics': async (res: ServerResponse) => {
        res.writeHead(200, { 'content-type': metrics.contentType, 'cache-control': 'no-store' })
        res.end(await metrics.metrics())
      },
    }),
  }

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/'
    logger?.debug({ method: req.method, path }, 'request')
    // While stopping, a connection ends with the response it carries (no keep-alive), also
    // when the request was already under way as the stop began.
    if (stopping) res.shouldKeepAlive = false
    res.on('finish', () => {
      if (stopping) server.closeIdleConnections()
    })
    const probe = probes[path]
    if (!probe) return idp.handler(req, res)
    setSecurityHeaders(res, forwarded.isHttps(req)) // as on every other IdP response
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return sendJson(
        res,
        405,
        { error: 'method_not_allowed', message: 'use GET' },
        { allow: 'GET, HEAD' },
      )
    }
    void probe(res)
  })
  try {
    await listen(server)
  } catch (error) {
    await idp.close()
    throw error
  }
  const url = urlOf(server)

  let closing: Promise<void> | undefined
  return {
    url,
    idp,
    close() {
      closing ??= (async () => {
        stopping = true
        const closed = new Promise<void>((resolve) => server.close(() => resolve()))
        // Responses under way end their connection when done (see the handler); anything
        // still running after the grace period is cut.
        server.closeIdleConnections()
        const cut = setTimeout(() => server.closeAllConnections(), shutdownTimeout)
        await closed
        clearTimeout(cut)
        await idp.close()
      })()
      return closing
    },
  }
}
