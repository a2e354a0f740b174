import { writeFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import type { Io } from '../commands.ts'
import type { Login } from './browser.ts'
import type { AuditOptions } from './item.ts'
import { exitCode, renderHtml, renderJson, renderText } from './report.ts'
import { runAudit } from './run.ts'

export const AUDIT_USAGE = `Usage: latchkey audit <app-url> [options]

Checks a running deployment against the web-auth checklist, from the outside: cookies, CSRF,
CORS, response headers, the OpenID provider, tokens and sessions. Exit code 1 on any failed
item, 2 on a usage error. A bounded number of requests; nothing is guessed or flooded.

  --idp URL                the IdP's issuer (default: found from the app's login redirect)
  --login USER[:PASSWORD]  sign in twice in Chromium (password from LATCHKEY_AUDIT_PASSWORD
                           when not given); playwright-core and a Chromium are needed
  --login-script FILE      sign in with your own script: export default async (page, { appUrl, loginUrl }) => {}
  --api URL                another origin of the same backend whose CORS is probed (repeatable)
  --json                   the report as JSON on standard output
  --html FILE              also write the report as one self-contained HTML file
  --login-path P           default /auth/login     --me-path P       default /auth/me
  --refresh-path P         default /auth/refresh   --logout-path P   default /auth/logout
  --csrf-header NAME       default X-CSRF-Token
  --csrf-target "M PATH"   the state-changing request CSRF is probed on (default: POST <logout-path>)
  --return-param NAME      the login's return-address parameter (default returnTo)
  --max-requests N         the request budget (default 150)`

const OPTIONS = {
  idp: { type: 'string' },
  login: { type: 'string' },
  'login-script': { type: 'string' },
  api: { type: 'string', multiple: true },
  json: { type: 'boolean' },
  html: { type: 'string' },
  'login-path': { type: 'string' },
  'me-path': { type: 'string' },
  'refresh-path': { type: 'string' },
  'logout-path': { type: 'string' },
  'csrf-header': { type: 'string' },
  'csrf-target': { type: 'string' },
  'return-param': { type: 'string' },
  'max-requests': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const

class Usage extends Error {}

const httpUrl = (value: string, what: string) => {
  try {
    const url = new URL(value)
    if (url.protocol === 'http:' || url.protocol === 'https:') return url
  } catch {}
  throw new Usage(`${what} must be an http:// or https:// URL`)
}

const path = (value: string | undefined, fallback: string, name: string) => {
  if (value === undefined) return fallback
  if (!value.startsWith('/')) throw new Usage(`--${name} must start with /`)
  return value
}

function loginOf(values: Record<string, unknown>, env: NodeJS.ProcessEnv): Login | undefined {
  const given = values.login as string | undefined
  const script = values['login-script'] as string | undefined
  if (given !== undefined && script !== undefined)
    throw new Usage('give --login or --login-script, not both')
  if (script !== undefined) return { kind: 'script', file: script }
  if (given === undefined) return undefined
  const colon = given.indexOf(':')
  const username = colon < 0 ? given : given.slice(0, colon)
  // A password in argv is visible to every user of the machine (ps): the environment is better.
  const password = colon < 0 ? env.LATCHKEY_AUDIT_PASSWORD : given.slice(colon + 1)
  if (!username || !password)
    throw new Usage('--login needs USER:PASSWORD, or USER with LATCHKEY_AUDIT_PASSWORD set')
  return { kind: 'password', username, password }
}

function optionsOf(values: Record<string, unknown>, positionals: string[]): AuditOptions {
  if (positionals.length !== 1) throw new Usage('give exactly one <app-url>')
  const app = httpUrl(positionals[0] as string, '<app-url>')
  const idp = values.idp as string | undefined
  const paths = {
    login: path(values['login-path'] as string | undefined, '/auth/login', 'login-path'),
    me: path(values['me-path'] as string | undefined, '/auth/me', 'me-path'),
    refresh: path(values['refresh-path'] as string | undefined, '/auth/refresh', 'refresh-path'),
    logout: path(values['logout-path'] as string | undefined, '/auth/logout', 'logout-path'),
  }
  const target = (values['csrf-target'] as string | undefined) ?? `POST ${paths.logout}`
  const [method = '', targetPath = ''] = target.trim().split(/\s+/)
  if (!/^(POST|PUT|PATCH|DELETE)$/i.test(method) || !targetPath.startsWith('/'))
    throw new Usage('--csrf-target must be "POST|PUT|PATCH|DELETE /path"')
  return {
    appUrl: app.href,
    ...(idp === undefined ? {} : { idp: httpUrl(idp, '--idp').href.replace(/\/$/, '') }),
    apis: ((values.api as string[] | undefined) ?? []).map((u) => httpUrl(u, '--api').origin),
    paths,
    csrfHeader: (values['csrf-header'] as string | undefined) ?? 'X-CSRF-Token',
    csrfTarget: { method: method.toUpperCase(), path: targetPath },
    returnParam: (values['return-param'] as string | undefined) ?? 'returnTo',
  }
}

/** `latchkey audit`: 0 every item passed or could not be checked, 1 a failure, 2 usage. */
export async function audit(argv: string[], io: Io, env = process.env): Promise<number> {
  let options: AuditOptions
  let login: Login | undefined
  let values: Record<string, unknown>
  try {
    const parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true })
    values = parsed.values
    if (values.help) {
      io.out(AUDIT_USAGE)
      return 0
    }
    options = optionsOf(values, parsed.positionals)
    login = loginOf(values, env)
  } catch (error) {
    io.err(`latchkey audit: ${(error as Error).message}\n\n${AUDIT_USAGE}`)
    return 2
  }
  const max = values['max-requests'] === undefined ? 150 : Number(values['max-requests'])
  if (!Number.isInteger(max) || max < 1 || max > 1000) {
    io.err(`latchkey audit: --max-requests must be a whole number from 1 to 1000\n\n${AUDIT_USAGE}`)
    return 2
  }
  const report = await runAudit(options, { login, maxRequests: max, env })
  io.out(values.json ? renderJson(report) : renderText(report))
  if (typeof values.html === 'string') {
    writeFileSync(values.html, renderHtml(report))
    if (!values.json) io.out(`HTML report: ${values.html}`)
  }
  return exitCode(report)
}
