import { readFileSync } from 'node:fs'
import { isIP } from 'node:net'
import { parseArgs } from 'node:util'
import { ListenError, serveIdentityProvider } from '@latchkey/idp'
import { StoreUnavailableError } from '@latchkey/store'
import { pino } from 'pino'
import { collectDefaultMetrics, Registry } from 'prom-client'
import { z } from 'zod'
import { describeStoreFailure, openStoresFromEnv, StoreSetupError } from './stores_from_env.ts'

const loopback = (hostname: string) =>
  hostname === 'localhost' ||
  hostname.endsWith('.localhost') ||
  hostname === '[::1]' ||
  (isIP(hostname) === 4 && hostname.startsWith('127.'))

// The issuer is compared as an exact string by every client (OIDC Discovery §3, RFC 9207):
// refuse what would make it ambiguous. Plain http only where browsers count it as secure
// (loopback): the IdP's cookies are always Secure.
const issuer = z.string().refine((value) => {
  try {
    const url = new URL(value)
    return (
      (url.protocol === 'https:' || (url.protocol === 'http:' && loopback(url.hostname))) &&
      !url.username &&
      !url.password &&
      !url.search &&
      !url.hash &&
      !value.endsWith('/')
    )
  } catch {
    return false
  }
}, 'must be an https:// URL without credentials, query, fragment or trailing slash (http:// only on localhost)')

// An address or a CIDR range (RFC 4632 §3.1): the peers whose X-Forwarded-* the IdP believes.
const isAddressOrRange = (entry: string) => {
  const [address = '', bits, extra] = entry.split('/')
  const max = isIP(address) === 4 ? 32 : 128
  return (
    isIP(address) !== 0 &&
    extra === undefined &&
    (bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= max))
  )
}
const TRUST_PROXY_ERROR = 'must be true, false, or IP addresses and CIDR ranges separated by commas'
const trustProxy = z.union([
  z.boolean({ error: TRUST_PROXY_ERROR }),
  z
    .array(z.string().refine(isAddressOrRange, TRUST_PROXY_ERROR), { error: TRUST_PROXY_ERROR })
    .min(1, TRUST_PROXY_ERROR),
])

const whole = (min: number, max: number, what = '') => {
  const error = `must be a whole number${what} from ${min} to ${max}`
  return z.number({ error }).int({ error }).min(min, { error }).max(max, { error })
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const

/**
 * Every setting of `latchkey serve`: its flag, its environment variable, its key in the
 * `--config` file, and its rule. A flag beats the environment, which beats the file.
 */
const SETTINGS = {
  issuer: { env: 'LATCHKEY_ISSUER', schema: issuer, help: 'the public URL clients use' },
  port: { env: 'PORT', schema: whole(0, 65_535), help: 'default 4000' },
  host: {
    env: 'HOST',
    schema: z.string().min(1, 'must not be empty'),
    help: 'interface to listen on, default every one',
  },
  brandName: {
    env: 'LATCHKEY_BRAND_NAME',
    schema: z.string().trim().min(1, 'must not be empty').max(80, 'at most 80 characters'),
    help: 'shown on the sign-in screens and in authenticator apps',
  },
  trustProxy: {
    env: 'LATCHKEY_TRUST_PROXY',
    schema: trustProxy,
    help: "the proxy's addresses (127.0.0.1,::1): believe X-Forwarded-For and -Proto from them",
  },
  metrics: {
    env: 'LATCHKEY_METRICS',
    schema: z.boolean({ error: 'must be true or false' }),
    help: 'serve Prometheus metrics at GET /metrics (keep it behind the proxy)',
  },
  accessTokenTtl: {
    env: 'LATCHKEY_ACCESS_TOKEN_TTL',
    schema: whole(60, 86_400, ' of seconds'),
    help: 'access-token lifetime, default 900',
  },
  refreshTokenRetrySeconds: {
    env: 'LATCHKEY_REFRESH_RETRY_SECONDS',
    schema: whole(0, 60, ' of seconds'),
    help: 'a rotated refresh token may be retried once within it (lost answers), default 0',
  },
  logLevel: {
    env: 'LOG_LEVEL',
    schema: z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(', ')}` }),
    help: 'default info',
  },
} as const

type Key = keyof typeof SETTINGS
type Settings = { [K in Key]?: z.infer<(typeof SETTINGS)[K]['schema']> }

const flagOf = (key: string) => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)
const KEYS = Object.keys(SETTINGS) as Key[]

export const SERVE_OPTIONS = {
  ...Object.fromEntries(
    KEYS.map((key) => [
      flagOf(key),
      {
        type: key === 'trustProxy' || key === 'metrics' ? 'boolean' : 'string',
        help: SETTINGS[key].help,
      },
    ]),
  ),
  config: { type: 'string', help: 'a JSON file with any of these settings (camelCase keys)' },
  help: { type: 'boolean', help: 'this help' },
} as Record<string, { type: 'string' | 'boolean'; help: string }>

export function serveHelp(): string {
  const lines = [
    'Usage: latchkey serve --issuer URL [--port N] [--host H] [--config FILE] [options]',
    '',
    'Runs the identity provider on the stores the environment names (see below).',
    'GET /healthz: 200 while running; GET /readyz: 200 while its stores answer, else 503.',
    'SIGTERM or SIGINT: stops accepting, finishes requests in flight, closes the stores.',
    '',
  ]
  for (const key of KEYS) {
    const flag = `--${flagOf(key)}`
    lines.push(`  ${flag.padEnd(20)} ${SETTINGS[key].env.padEnd(26)} ${SETTINGS[key].help}`)
  }
  lines.push(`  ${'--config FILE'.padEnd(47)} ${SERVE_OPTIONS.config?.help}`)
  return lines.join('\n')
}

/** A registry with the IdP's metrics and the process's own (CPU, memory, event-loop lag). */
function processMetrics(): Registry {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry })
  return registry
}

/** A setting that is wrong, or missing; the message is the line to print. */
class SettingError extends Error {}

// Text from a flag or the environment, as the JSON type the file would hold.
function fromText(key: Key, text: string): unknown {
  if (key === 'trustProxy') {
    return (
      { true: true, false: false, 1: true, 0: false }[text] ??
      text.split(',').map((entry) => entry.trim())
    )
  }
  if (key === 'metrics') return { true: true, false: false, 1: true, 0: false }[text] ?? text
  if (key === 'port' || key === 'accessTokenTtl' || key === 'refreshTokenRetrySeconds')
    return /^\d+$/.test(text) ? Number(text) : text
  return text
}

// The file holds the same settings, by the same rules, under their camelCase names.
const FILE = z.strictObject(
  Object.fromEntries(KEYS.map((key) => [key, SETTINGS[key].schema.optional()])),
  {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? `unknown setting "${issue.keys[0]}"`
        : issue.code === 'invalid_type'
          ? 'must be a JSON object'
          : undefined,
  },
)

function readConfig(path: string): Settings {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    throw new SettingError(
      `cannot read --config ${path}: ${code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code}`,
    )
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    // JSON.parse's message quotes the file: it stays out of the output.
    throw new SettingError(`--config ${path} is not valid JSON`)
  }
  const result = FILE.safeParse(parsed)
  if (!result.success) {
    const issue = result.error.issues[0]
    throw new SettingError(`${path}: ${[...(issue?.path ?? []), issue?.message].join(' ')}`)
  }
  return result.data as Settings
}

/** The settings from flags, environment and file, each checked, naming its source when wrong. */
function resolveSettings(
  values: Record<string, string | boolean | undefined>,
  env: NodeJS.ProcessEnv,
): Settings {
  const settings: Settings = typeof values.config === 'string' ? readConfig(values.config) : {}
  for (const key of KEYS) {
    const flag = values[flagOf(key)]
    const text = env[SETTINGS[key].env]
    const [source, raw] =
      flag !== undefined
        ? [`--${flagOf(key)}`, typeof flag === 'string' ? fromText(key, flag) : flag]
        : [SETTINGS[key].env, text ? fromText(key, text) : undefined]
    if (raw === undefined) continue
    const result = SETTINGS[key].schema.safeParse(raw)
    if (!result.success) throw new SettingError(`${source} ${result.error.issues[0]?.message}`)
    Object.assign(settings, { [key]: result.data })
  }
  if (!settings.issuer) throw new SettingError('--issuer (or LATCHKEY_ISSUER) is required')
  return settings
}

const SIGNALS = ['SIGTERM', 'SIGINT'] as const

/**
 * `latchkey serve`: the identity provider as a long-running server. Resolves with the exit
 * code once it has stopped (0 after a signal) or refused to start (1 a store or the port, 2 a
 * setting). Logs are pino JSON on stdout; a refusal is one line on stderr.
 */
export async function serve(
  argv: string[],
  io: { out(line: string): void; err(line: string): void },
  env: NodeJS.ProcessEnv,
): Promise<number> {
  const refuse = (message: string, code: number) => {
    io.err(`latchkey serve: ${message}`)
    return code
  }
  let settings: Settings
  try {
    const { values } = parseArgs({ args: argv, options: SERVE_OPTIONS, strict: true })
    if (values.help) {
      io.out(serveHelp())
      return 0
    }
    settings = resolveSettings(values, env)
  } catch (error) {
    return refuse((error as Error).message, 2)
  }
  const logger = pino({ level: settings.logLevel ?? 'info' })
  let stores: Awaited<ReturnType<typeof openStoresFromEnv>>
  try {
    stores = await openStoresFromEnv(env)
  } catch (error) {
    return refuse(
      error instanceof StoreSetupError
        ? error.message
        : `unexpected error: ${(error as Error).message}`,
      1,
    )
  }
  let served: Awaited<ReturnType<typeof serveIdentityProvider>>
  try {
    served = await serveIdentityProvider({
      issuer: settings.issuer as string,
      port: settings.port ?? 4000,
      host: settings.host,
      stores,
      logger,
      branding: { name: settings.brandName },
      trustProxy: settings.trustProxy,
      accessTokenTtl: settings.accessTokenTtl,
      refreshTokenRetrySeconds: settings.refreshTokenRetrySeconds,
      ...(settings.metrics && { metrics: processMetrics() }),
    })
  } catch (error) {
    await stores.close()
    if (error instanceof ListenError) return refuse(error.message, 1)
    if (error instanceof StoreUnavailableError) return refuse(describeStoreFailure(error, env), 1)
    return refuse(`unexpected error: ${(error as Error).message}`, 1)
  }
  logger.info(
    {
      issuer: settings.issuer,
      url: served.url,
      stores: { durable: stores.durable.kind, ephemeral: stores.ephemeral.kind },
    },
    'listening',
  )
  // The first signal stops gracefully; a second one (handlers gone) ends the process at once.
  const signal = await new Promise<string>((resolve) => {
    let parentWatch: NodeJS.Timeout | undefined
    const stop = (name: string) => {
      for (const s of SIGNALS) process.removeListener(s, stop)
      clearInterval(parentWatch)
      resolve(name)
    }
    for (const s of SIGNALS) process.on(s, stop)
    // Under `npx latchkey serve` a shell sits between npm and this process: npm passes a
    // SIGTERM on to the shell, which dies of it without passing it on. This process is then
    // handed to another parent, and stops as if it had received the signal itself.
    if (env.npm_lifecycle_event) {
      const parent = process.ppid
      parentWatch = setInterval(() => {
        if (process.ppid !== parent) stop('npm exited')
      }, 250)
    }
  })
  logger.info({ signal }, 'stopping: finishing requests in flight')
  await served.close()
  await stores.close()
  logger.info('stopped: stores closed')
  return 0
}
