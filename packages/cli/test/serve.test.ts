import { randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as oidc from 'openid-client'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { freePort } from '../../../test/support/free_port.ts'
import { tcpProxy } from '../../../test/support/tcp_proxy.ts'
import { Browser, login } from '../../idp/test/support.ts'
import { expectOneLineRefusal, latchkey, type Serving, startServe } from './support.ts'

// `latchkey serve` as an operator runs it: the real command in a child process, configured by
// flags, environment and a config file, on embedded storage and on PostgreSQL + Redis; clients
// and users provisioned with the CLI against the same stores; stopped with SIGTERM.

const dirs: string[] = []
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'latchkey-serve-'))
  dirs.push(dir)
  return dir
}
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
})

const POSTGRES = 'postgres://postgres@127.0.0.1:5432'

/** A database of its own for one test run (the CLI's stores take their table names as they are). */
async function freshDatabase() {
  const name = `latchkey_serve_${randomBytes(6).toString('hex')}`
  const admin = new pg.Client({ connectionString: `${POSTGRES}/test` })
  await admin.connect()
  await admin.query(`CREATE DATABASE ${name}`)
  await admin.end()
  return {
    url: `${POSTGRES}/${name}`,
    async drop() {
      const client = new pg.Client({ connectionString: `${POSTGRES}/test` })
      await client.connect()
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
      await client.end()
    },
  }
}

/** Registers a client and a user through the CLI, then signs the user in with openid-client. */
async function provisionAndSignIn(served: Serving, env: NodeJS.ProcessEnv) {
  const id = `app-${randomBytes(4).toString('hex')}`
  const redirectUri = `https://${id}.example/auth/callback`
  const added = await latchkey(['clients', 'add', '--id', id, '--redirect-uri', redirectUri], env)
  expect(added.code).toBe(0)
  const secret = /^client_secret=(\S+)$/m.exec(added.out)?.[1] ?? ''
  const username = `user-${randomBytes(4).toString('hex')}`
  const password = 'a password for the serve test'
  expect(
    (await latchkey(['users', 'add', '--username', username, '--password-stdin'], env, password))
      .code,
  ).toBe(0)
  const config = await oidc.discovery(new URL(served.issuer), id, secret, undefined, {
    execute: [oidc.allowInsecureRequests],
  })
  expect(config.serverMetadata()).toMatchObject({
    issuer: served.issuer,
    token_endpoint: `${served.issuer}/token`,
    jwks_uri: `${served.issuer}/jwks`,
  })
  const browser = new Browser()
  const { tokens } = await login({ config, redirectUri, clientId: id }, browser, {
    username,
    password,
  })
  return { tokens, browser, config, id, redirectUri }
}

const getJson = async (url: string) => {
  const response = await fetch(url)
  return { status: response.status, body: await response.json() }
}

describe('latchkey serve on embedded storage', () => {
  let served: Serving
  const dataDir = tempDir()
  const env = { LATCHKEY_DATA_DIR: dataDir }
  const config = join(dataDir, 'latchkey.json')

  beforeAll(async () => {
    writeFileSync(
      config,
      JSON.stringify({ brandName: 'Acme Sign-in', accessTokenTtl: 120, logLevel: 'warn' }),
    )
    // The environment beats the file: debug logging, so requests are seen arriving.
    served = await startServe({ ...env, LOG_LEVEL: 'debug' }, ['--config', config])
  })
  afterAll(() => served.stop())

  it('answers /healthz and /readyz', async () => {
    expect(await getJson(`${served.issuer}/healthz`)).toEqual({
      status: 200,
      body: { status: 'ok' },
    })
    expect(await getJson(`${served.issuer}/readyz`)).toEqual({
      status: 200,
      body: { status: 'ready' },
    })
    const probe = await fetch(`${served.issuer}/readyz`)
    expect(probe.headers.get('x-content-type-options')).toBe('nosniff')
    expect(probe.headers.get('cache-control')).toBe('no-store')
    const post = await fetch(`${served.issuer}/readyz`, { method: 'POST' })
    expect([post.status, post.headers.get('allow')]).toEqual([405, 'GET, HEAD'])
  })

  it('signs in a user and a client provisioned with the CLI, with the settings of its config file', async () => {
    const { tokens, config: rp, browser } = await provisionAndSignIn(served, env)
    expect(tokens.expires_in).toBe(120) // accessTokenTtl from the file
    expect(tokens.access_token.split('.')).toHaveLength(3)
    const claims = await oidc.fetchUserInfo(rp, tokens.access_token, oidc.skipSubjectCheck)
    expect(claims.preferred_username).toMatch(/^user-/)
    // The brand name from the file is on the IdP's screens.
    const page = await browser.follow(
      oidc.buildAuthorizationUrl(rp, {
        redirect_uri: 'https://nowhere.example/cb',
        scope: 'openid',
        code_challenge: 'a'.repeat(43),
        code_challenge_method: 'S256',
        prompt: 'login',
      }).href,
    )
    expect(await page.response.text()).toContain('Acme Sign-in')
    // Pino JSON on stdout, audit lines included, at the level the environment chose.
    expect(served.logs()).toContainEqual(
      expect.objectContaining({ audit: true, event: 'login.succeeded' }),
    )
    expect(served.logs()).toContainEqual(expect.objectContaining({ level: 20, msg: 'request' }))
  })

  it('on SIGTERM stops accepting, finishes the request in flight, closes the stores and exits 0', async () => {
    // A token request whose body is still on its way when the signal comes.
    const socket = connect(Number(new URL(served.issuer).port), '127.0.0.1')
    await once(socket, 'connect')
    const body = 'grant_type=authorization_code&code=nothing&client_id=nobody'
    socket.write(
      `POST /token HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/x-www-form-urlencoded\r\ncontent-length: ${body.length}\r\n\r\n${body.slice(0, 10)}`,
    )
    await served.logged((line) => line.msg === 'request' && line.path === '/token')
    served.child.kill('SIGTERM')
    await served.logged((line) => line.msg.startsWith('stopping'))
    await expect(fetch(`${served.issuer}/healthz`)).rejects.toThrow() // no longer accepting
    let response = ''
    socket.on('data', (chunk) => (response += chunk))
    socket.end(body.slice(10))
    await once(socket, 'close')
    // RFC 6749 §5.2: an unknown client is answered invalid_client — an answer, not a cut.
    expect(response).toMatch(/^HTTP\/1\.1 40[01] /)
    expect(response).toContain('"error":"invalid_client"')
    const finished = await served.finished
    expect(finished.code).toBe(0)
    expect(finished.err).toBe('')
    expect(served.logs().at(-1)).toMatchObject({ msg: 'stopped: stores closed' })
  })
})

describe('npx latchkey serve', () => {
  it('stops cleanly when SIGTERM goes to npx rather than to the server', async () => {
    // npm passes the signal to the shell between it and node, which dies without passing it
    // on: the server must notice and stop all the same (a supervisor signals the process it
    // started, npx).
    const served = await startServe({ LATCHKEY_DATA_DIR: tempDir() }, [], { npx: true })
    expect((await getJson(`${served.issuer}/readyz`)).status).toBe(200)
    served.child.kill('SIGTERM')
    await served.finished // every holder of its stdout, the server included, has exited
    expect(served.logs().at(-1)).toMatchObject({ msg: 'stopped: stores closed' })
    await expect(fetch(`${served.issuer}/healthz`)).rejects.toThrow()
  })
})

describe('latchkey serve on PostgreSQL and Redis', () => {
  let database: Awaited<ReturnType<typeof freshDatabase>>
  let redis: Awaited<ReturnType<typeof tcpProxy>>
  let served: Serving
  let env: NodeJS.ProcessEnv

  beforeAll(async () => {
    database = await freshDatabase()
    redis = await tcpProxy(6379) // a real Redis behind a proxy the test can cut
    env = { DATABASE_URL: database.url, REDIS_URL: `redis://127.0.0.1:${redis.port}` }
    served = await startServe(env, ['--trust-proxy', '--metrics'])
  })
  afterAll(async () => {
    await served?.stop()
    await redis?.close()
    await database?.drop()
  })

  it('signs in a user and a client provisioned with the CLI against the same stores', async () => {
    expect(served.logs()[0]).toMatchObject({
      msg: 'listening',
      stores: { durable: 'postgres', ephemeral: 'redis' },
    })
    const { tokens } = await provisionAndSignIn(served, env)
    expect(tokens.refresh_token).toBeTruthy()
  })

  it("serves Prometheus metrics with --metrics: the IdP's events and the process's own", async () => {
    await provisionAndSignIn(served, env)
    const metrics = await fetch(`${served.issuer}/metrics`)
    expect(metrics.status).toBe(200)
    const text = await metrics.text()
    expect(text).toMatch(/latchkey_idp_events_total\{event="login.succeeded"\} [1-9]/)
    expect(text).toMatch(/latchkey_idp_request_seconds_count/)
    expect(text).toMatch(/process_cpu_user_seconds_total/)
  })

  it('believes X-Forwarded-Proto with --trust-proxy: HSTS on requests the proxy received over https', async () => {
    const behindTls = await fetch(`${served.issuer}/.well-known/openid-configuration`, {
      headers: { 'x-forwarded-proto': 'https' },
    })
    expect(behindTls.headers.get('strict-transport-security')).toMatch(/max-age=\d+/)
    const plain = await fetch(`${served.issuer}/.well-known/openid-configuration`)
    expect(plain.headers.get('strict-transport-security')).toBeNull()
    const probe = await fetch(`${served.issuer}/healthz`, {
      headers: { 'x-forwarded-proto': 'https' },
    })
    expect(probe.headers.get('strict-transport-security')).toMatch(/max-age=\d+/)
  })

  it('is not ready while Redis is away, and ready again when it is back', async () => {
    redis.cut()
    const readiness = async () => (await getJson(`${served.issuer}/readyz`)).status
    await expect.poll(readiness, { timeout: 10_000 }).toBe(503)
    expect(await getJson(`${served.issuer}/readyz`)).toMatchObject({
      status: 503,
      body: { error: 'store_unavailable' },
    })
    // Alive all the same: an orchestrator must not restart it for an outage of Redis.
    expect((await getJson(`${served.issuer}/healthz`)).status).toBe(200)
    redis.restore()
    await expect.poll(readiness, { timeout: 10_000 }).toBe(200)
  })

  it('exits 0 on SIGTERM with its connections closed', async () => {
    const finished = await served.stop()
    expect(finished.code).toBe(0)
    expect(served.logs().at(-1)).toMatchObject({ msg: 'stopped: stores closed' })
  })
})

// Each case starts the real command: a few seconds apiece on a busy machine.
describe('latchkey serve refuses a bad configuration with one line', { timeout: 120_000 }, () => {
  const env = { LATCHKEY_DATA_DIR: tempDir() }
  const serve = (args: string[], extra: NodeJS.ProcessEnv = {}) =>
    latchkey(['serve', ...args], { ...env, ...extra })

  it('without an issuer, or with one clients could not use', async () => {
    expectOneLineRefusal(await serve([]), /--issuer \(or LATCHKEY_ISSUER\) is required/)
    const issuers = [
      'idp.example.com',
      'ftp://idp.example.com',
      'http://idp.example.com', // plain http off localhost: the Secure cookies would never come back
      'https://idp.example.com/?tenant=1',
      'https://idp.example.com/',
      'https://user:pw@idp.example.com',
    ]
    for (const result of await Promise.all(issuers.map((i) => serve(['--issuer', i])))) {
      expectOneLineRefusal(result, /^latchkey serve: --issuer must be an https:\/\/ URL/)
      expect(result.err).not.toContain('pw@')
    }
    expectOneLineRefusal(
      await serve([], { LATCHKEY_ISSUER: 'nonsense' }),
      /^latchkey serve: LATCHKEY_ISSUER must be/,
    )
  })

  it('with a bad port, option or setting', async () => {
    const issuer = ['--issuer', 'https://idp.example.com']
    expectOneLineRefusal(
      await serve([...issuer, '--port', '70000']),
      /--port must be a whole number from 0 to 65535/,
    )
    expectOneLineRefusal(await serve(issuer, { PORT: 'eighty' }), /^latchkey serve: PORT must be/)
    expectOneLineRefusal(await serve([...issuer, '--frobnicate']), /frobnicate/)
    expectOneLineRefusal(
      await serve(issuer, { LOG_LEVEL: 'loud' }),
      /LOG_LEVEL must be one of fatal, error/,
    )
    expectOneLineRefusal(
      await serve([...issuer, '--access-token-ttl', '5']),
      /--access-token-ttl must be a whole number of seconds from 60 to 86400/,
    )
    expectOneLineRefusal(
      await serve(issuer, { LATCHKEY_TRUST_PROXY: 'maybe' }),
      /LATCHKEY_TRUST_PROXY must be true, false, or IP addresses and CIDR ranges/,
    )
    expectOneLineRefusal(
      await serve(issuer, { LATCHKEY_TRUST_PROXY: '127.0.0.1, 10.0.0.0/33' }),
      /LATCHKEY_TRUST_PROXY must be true, false, or IP addresses and CIDR ranges/,
    )
  })

  it('with a config file that is missing, not JSON, or holds an unknown or wrong setting', async () => {
    const dir = tempDir()
    const file = (name: string, text: string) => {
      writeFileSync(join(dir, name), text)
      return join(dir, name)
    }
    const issuer = ['--issuer', 'https://idp.example.com']
    expectOneLineRefusal(
      await serve([...issuer, '--config', join(dir, 'absent.json')]),
      /cannot read --config .*absent\.json: no such file/,
    )
    const broken = await serve([...issuer, '--config', file('broken.json', '{"port": 4000,')])
    expectOneLineRefusal(broken, /broken\.json is not valid JSON$/)
    expectOneLineRefusal(
      await serve([...issuer, '--config', file('typo.json', '{"prot": 4000}')]),
      /typo\.json: unknown setting "prot"/,
    )
    expectOneLineRefusal(
      await serve([...issuer, '--config', file('wrong.json', '{"port": "4000"}')]),
      /wrong\.json: port must be a whole number/,
    )
  })

  it('when its port is taken', async () => {
    const holder = (await import('node:net')).createServer().listen(0, '127.0.0.1')
    await once(holder, 'listening')
    const { port } = holder.address() as { port: number }
    try {
      expectOneLineRefusal(
        await serve([
          '--issuer',
          'http://127.0.0.1',
          '--port',
          String(port),
          '--host',
          '127.0.0.1',
        ]),
        new RegExp(
          `^latchkey serve: cannot listen on 127\\.0\\.0\\.1:${port}: address already in use`,
        ),
      )
    } finally {
      holder.close()
    }
  })

  it('when DATABASE_URL or REDIS_URL cannot be reached, naming it without its password', async () => {
    const issuer = ['--issuer', `http://127.0.0.1:${await freePort()}`]
    const database = await serve(issuer, {
      DATABASE_URL: 'postgres://latchkey:hunter2secret@127.0.0.1:1/latchkey',
    })
    expectOneLineRefusal(
      database,
      /^latchkey serve: cannot reach PostgreSQL at DATABASE_URL \(127\.0\.0\.1:1\): connection refused$/,
    )
    const redis = await serve(issuer, { REDIS_URL: 'redis://:hunter2secret@127.0.0.1:1' })
    expectOneLineRefusal(
      redis,
      /^latchkey serve: cannot reach Redis at REDIS_URL \(127\.0\.0\.1:1\): connection refused$/,
    )
    expectOneLineRefusal(
      await serve(issuer, { DATABASE_URL: 'not a url' }),
      /^latchkey serve: DATABASE_URL is not a valid URL$/,
    )
    for (const result of [database, redis]) expect(result.err + result.out).not.toContain('hunter2')
  })
})
