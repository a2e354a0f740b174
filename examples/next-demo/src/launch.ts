import { type ChildProcess, fork } from 'node:child_process'
import { once } from 'node:events'
import { join } from 'node:path'
import { buildNextApp } from './build.ts'

export interface NextAppSettings {
  origin: string
  issuer: string
  clientId: string
  clientSecret: string
  secret: string
  /** Where the app's own store lives without Redis. */
  dataDir: string
  redisUrl?: string
  accessTokenTtl: number
  /** Modules the process loads first (`--import`), e.g. the stack's *.localhost resolution. */
  preload?: string[]
}

export interface NextApp {
  process: ChildProcess
  close(): Promise<void>
}

/**
 * Starts the Next app (built first if needed: build.ts) in its own process — Next owns its process's
 * globals (fetch, React's server build) — and resolves once it listens.
 */
export async function launchNextApp(settings: NextAppSettings): Promise<NextApp> {
  // Built at `npm install` (the prepare script); again only if a source changed since.
  await buildNextApp()
  const child = fork(join(import.meta.dirname, 'server.ts'), {
    execArgv: [
      '--conditions=@latchkey/source',
      ...(settings.preload ?? []).flatMap((module) => ['--import', module]),
    ],
    env: {
      ...process.env,
      NODE_ENV: 'production',
      NEXT_TELEMETRY_DISABLED: '1',
      PORT: new URL(settings.origin).port,
      LATCHKEY_NEXT_ORIGIN: settings.origin,
      LATCHKEY_ISSUER: settings.issuer,
      LATCHKEY_CLIENT_ID: settings.clientId,
      LATCHKEY_CLIENT_SECRET: settings.clientSecret,
      LATCHKEY_SECRET: settings.secret,
      LATCHKEY_NEXT_DATA_DIR: settings.dataDir,
      LATCHKEY_ACCESS_TTL: String(settings.accessTokenTtl),
      REDIS_URL: settings.redisUrl ?? '',
    },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  const exited = once(child, 'exit')
  const ready = new Promise<void>((resolve) => child.once('message', () => resolve()))
  const outcome = await Promise.race([ready.then(() => 'ready'), exited.then(() => 'exited')])
  if (outcome !== 'ready') throw new Error('the Next app exited before it was ready')
  return {
    process: child,
    async close() {
      if (child.exitCode !== null || child.signalCode !== null) return
      child.kill('SIGTERM')
      await exited
    },
  }
}
