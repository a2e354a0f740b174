import type { Reply, Send } from './http.ts'
import type { Cookie } from './jar.ts'
import type { Deployment } from './target.ts'

export type Status = 'pass' | 'fail' | 'not checkable'

/** The report's sections, in the order of the seeds' checklist. */
export const FAMILIES = {
  transport: 'Transport',
  cookies: 'Cookies',
  csrf: 'CSRF',
  cors: 'CORS',
  headers: 'Response headers',
  oidc: 'OpenID provider',
  tokens: 'Tokens and sessions',
} as const
export type Family = keyof typeof FAMILIES

export interface Verdict {
  status: Status
  /** What was seen: the header, the cookie, the status — enough to check it by hand. */
  evidence: string[]
}

export interface Check {
  id: string
  family: Family
  title: string
  /** What to change when the item fails. */
  fix: string
  run(ctx: AuditContext): Promise<Verdict>
}

export type ItemResult = Omit<Check, 'run'> & Verdict

export const pass = (...evidence: string[]): Verdict => ({ status: 'pass', evidence })
export const fail = (...evidence: string[]): Verdict => ({ status: 'fail', evidence })
export const notCheckable = (...evidence: string[]): Verdict => ({
  status: 'not checkable',
  evidence,
})

/** All failures, or a pass with what was looked at. */
export const verdict = (failures: string[], looked: string[]): Verdict =>
  failures.length > 0 ? fail(...failures) : pass(...looked)

export interface AuditOptions {
  appUrl: string
  idp?: string
  /** More origins of the same backend whose CORS policy is probed. */
  apis: string[]
  paths: { login: string; me: string; refresh: string; logout: string }
  csrfHeader: string
  csrfTarget: { method: string; path: string }
  returnParam: string
}

/** One browser sign-in, as the audit saw it. */
export interface SignedIn {
  /** The app's cookies after sign-in, with the browser's view of their attributes. */
  cookies: Cookie[]
  /** The raw Set-Cookie lines the app's origin sent during sign-in. */
  setCookies: string[]
  documentCookie: string
  storage: { area: 'localStorage' | 'sessionStorage'; key: string; value: string }[]
  landedAt: string
  /** The session's CSRF token: its CSRF cookie, else the `csrfToken` of the "me" answer. */
  csrfToken?: string
  /** Where the sign-in started with a hostile return address, where the browser was sent. */
  returnTo?: { probe: string; reachedForeign: boolean }
}

export interface AuditContext {
  options: AuditOptions
  send: Send
  deployment: Deployment
  /** Two sign-ins (two browsers' worth of sessions) when credentials were given. */
  sessions?: [SignedIn, SignedIn]
  /** The first session's authenticated answer from the "me" endpoint. */
  signedInMe?: Reply
}

export const appPath = (options: AuditOptions, path: string) => new URL(path, options.appUrl).href

/** A URL for the report: its query (state, nonce, challenges) shortened away. */
const shortUrl = (url: string) => {
  const u = new URL(url)
  return `${u.origin}${u.pathname}${u.search ? '?…' : ''}`
}

/** A cookie value is a credential: the report shows its length, never the value. */
export const redactCookie = (line: string) =>
  line.replace(
    /^([^=;]+)=([^;]*)/,
    (_, name: string, value: string) => `${name}=<${value.length} chars>`,
  )

export const describe = (reply: Reply, names: string[] = []) =>
  `${reply.method} ${shortUrl(reply.url)} → ${reply.status}${names
    .map((name) => {
      const value = reply.headers[name]
      return value === undefined ? `, no ${name}` : `, ${name}: ${[value].flat().join(', ')}`
    })
    .join('')}`

export type { Cookie }
