/** A Redis Cluster named by `redis+cluster://` (or `rediss+cluster://` for TLS). */
export interface RedisClusterUrl {
  /** Seed nodes: any reachable one tells the client the whole cluster's layout. */
  nodes: { host: string; port: number }[]
  username?: string
  password?: string
  tls: boolean
}

const SCHEME = /^(rediss?)\+cluster:\/\//i
const FORMAT = 'redis+cluster://[user:password@]host:port[,host:port…]'

/** Whether `url` names a cluster rather than one Redis. */
export const isClusterUrl = (url: string): boolean => SCHEME.test(url)

/**
 * Reads `redis+cluster://[user:password@]host:port[,host:port…]`. The WHATWG URL parser
 * cannot take several hosts, so each seed goes through it alone (IPv6 brackets,
 * percent-decoding). A cluster has only database 0, so a path is refused. Errors never
 * repeat the URL: it may hold a password.
 */
export function parseClusterUrl(url: string): RedisClusterUrl {
  const scheme = SCHEME.exec(url)
  if (!scheme) throw new TypeError(`@latchkey/store: a cluster URL is ${FORMAT}`)
  let rest = url.slice(scheme[0].length)
  if (rest.endsWith('/')) rest = rest.slice(0, -1)
  // The last `@` ends the credentials: an unencoded `@` in a password stays in it.
  const at = rest.lastIndexOf('@')
  const hosts = rest.slice(at + 1)
  if (hosts === '' || /[/?#@]/.test(hosts)) {
    throw new TypeError(`@latchkey/store: a cluster URL is ${FORMAT}, with no database or query`)
  }
  const nodes = hosts.split(',').map((seed) => {
    let parsed: URL
    try {
      parsed = new URL(`redis://${seed}`)
    } catch {
      throw new TypeError(`@latchkey/store: a cluster URL is ${FORMAT}`)
    }
    return { host: parsed.hostname.replace(/^\[(.*)\]$/, '$1'), port: Number(parsed.port || 6379) }
  })
  const credentials = at < 0 ? '' : rest.slice(0, at)
  const colon = credentials.indexOf(':')
  const decode = (part: string) => (part === '' ? undefined : decodeURIComponent(part))
  return {
    nodes,
    username: decode(colon < 0 ? credentials : credentials.slice(0, colon)),
    password: colon < 0 ? undefined : decode(credentials.slice(colon + 1)),
    tls: scheme[1]?.toLowerCase() === 'rediss',
  }
}
