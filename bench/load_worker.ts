/**
 * The load generator, in a process of its own (started by lib/load.ts): autocannon, driven
 * programmatically, one job at a time over IPC. A job names a pool of header values (one per
 * user: cookies or bearer tokens) spread round-robin over the requests, so a run with 10,000
 * values calls as 10,000 users would; a job with `rotate` writes back into the pool the
 * cookies each response sets (a rotated refresh token), as a browser would.
 */
import { readFileSync } from 'node:fs'
import autocannon from 'autocannon'
import { serveChild } from './lib/processes.ts'

export interface LoadJob {
  url: string
  path: string
  method?: 'GET' | 'POST'
  connections: number
  /** Seconds. */
  duration: number
  /** A JSON file of header values, one per simulated user. */
  pool?: string
  /** The header the pool's values go in, or `body`. @default 'cookie' */
  header?: string
  headers?: Record<string, string>
  body?: string
  /**
   * Write back into the pool entry a request came from what its 200 response renews: the
   * cookies it sets (a browser), or the `refresh_token` of a token response (RFC 6749 §6).
   */
  rotate?: 'cookies' | 'token-response'
}

export interface LoadResult {
  requestsPerSecond: number
  /** Milliseconds. */
  p50: number
  p99: number
  ok: number
  non2xx: number
  errors: number
  /** A sample non-2xx status, to say why. */
  failedStatus?: number
  /** The generator's own CPU use over the run, in cores: near 1, it was the bottleneck. */
  generatorCores: number
}

const pools = new Map<string, string[]>()
const poolOf = (file: string) => {
  let pool = pools.get(file)
  if (!pool) {
    pool = JSON.parse(readFileSync(file, 'utf8')) as string[]
    pools.set(file, pool)
  }
  return pool
}

/** `a=1; b=2` with the values of the same-named cookies in `setCookies` replaced. */
export function rotated(entry: string, setCookies: string[]): string {
  const fresh = new Map<string, string>()
  for (const line of setCookies) {
    const pair = line.split(';', 1)[0] ?? ''
    const eq = pair.indexOf('=')
    if (eq > 0) fresh.set(pair.slice(0, eq), pair.slice(eq + 1))
  }
  return entry
    .split('; ')
    .map((pair) => {
      const name = pair.slice(0, pair.indexOf('='))
      const value = fresh.get(name)
      return value === undefined || value === '' ? pair : `${name}=${value}`
    })
    .join('; ')
}

const cpuSeconds = ({ user, system }: NodeJS.CpuUsage) => (user + system) / 1e6

export async function runJob(job: LoadJob): Promise<LoadResult> {
  const pool = job.pool ? poolOf(job.pool) : undefined
  const header = job.header ?? 'cookie'
  let turn = 0
  let failedStatus: number | undefined
  type Context = { entry?: number }
  const cpuBefore = process.cpuUsage()
  const result = await autocannon({
    url: job.url,
    connections: job.connections,
    duration: job.duration,
    requests: [
      {
        method: job.method ?? 'GET',
        path: job.path,
        headers: job.headers,
        body: job.body,
        setupRequest: (request, context: Context) => {
          if (!pool) return request
          const entry = turn++ % pool.length
          context.entry = entry
          const value = pool[entry] as string
          return header === 'body'
            ? { ...request, body: value }
            : { ...request, headers: { ...request.headers, [header]: value } }
        },
        onResponse: (status, body, context: Context, headers) => {
          if (status >= 300) failedStatus ??= status
          if (!job.rotate || !pool || context.entry === undefined || status !== 200) return
          if (job.rotate === 'token-response') {
            const token = (JSON.parse(body) as { refresh_token?: string }).refresh_token
            if (token) pool[context.entry] = `grant_type=refresh_token&refresh_token=${token}`
            return
          }
          const setCookie = (headers as Record<string, string | string[]> | undefined)?.[
            'set-cookie'
          ]
          if (!setCookie) return
          const lines = Array.isArray(setCookie) ? setCookie : [setCookie]
          pool[context.entry] = rotated(pool[context.entry] as string, lines)
        },
      },
    ],
  })
  return {
    requestsPerSecond: result['2xx'] / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    ok: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    failedStatus,
    generatorCores: cpuSeconds(process.cpuUsage(cpuBefore)) / result.duration,
  }
}

if (import.meta.main) {
  process.on('message', async (message: { id?: number; job?: LoadJob }) => {
    if (!message.job) return
    try {
      process.send?.({ id: message.id, result: await runJob(message.job) })
    } catch (error) {
      process.send?.({ id: message.id, error: (error as Error).message })
    }
  })
  serveChild(true)
}
