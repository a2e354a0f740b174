import { buildNextApp } from '@latchkey/next-demo/build'
import { buildApps } from './build_apps.ts'
import { PortTakenError } from './listen.ts'
import { ORIGINS } from './origins.ts'
import { startStack } from './stack.ts'

// `npm start`: build the frontends if needed, bring the stack up, print where everything is.
const started = Date.now()
try {
  const distDir = await buildApps((line) => console.log(line))
  await buildNextApp((line) => console.log(line))
  const stack = await startStack({
    distDir,
    dataDir: process.env.LATCHKEY_DATA_DIR || undefined,
    databaseUrl: process.env.DATABASE_URL || undefined,
    redisUrl: process.env.REDIS_URL || undefined,
  })
  const accounts = stack.seed.accounts
    .map(
      (a) =>
        `  ${a.username.padEnd(6)} password ${a.password}  roles ${a.roles.join(', ')}${a.totpSecret ? `\n         TOTP secret ${a.totpSecret} (add it to an authenticator app)` : ''}`,
    )
    .join('\n')
  console.log(`
Latchkey demo is ready (${((Date.now() - started) / 1000).toFixed(1)} s)

  App frontend      ${ORIGINS.app}
  App backend (API) ${ORIGINS.api}
  Admin app         ${ORIGINS.admin}
  Next.js app       ${ORIGINS.next}
  Identity provider ${ORIGINS.idp}

  Audit log         ${stack.auditLog}

Demo accounts:
${accounts}

Press Ctrl-C to stop.`)
  // With npm gone, so is the pipe behind stdout: a failed write must not stop the clean-up.
  for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined)
  let stopping = false
  const stop = async (signal: string) => {
    if (stopping) return
    stopping = true
    console.log(`\n${signal}: stopping…`)
    await stack.close()
    process.exit(0)
  }
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const)
    process.on(signal, () => void stop(signal))
  // Under `npm start` a supervisor signals npm, which passes SIGINT and SIGTERM on to its
  // child: this process, as the start script `exec`s node (a shell in between would die
  // without passing them on). Killed outright, npm passes nothing on and this process is
  // handed to another parent: it stops then too, rather than hold the four ports.
  if (process.env.npm_lifecycle_event) {
    const parent = process.ppid
    setInterval(() => {
      if (process.ppid !== parent) void stop('npm exited')
    }, 250).unref()
  }
} catch (error) {
  console.error(error instanceof PortTakenError ? `Cannot start: ${error.message}.` : error)
  process.exit(1)
}
