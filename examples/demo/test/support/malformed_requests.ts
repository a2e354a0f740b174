import fc from 'fast-check'

/** One of the demo's origins, as the fuzzer aims at it. */
export interface FuzzOrigin {
  name: string
  port: number
  /** `host:port`, as a browser sends it in `Host`. */
  host: string
  /** Its endpoints; odd paths are made from them too. */
  paths: string[]
}

/** Real values taken from the running stack, recombined with garbage. */
export interface RealValues {
  /** Strings worth putting anywhere: an interaction uid, CSRF tokens, access and refresh tokens. */
  values: string[]
  /** Whole `Cookie` headers of a real browser (the IdP's interaction, a signed-in backend). */
  cookieHeaders: string[]
  /** A login form aimed at a live interaction: its path, CSRF token and the browser's cookies. */
  login: { path: string; csrf: string; cookies: string }
}

export interface FuzzRequest {
  origin: FuzzOrigin
  bytes: Buffer
}

const COOKIE_NAMES = [
  '__Host-access_token',
  '__Secure-refresh_token',
  '__Host-csrf_token',
  '__Host-latchkey_tx',
  'latchkey_session',
  '_interaction',
  '_interaction_resume',
  '_session',
  '_session.legacy',
]
const PARAMS = [
  'returnTo',
  'code',
  'state',
  'iss',
  'error',
  'client_id',
  'redirect_uri',
  'response_type',
  'scope',
  'code_challenge',
  'code_challenge_method',
  'nonce',
  'prompt',
  'id_token_hint',
  'post_logout_redirect_uri',
  'logout_token',
  'grant_type',
  'refresh_token',
  'token',
  'username',
  'password',
  'csrf',
  'xsrf',
  'logout',
  'claims',
  'request',
]
const ODD_VALUES = [
  '//evil.example',
  'https://evil.example/x',
  '/\\evil.example',
  'openid offline_access',
  'code',
  'S256',
  'plain',
  'demo-app',
  'demo-admin',
  'http://app.localhost:3000/auth/callback',
  'refresh_token',
  'authorization_code',
  '%zz',
  '\u0000',
  '',
  'a'.repeat(600), // longer than any store key
]
const ODD_SEGMENTS = [
  '%zz',
  '%',
  '%00',
  '%2e%2e',
  '..',
  '.',
  '%2F',
  '%5C',
  '%C0%AF',
  '%E2%80%AE',
  '%ff',
  '~',
  ';x=1',
]
const ODD_PATHS = [
  '/',
  '//',
  '///x',
  '//evil.example/x',
  '/..',
  '/../../etc/passwd',
  '/%2e%2e/%2e%2e/etc/passwd',
  '/%zz',
  '/assets/../../package.json',
  '/index.html%00.js',
  '/favicon.ico',
  '/.well-known/openid-configuration/',
]
const ODD_HOSTS = [
  'a b',
  'user:pw@app.localhost:3000',
  '[::1',
  '[::1]:3000',
  'app.localhost:99999',
  'app.localhost:-1',
  '%zz',
  '',
  'app.localhost:3000/x',
  'evil.example',
  'APP.LOCALHOST:3000',
  '127.0.0.1:3000',
  'idp.localhost:4000',
]
const CONTENT_TYPES = [
  'application/x-www-form-urlencoded',
  'application/x-www-form-urlencoded; charset=utf-16',
  'application/json',
  'multipart/form-data; boundary=x',
  'text/plain',
  'application/jwt',
  '',
  ';;;',
]
const BIG_SIZES = [16_384, 32_767, 32_769, 65_535, 65_536, 65_537, 200_000]

const b64url = (text: string) => Buffer.from(text).toString('base64url')

/** Builds the arbitrary of one malformed request against one of `origins`. */
export function malformedRequests(origins: FuzzOrigin[], real: RealValues) {
  // Printable ASCII from random bytes: as varied as fc.string's, at a fraction of its cost.
  const junk = fc
    .uint8Array({ maxLength: 40 })
    .map((bytes) => String.fromCharCode(...bytes.map((b) => 32 + (b % 95))))
  const text = fc.oneof(
    { weight: 4, arbitrary: junk },
    { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }) },
    { weight: 2, arbitrary: fc.constantFrom(...real.values, ...ODD_VALUES) },
  )
  const jwtShaped = fc
    .tuple(
      fc.record(
        {
          alg: fc.oneof(fc.constantFrom('ES256', 'none', 'HS256', 'RS256', 'EdDSA'), junk),
          typ: fc.constantFrom('at+jwt', 'JWT', 'logout+jwt'),
          kid: junk,
        },
        { requiredKeys: [] },
      ),
      fc.record(
        {
          iss: fc.oneof(fc.constant('http://idp.localhost:4000'), junk),
          sub: junk,
          aud: fc.constantFrom('demo-app', 'demo-admin', 'x'),
          exp: fc.integer(),
          iat: fc.integer(),
          sid: junk,
          jti: junk,
          events: fc.constant({ 'http://schemas.openid.net/event/backchannel-logout': {} }),
        },
        { requiredKeys: [] },
      ),
      junk,
    )
    .map(([h, p, s]) => `${b64url(JSON.stringify(h))}.${b64url(JSON.stringify(p))}.${b64url(s)}`)
  const value = fc.oneof({ weight: 4, arbitrary: text }, { weight: 1, arbitrary: jwtShaped })

  const segment = fc.oneof(
    { weight: 3, arbitrary: junk.map(encodeURIComponent) },
    { weight: 2, arbitrary: fc.constantFrom(...ODD_SEGMENTS, ...real.values) },
    { weight: 1, arbitrary: junk }, // raw: spaces, quotes, control characters
  )
  const pathOf = (origin: FuzzOrigin) =>
    fc.oneof(
      { weight: 5, arbitrary: fc.constantFrom(...origin.paths) },
      {
        weight: 3,
        arbitrary: fc
          .tuple(fc.constantFrom(...origin.paths), fc.array(segment, { maxLength: 3 }))
          .map(([path, extra]) => [path.replace(/\/$/, ''), ...extra].join('/')),
      },
      {
        weight: 2,
        arbitrary: fc.array(segment, { minLength: 1, maxLength: 5 }).map((s) => `/${s.join('/')}`),
      },
      { weight: 2, arbitrary: fc.constantFrom(...ODD_PATHS) },
      {
        weight: 1,
        arbitrary: fc.constantFrom(2_000, 9_000, 17_000).map((n) => `/${'a'.repeat(n)}`),
      },
    )
  // Repeated parameters are common: `PARAMS` is small.
  const query = fc.oneof(
    fc.constant(''),
    fc
      .array(fc.tuple(fc.constantFrom(...PARAMS), value), { minLength: 1, maxLength: 8 })
      .map((pairs) => `?${new URLSearchParams(pairs)}`),
    fc.constantFrom('?', '?%zz', '?&&==&a', '?a=%', '?returnTo=%2F%2Fevil.example', '?#frag'),
  )
  const authority = (origin: FuzzOrigin) =>
    fc.oneof(fc.constant(origin.host), fc.constantFrom(...ODD_HOSTS), junk)
  const target = (origin: FuzzOrigin) =>
    fc.oneof(
      { weight: 10, arbitrary: fc.tuple(pathOf(origin), query).map(([p, q]) => p + q) },
      {
        weight: 2,
        arbitrary: fc
          .tuple(fc.constantFrom('http', 'https', 'ftp'), authority(origin), pathOf(origin), query)
          .map(([scheme, host, p, q]) => `${scheme}://${host}${p}${q}`),
      },
      { weight: 1, arbitrary: fc.constantFrom('*', 'app.localhost:443', 'nopath', '') },
    )
  const method = fc.oneof(
    { weight: 10, arbitrary: fc.constantFrom('GET', 'GET', 'POST', 'POST', 'HEAD', 'OPTIONS') },
    { weight: 3, arbitrary: fc.constantFrom('PUT', 'DELETE', 'PATCH', 'TRACE') },
    { weight: 1, arbitrary: fc.constantFrom('CONNECT', 'PROPFIND', 'get', 'M-SEARCH', 'QUERY') },
    { weight: 1, arbitrary: fc.stringMatching(/^[A-Z]{1,12}$/) },
  )
  const version = fc.oneof(
    { weight: 20, arbitrary: fc.constant('HTTP/1.1') },
    { weight: 1, arbitrary: fc.constantFrom('HTTP/1.0', 'HTTP/1.2', 'HTTP/2.0', 'HTTP/0.9') },
  )
  const hostLines = (origin: FuzzOrigin) =>
    fc.oneof(
      { weight: 12, arbitrary: fc.constant([origin.host]) },
      { weight: 1, arbitrary: fc.constant([]) },
      { weight: 1, arbitrary: authority(origin).map((h) => [origin.host, h]) },
      { weight: 2, arbitrary: authority(origin).map((h) => [h]) },
    )
  const cookie = fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...real.cookieHeaders) },
    {
      weight: 3,
      arbitrary: fc
        .array(
          fc.tuple(fc.oneof(fc.constantFrom(...COOKIE_NAMES), junk), fc.oneof(value, jwtShaped)),
          { minLength: 1, maxLength: 6 },
        )
        .map((pairs) => pairs.map(([n, v]) => `${n}=${v}`).join('; ')),
    },
    { weight: 1, arbitrary: fc.constantFrom(';;;', '=', 'a', `x=${'y'.repeat(9_000)}`) },
  )
  const header = (name: string, values: fc.Arbitrary<string>) =>
    values.map((v): [string, string] => [name, v])
  // A few headers each, often the ones Latchkey reads, sometimes one twice.
  const headers = fc.array(
    fc.oneof(
      { weight: 6, arbitrary: header('cookie', cookie) },
      {
        weight: 3,
        arbitrary: header(
          'authorization',
          fc.oneof(
            jwtShaped.map((t) => `Bearer ${t}`),
            value.map((v) => `Bearer ${v}`),
            value.map((v) => `Basic ${Buffer.from(`demo-app:${v}`).toString('base64')}`),
            junk,
          ),
        ),
      },
      { weight: 4, arbitrary: header('content-type', fc.constantFrom(...CONTENT_TYPES)) },
      {
        weight: 3,
        arbitrary: header(
          'origin',
          fc.oneof(
            fc.constantFrom(
              ...origins.map((o) => `http://${o.host}`),
              'null',
              'http://evil.example',
            ),
            junk,
          ),
        ),
      },
      { weight: 3, arbitrary: header('x-csrf-token', value) },
      { weight: 1, arbitrary: header('x-forwarded-host', fc.constantFrom(...ODD_HOSTS)) },
      { weight: 1, arbitrary: header('x-forwarded-proto', fc.constantFrom('https', 'gopher', '')) },
      { weight: 1, arbitrary: header('expect', fc.constantFrom('100-continue', 'nonsense')) },
      { weight: 1, arbitrary: header('connection', fc.constantFrom('upgrade', 'close, TE')) },
      { weight: 1, arbitrary: header('upgrade', fc.constantFrom('websocket', 'h2c')) },
      { weight: 1, arbitrary: header('range', fc.constantFrom('bytes=0-1', 'bytes=9-1', 'x')) },
      { weight: 1, arbitrary: header('accept', fc.constantFrom('application/json', '\u00ff')) },
      { weight: 1, arbitrary: fc.tuple(junk, junk) },
    ),
    { maxLength: 5 },
  )
  const body = fc.oneof(
    { weight: 12, arbitrary: fc.constant(Buffer.alloc(0)) },
    {
      weight: 4,
      arbitrary: fc
        .array(fc.tuple(fc.constantFrom(...PARAMS), value), { maxLength: 8 })
        .map((pairs) => Buffer.from(new URLSearchParams(pairs).toString())),
    },
    {
      weight: 2,
      arbitrary: fc
        .dictionary(fc.constantFrom(...PARAMS), fc.oneof(value, fc.integer(), fc.boolean()))
        .map((object) => Buffer.from(JSON.stringify(object))),
    },
    { weight: 1, arbitrary: fc.constantFrom('{"a":', '[', '\u0000', '%zz=%zz').map(Buffer.from) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 200 }).map((a) => Buffer.from(a)) },
    { weight: 1, arbitrary: fc.constantFrom(...BIG_SIZES).map((n) => Buffer.alloc(n, 'a')) },
  )
  const framing = fc.oneof(
    { weight: 12, arbitrary: fc.constant('length') },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        'none',
        'chunked',
        'bad-chunked',
        'short-length',
        'long-length',
        'both',
        'bad-length',
        'two-lengths',
      ),
    },
  )
  const oddLines = fc.oneof(
    { weight: 20, arbitrary: fc.constant([] as string[]) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        ['no colon here'],
        [' folded: line'],
        [`x-big: ${'b'.repeat(20_000)}`],
        ['x-nul: a\u0000b'],
        ['content-length : 5'],
      ),
    },
  )

  const generic = fc
    .constantFrom(...origins)
    .chain((origin) =>
      fc.record({
        origin: fc.constant(origin),
        method,
        target: target(origin),
        version,
        hosts: hostLines(origin),
        headers,
        oddLines,
        body,
        framing,
      }),
    )
    .map((r) => ({ origin: r.origin, bytes: serialise(r) }))

  // The login form of a live interaction with its real CSRF token and cookies: everything
  // up to the password check is real, so the username and password reach it.
  const idp = origins.find((o) => o.name === 'idp') ?? (origins[0] as FuzzOrigin)
  const login = fc
    .record({
      username: fc.oneof(fc.constant(''), text),
      password: fc.oneof(fc.constant(''), text),
    })
    .map(({ username, password }) => ({
      origin: idp,
      bytes: serialise({
        method: 'POST',
        target: real.login.path,
        version: 'HTTP/1.1',
        hosts: [idp.host],
        headers: [
          ['cookie', real.login.cookies],
          ['content-type', 'application/x-www-form-urlencoded'],
        ],
        oddLines: [],
        body: Buffer.from(
          new URLSearchParams({ csrf: real.login.csrf, username, password }).toString(),
        ),
        framing: 'length',
      }),
    }))

  return fc.oneof({ weight: 40, arbitrary: generic }, { weight: 1, arbitrary: login })
}

interface RawRequest {
  method: string
  target: string
  version: string
  /** Each becomes a `Host` line: none, one, or several. */
  hosts: readonly string[]
  headers: readonly (readonly [string, string])[]
  /** Lines that are not well-formed header fields. */
  oddLines: readonly string[]
  body: Buffer
  framing: string
}

/** The request's bytes, framed as asked — correctly or not. */
function serialise({
  method,
  target,
  version,
  hosts,
  headers,
  oddLines,
  body,
  framing,
}: RawRequest): Buffer {
  const lines = [`${method} ${target} ${version}`, ...hosts.map((h) => `Host: ${h}`)]
  for (const [name, value] of headers) lines.push(`${name}: ${value}`)
  lines.push(...oddLines)
  let payload = body
  switch (framing) {
    case 'length':
      if (body.length > 0 || method === 'POST') lines.push(`Content-Length: ${body.length}`)
      break
    case 'chunked':
    case 'bad-chunked':
      lines.push('Transfer-Encoding: chunked')
      payload = Buffer.concat([
        Buffer.from(framing === 'chunked' ? `${body.length.toString(16)}\r\n` : 'zz\r\n'),
        body,
        Buffer.from('\r\n0\r\n\r\n'),
      ])
      break
    case 'short-length': // the rest of the body reads as a second request
      lines.push(`Content-Length: ${Math.floor(body.length / 2)}`)
      break
    case 'long-length': // the body ends early: the connection is half-closed before it comes
      lines.push(`Content-Length: ${body.length + 10}`)
      break
    case 'both':
      lines.push(`Content-Length: ${body.length}`, 'Transfer-Encoding: chunked')
      break
    case 'bad-length':
      lines.push(
        `Content-Length: ${['-1', 'abc', '1e3', '0x10', ' 12', '99999999999999999999'][body.length % 6]}`,
      )
      break
    case 'two-lengths':
      lines.push(`Content-Length: ${body.length}`, `Content-Length: ${body.length + 1}`)
      break
    // 'none': the body follows the head with no length at all
  }
  return Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'utf8'), payload])
}
