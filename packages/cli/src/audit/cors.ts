import { FOREIGN_ORIGIN } from './csrf.ts'
import { header, type Reply } from './http.ts'
import { type Check, describe, verdict } from './item.ts'

/** Origins an allow-list must not match: foreign, opaque, and two near-misses of the app's. */
export function hostileOrigins(appUrl: string): string[] {
  const app = new URL(appUrl)
  const port = app.port ? `:${app.port}` : ''
  return [
    FOREIGN_ORIGIN,
    // Sandboxed iframes and file: pages send `null` (Fetch §3.1); never allow it.
    'null',
    // Matched by a prefix test (startsWith the app's origin) and by a suffix test (endsWith its host).
    `${app.protocol}//${app.hostname}.evil.example${port}`,
    `${app.protocol}//evil${app.hostname}${port}`,
  ]
}

const granted = (reply: Reply, origin: string) => {
  const allow = header(reply, 'access-control-allow-origin')
  const credentials = header(reply, 'access-control-allow-credentials') === 'true'
  return credentials && (allow === origin || allow === '*')
}

export const corsOrigins: Check = {
  id: 'cors.origins',
  family: 'cors',
  title: 'CORS grants credentials to listed origins only',
  fix: 'Answer Access-Control-Allow-Origin only for an exact allow-list of origins (never reflected, never *, never null) and add Vary: Origin.',
  async run(ctx) {
    const { options } = ctx
    const targets = [options.appUrl, ...options.apis].map((u) => new URL(options.paths.me, u).href)
    const failures: string[] = []
    const looked: string[] = []
    for (const url of targets) {
      for (const origin of hostileOrigins(options.appUrl)) {
        const reply = await ctx.send(url, { headers: { origin } })
        const line = `Origin: ${origin} → ${describe(reply, ['access-control-allow-origin', 'access-control-allow-credentials'])}`
        if (granted(reply, origin)) failures.push(line)
        else looked.push(line)
      }
    }
    return verdict(failures, looked)
  },
}

export const CORS_CHECKS = [corsOrigins]
