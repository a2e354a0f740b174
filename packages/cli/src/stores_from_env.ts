import { resolve } from 'node:path'
import { probeStores, type Stores, StoreUnavailableError, storesFromEnv } from '@latchkey/store'

/** A store the environment names cannot be used; the message is the one line to print. */
export class StoreSetupError extends Error {
  override name = 'StoreSetupError'
  readonly code = 'store_setup'
}

const SERVICES: Record<string, { name: string; variable: string; port: string }> = {
  postgres: { name: 'PostgreSQL', variable: 'DATABASE_URL', port: '5432' },
  redis: { name: 'Redis', variable: 'REDIS_URL', port: '6379' },
}

// What went wrong, in words, from the system or server error codes found in the cause chain.
const REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  EPIPE: 'connection reset',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host not found',
  ETIMEDOUT: 'timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  EACCES: 'permission denied',
  EROFS: 'read-only file system',
  '28P01': 'authentication failed', // PostgreSQL invalid_password
  '28000': 'authentication failed', // invalid_authorization_specification (unknown role)
  '3D000': 'no such database',
}

function reasonOf(error: unknown): string {
  let last = 'no answer'
  for (let e = error as (Error & { code?: string; errors?: unknown[] }) | undefined; e; ) {
    const known = e.code && REASONS[e.code]
    if (known) return known
    if (/^(WRONGPASS|NOAUTH)\b/.test(e.message)) return 'authentication failed'
    if (/time(d)? ?out/i.test(e.message)) return 'timed out'
    // Drivers do not put URLs in their messages; should one ever, its password stays out.
    last = e.message.replace(/\/\/[^/@\s]*@/g, '//')
    e = (e.errors?.[0] ?? e.cause) as typeof e
  }
  return last
}

/** `host:port` of a service URL: never its user, password or database name. */
function whereOf(url: string | undefined, defaultPort: string): string {
  try {
    const { hostname, port } = new URL(url ?? '')
    return `${hostname}:${port || defaultPort}`
  } catch {
    return 'an invalid URL'
  }
}

/**
 * The one line an operator needs when a store fails: which service, which variable names it,
 * where it points and why — e.g. `cannot reach PostgreSQL at DATABASE_URL (127.0.0.1:5432):
 * connection refused`. Never a password, never a stack.
 */
export function describeStoreFailure(error: StoreUnavailableError, env: NodeJS.ProcessEnv) {
  const service = SERVICES[error.kind]
  if (!service) {
    return `cannot use the embedded database in ${dataDirOf(env)}: ${reasonOf(error.cause)}`
  }
  const where = whereOf(env[service.variable], service.port)
  return `cannot reach ${service.name} at ${service.variable} (${where}): ${reasonOf(error.cause)}`
}

const dataDirOf = (env: NodeJS.ProcessEnv) =>
  `LATCHKEY_DATA_DIR (${resolve(env.LATCHKEY_DATA_DIR || './.latchkey')})`

/**
 * Opens the stores the environment names (`DATABASE_URL`, `REDIS_URL`, else node:sqlite in
 * `LATCHKEY_DATA_DIR`) and checks that each answers, before anything is read or written: a
 * command either runs on working stores or changes nothing.
 * @throws StoreSetupError with the line to print.
 */
export async function openStoresFromEnv(env: NodeJS.ProcessEnv): Promise<Stores> {
  let stores: Stores
  try {
    stores = storesFromEnv(env)
  } catch (error) {
    // A malformed URL (the store's TypeError names the variable), or an embedded database
    // that cannot be created.
    if (error instanceof TypeError)
      throw new StoreSetupError((error as Error).message.replace(/^@latchkey\/store: /, ''))
    throw new StoreSetupError(
      `cannot open the embedded database in ${dataDirOf(env)}: ${reasonOf(error)}`,
    )
  }
  try {
    await probeStores(stores)
    return stores
  } catch (error) {
    await stores.close()
    if (error instanceof StoreUnavailableError)
      throw new StoreSetupError(describeStoreFailure(error, env))
    throw error
  }
}
