import {
  createHash,
  createHmac,
  generateKeyPairSync,
  randomBytes,
  sign,
  timingSafeEqual,
  verify,
} from 'node:crypto'
import { once } from 'node:events'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'

/**
 * The seeds' anti-patterns, one at a time. Without one, the mini deployment does every item of
 * the checklist right, so a flaw shows up as exactly the audit item meant for it.
 */
export const FLAWS = {
  'readable-token-cookie': 'cookie.httponly',
  'no-csrf-check': 'csrf',
  'reflected-cors': 'cors.origins',
  'refresh-cookie-path-root': 'cookie.refresh-path',
  'accepts-alg-none': 'token.alg-none',
  'idp-without-pkce': 'oidc.pkce',
  'idp-implicit-grant': 'oidc.grants',
  'logout-only-clears-cookies': 'logout.ends-session',
} as const
export type Flaw = keyof typeof FLAWS

export const USER = { username: 'alice', password: 'mini-password' }

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')
const random = () => randomBytes(24).toString('base64url')
const now = () => Math.floor(Date.now() / 1000)

const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
}

const cookiesOf = (req: IncomingMessage) =>
  new Map(
    (req.headers.cookie ?? '')
      .split(';')
      .map((pair) => pair.trim().split('=') as [string, string])
      .filter(([name]) => name),
  )

async function bodyOf(req: IncomingMessage): Promise<URLSearchParams> {
  let text = ''
  for await (const chunk of req) text += chunk
  return new URLSearchParams(text)
}

const json = (res: ServerResponse, status: number, body: unknown, headers: object = {}) => {
  res.writeHead(status, {
    'content-type': 'application/json',
    'cache-control': 'no-store',
    ...headers,
  })
  res.end(JSON.stringify(body))
}

async function listen(handler: (req: IncomingMessage, res: ServerResponse) => Promise<void>) {
  const server = createServer((req, res) => {
    handler(req, res).catch(() => json(res, 400, { error: 'invalid_request' }))
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return server
}

const portOf = (server: Server) => (server.address() as { port: number }).port

/**
 * A small app backend and IdP, in the shape of the seeds' BFF: code flow with PKCE, tokens in
 * HttpOnly cookies, a double-submit CSRF token bound to the session, refresh rotation with
 * reuse detection, a logout that revokes. `flaw` breaks one of those.
 */
export async function startMiniDeployment(flaw?: Flaw) {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const jwk = { ...publicKey.export({ format: 'jwk' }), kid: 'mini-1', alg: 'ES256', use: 'sig' }
  const secret = random()
  const codes = new Map<string, { sid: string; challenge: string | null }>()
  const transactions = new Map<string, { state: string; verifier: string; returnTo: string }>()
  const refreshTokens = new Map<string, { sid: string; family: string; used: boolean }>()
  const revokedFamilies = new Set<string>()
  const revokedSessions = new Set<string>()
  let app = ''
  let idp = ''

  const signJwt = (payload: object) => {
    const input = `${b64({ alg: 'ES256', typ: 'at+jwt', kid: jwk.kid })}.${b64(payload)}`
    return `${input}.${sign('sha256', Buffer.from(input), { key: privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`
  }
  const verifyJwt = (token: string | undefined) => {
    const [h = '', p = '', s = ''] = token?.split('.') ?? []
    try {
      const header = JSON.parse(Buffer.from(h, 'base64url').toString()) as { alg?: string }
      const claims = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>
      const signed =
        (flaw === 'accepts-alg-none' && header.alg === 'none') ||
        (header.alg === 'ES256' &&
          verify(
            'sha256',
            Buffer.from(`${h}.${p}`),
            { key: publicKey, dsaEncoding: 'ieee-p1363' },
            Buffer.from(s, 'base64url'),
          ))
      const fresh = typeof claims.exp === 'number' && claims.exp > now()
      return signed && fresh && claims.iss === idp && claims.aud === 'mini-app' ? claims : undefined
    } catch {
      return undefined
    }
  }
  const csrfFor = (sid: string) =>
    `${sid}.${createHmac('sha256', secret).update(sid).digest('base64url')}`

  /** The session a request's access cookie names, unless revoked. */
  const sessionOf = (req: IncomingMessage) => {
    const claims = verifyJwt(cookiesOf(req).get('__Host-access_token'))
    const sid = claims?.sid
    return typeof sid === 'string' && !revokedSessions.has(sid) ? sid : undefined
  }

  const issue = (sid: string, family = random()) => {
    const refresh = random()
    refreshTokens.set(refresh, { sid, family, used: false })
    const iat = now()
    const access = signJwt({ iss: idp, aud: 'mini-app', sub: 'alice', sid, iat, exp: iat + 300 })
    return [
      `__Host-access_token=${access}; Path=/; Max-Age=300; SameSite=Lax; Secure${flaw === 'readable-token-cookie' ? '' : '; HttpOnly'}`,
      `__Secure-refresh_token=${refresh}; Path=${flaw === 'refresh-cookie-path-root' ? '/' : '/auth/refresh'}; Max-Age=604800; SameSite=Strict; Secure; HttpOnly`,
      `__Host-csrf_token=${csrfFor(sid)}; Path=/; Max-Age=604800; SameSite=Lax; Secure`,
    ]
  }
  const cleared = [
    '__Host-access_token=; Path=/; Max-Age=0; SameSite=Lax; Secure; HttpOnly',
    `__Secure-refresh_token=; Path=${flaw === 'refresh-cookie-path-root' ? '/' : '/auth/refresh'}; Max-Age=0; SameSite=Strict; Secure; HttpOnly`,
    '__Host-csrf_token=; Path=/; Max-Age=0; SameSite=Lax; Secure',
  ]

  /** Origin, else Fetch Metadata (the CSRF guard's first layer). */
  const sameOrigin = (req: IncomingMessage) =>
    req.headers.origin === undefined
      ? req.headers['sec-fetch-site'] !== 'cross-site'
      : req.headers.origin === app
  const validCsrf = (req: IncomingMessage, sid: string) => {
    const header = String(req.headers['x-csrf-token'] ?? '')
    const expected = csrfFor(sid)
    return (
      header === cookiesOf(req).get('__Host-csrf_token') &&
      header.length === expected.length &&
      timingSafeEqual(Buffer.from(header), Buffer.from(expected))
    )
  }
  const cors = (req: IncomingMessage) => {
    const origin = req.headers.origin
    const allowed = flaw === 'reflected-cors' ? origin !== undefined : origin === app
    return allowed
      ? {
          'access-control-allow-origin': origin,
          'access-control-allow-credentials': 'true',
          vary: 'Origin',
        }
      : { vary: 'Origin' }
  }

  const appServer = await listen(async (req, res) => {
    const url = new URL(req.url ?? '/', app)
    const route = `${req.method} ${url.pathname}`
    if (route === 'GET /auth/login') {
      const returnTo = url.searchParams.get('returnTo') ?? '/'
      if (!returnTo.startsWith('/') || returnTo.startsWith('//') || returnTo.includes('\\'))
        return json(res, 400, { error: 'invalid_request' })
      const tx = { state: random(), verifier: random(), returnTo }
      const id = random()
      transactions.set(id, tx)
      const authorize = new URL('/authorize', idp)
      authorize.search = new URLSearchParams({
        response_type: 'code',
        client_id: 'mini-app',
        redirect_uri: `${app}/auth/callback`,
        state: tx.state,
        code_challenge: createHash('sha256').update(tx.verifier).digest('base64url'),
        code_challenge_method: 'S256',
      }).toString()
      res.writeHead(302, {
        location: authorize.href,
        'cache-control': 'no-store',
        'set-cookie': `__Secure-tx=${id}; Path=/auth/callback; Max-Age=600; SameSite=Lax; Secure; HttpOnly`,
      })
      return void res.end()
    }
    if (route === 'GET /auth/callback') {
      const tx = transactions.get(cookiesOf(req).get('__Secure-tx') ?? '')
      const code = codes.get(url.searchParams.get('code') ?? '')
      const challenge = tx && createHash('sha256').update(tx.verifier).digest('base64url')
      if (
        !tx ||
        !code ||
        url.searchParams.get('state') !== tx.state ||
        (code.challenge && code.challenge !== challenge)
      )
        return json(res, 400, { error: 'invalid_grant' })
      codes.delete(url.searchParams.get('code') ?? '')
      res.writeHead(303, {
        location: tx.returnTo,
        'cache-control': 'no-store',
        'set-cookie': [
          ...issue(code.sid),
          '__Secure-tx=; Path=/auth/callback; Max-Age=0; Secure; HttpOnly',
        ],
      })
      return void res.end()
    }
    if (route === 'GET /auth/me') {
      const sid = sessionOf(req)
      if (!sid) return json(res, 401, { error: 'unauthenticated' }, cors(req))
      return json(res, 200, { user: { sub: 'alice' }, csrfToken: csrfFor(sid) }, cors(req))
    }
    if (route === 'POST /auth/refresh') {
      if (!sameOrigin(req)) return json(res, 403, { error: 'csrf_failed' })
      const token = cookiesOf(req).get('__Secure-refresh_token') ?? ''
      const record = refreshTokens.get(token)
      if (!record || revokedFamilies.has(record.family) || revokedSessions.has(record.sid))
        return json(res, 401, { error: 'unauthenticated' }, { 'set-cookie': cleared })
      // RFC 9700 §4.14.2: a used refresh token is reuse; the whole family goes.
      if (record.used) {
        revokedFamilies.add(record.family)
        return json(res, 401, { error: 'unauthenticated' }, { 'set-cookie': cleared })
      }
      record.used = true
      return json(res, 200, { ok: true }, { 'set-cookie': issue(record.sid, record.family) })
    }
    if (route === 'POST /auth/logout') {
      const sid = sessionOf(req)
      if (flaw !== 'no-csrf-check' && (!sameOrigin(req) || !sid || !validCsrf(req, sid)))
        return json(res, 403, { error: 'csrf_failed' })
      if (sid && flaw !== 'logout-only-clears-cookies') {
        revokedSessions.add(sid)
        for (const r of refreshTokens.values()) if (r.sid === sid) revokedFamilies.add(r.family)
      }
      return json(res, 200, { ok: true }, { 'set-cookie': cleared })
    }
    if (route === 'GET /') {
      res.writeHead(200, { ...PAGE_HEADERS, 'referrer-policy': 'strict-origin-when-cross-origin' })
      return void res.end('<!doctype html><title>mini app</title><p>signed in</p>')
    }
    json(res, 404, { error: 'not_found' })
  })

  const idpServer = await listen(async (req, res) => {
    const url = new URL(req.url ?? '/', idp)
    const route = `${req.method} ${url.pathname}`
    if (route === 'GET /.well-known/openid-configuration')
      return json(res, 200, {
        issuer: idp,
        authorization_endpoint: `${idp}/authorize`,
        token_endpoint: `${idp}/token`,
        jwks_uri: `${idp}/jwks`,
        response_types_supported:
          flaw === 'idp-implicit-grant' ? ['code', 'token', 'id_token token'] : ['code'],
        grant_types_supported: [
          'authorization_code',
          'refresh_token',
          ...(flaw === 'idp-implicit-grant' ? ['implicit'] : []),
        ],
        ...(flaw === 'idp-without-pkce' ? {} : { code_challenge_methods_supported: ['S256'] }),
        id_token_signing_alg_values_supported: ['ES256'],
        subject_types_supported: ['public'],
      })
    if (route === 'GET /jwks') return json(res, 200, { keys: [jwk] })
    if (route === 'GET /authorize') {
      const p = url.searchParams
      const redirectUri = `${app}/auth/callback`
      if (p.get('client_id') !== 'mini-app' || p.get('redirect_uri') !== redirectUri) {
        res.writeHead(400, PAGE_HEADERS)
        return void res.end(
          '<!doctype html><title>error</title><p>unknown client or redirect_uri</p>',
        )
      }
      if (flaw !== 'idp-without-pkce' && p.get('code_challenge_method') !== 'S256') {
        const back = new URL(redirectUri)
        back.search = new URLSearchParams({
          error: 'invalid_request',
          state: p.get('state') ?? '',
        }).toString()
        res.writeHead(303, { location: back.href, 'cache-control': 'no-store' })
        return void res.end()
      }
      const hidden = ['state', 'code_challenge']
        .map(
          (n) =>
            `<input type="hidden" name="${n}" value="${(p.get(n) ?? '').replace(/"/g, '&quot;')}">`,
        )
        .join('')
      res.writeHead(200, PAGE_HEADERS)
      return void res.end(
        `<!doctype html><title>Sign in</title><form method="post" action="/login">${hidden}<input id="username" name="username"><input id="password" type="password" name="password"><button type="submit">Sign in</button></form>`,
      )
    }
    if (route === 'POST /login') {
      const form = await bodyOf(req)
      if (form.get('username') !== USER.username || form.get('password') !== USER.password) {
        res.writeHead(401, PAGE_HEADERS)
        return void res.end('<!doctype html><title>Sign in</title><p>wrong password</p>')
      }
      const code = random()
      codes.set(code, { sid: random(), challenge: form.get('code_challenge') || null })
      const back = new URL(`${app}/auth/callback`)
      back.search = new URLSearchParams({ code, state: form.get('state') ?? '' }).toString()
      res.writeHead(303, { location: back.href, 'cache-control': 'no-store' })
      return void res.end()
    }
    json(res, 404, { error: 'not_found' })
  })

  app = `http://app.localhost:${portOf(appServer)}`
  idp = `http://idp.localhost:${portOf(idpServer)}`
  return {
    appUrl: app,
    idpUrl: idp,
    async close() {
      for (const server of [appServer, idpServer]) {
        server.closeAllConnections()
        await new Promise((resolve) => server.close(resolve))
      }
    },
  }
}
