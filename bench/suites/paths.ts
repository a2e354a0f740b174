/**
 * The paths around the per-request one, against the real IdP (its own process, stores on
 * Redis) and a node:http backend (its own process):
 * - sign-in end to end (backend /auth/login → IdP screen → form post → argon2id → code →
 *   /auth/callback → cookies), against the raw @node-rs/argon2 rate with the IdP's parameters;
 * - `POST /auth/refresh` end to end (backend → IdP token endpoint → new cookies), spread over
 *   every session the sign-ins made, each refresh using the token the last one returned;
 * - the IdP's token endpoint alone (refresh_token grants), likewise.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { verify as argon2Verify, hash } from '@node-rs/argon2'
import { freePort } from '../../test/support/free_port.ts'
import { HttpBrowser } from '../../test/support/http_browser.ts'
import type { BenchContext } from '../lib/context.ts'
import { type IdpSetup, PASSWORD } from '../lib/idp_setup.ts'
import type { LoadResult } from '../lib/load.ts'
import { startChild } from '../lib/processes.ts'
import { poolWriter } from '../lib/seed.ts'
import type { TargetReady } from '../target.ts'

export interface PathSettings {
  seconds: number
  /** Sign-ins to make when not timed (the smoke test); 0: sign in for `seconds`. */
  signIns: number
}

/** The IdP's argon2id parameters (packages/idp/src/accounts/password.ts); 2 is argon2id. */
const ARGON2 = { algorithm: 2, memoryCost: 19_456, timeCost: 2, parallelism: 1 }
/** Sign-ins (or hashes) in flight: one per core. */
const SIGN_IN_CONCURRENCY = 2
const USERS = 8

type Rate = { perSecond: number; count: number; p50?: number; p99?: number; failed?: number }

const rateOf = (result: LoadResult): Rate => ({
  perSecond: result.requestsPerSecond,
  count: result.ok,
  p50: result.p50,
  p99: result.p99,
  failed: result.non2xx + result.errors,
})

/** Runs `step` in `concurrency` loops for `seconds` (or `times` in all); resolves to the rate. */
async function loops(
  concurrency: number,
  { seconds, times }: { seconds: number; times: number },
  step: (n: number) => Promise<void>,
) {
  let started = 0
  const start = performance.now()
  const deadline = start + seconds * 1000
  const more = () => (times ? started < times : performance.now() < deadline)
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (more()) await step(started++)
    }),
  )
  return { perSecond: (started * 1000) / (performance.now() - start), count: started }
}

export async function benchPaths(settings: PathSettings, ctx: BenchContext) {
  const { config, load, dir, log } = ctx
  const backendPort = await freePort()
  const origin = `http://127.0.0.1:${backendPort}`
  const setup: IdpSetup = {
    port: await freePort(),
    redisUrl: config.redisUrl,
    prefix: config.prefix,
    users: USERS,
    client: {
      id: config.clientId,
      secret: config.clientSecret,
      redirectUri: `${origin}/auth/callback`,
      origin,
    },
  }
  const setupFile = join(dir, 'idp.json')
  writeFileSync(setupFile, JSON.stringify(setup))
  const idp = await startChild<{ issuer: string }>('idp.ts', [setupFile])
  const backendConfig = join(dir, 'backend.json')
  writeFileSync(backendConfig, JSON.stringify({ ...config, issuer: idp.ready.issuer }))
  const backend = await startChild<TargetReady>('target.ts', [
    'latchkey:node',
    backendConfig,
    String(backendPort),
  ])
  try {
    // Raw argon2id, as the IdP verifies a password: the rate sign-in is bounded by.
    const stored = await hash(PASSWORD, ARGON2)
    const timing = { seconds: settings.seconds, times: settings.signIns }
    const argon2 = await loops(SIGN_IN_CONCURRENCY, timing, async () => {
      await argon2Verify(stored, PASSWORD, ARGON2)
    })
    log(`argon2id verify: ${argon2.perSecond.toFixed(1)}/s`)

    const browsers: HttpBrowser[] = []
    const signIn = await loops(SIGN_IN_CONCURRENCY, timing, async (n) => {
      const browser = new HttpBrowser()
      const page = await browser.follow(`${origin}/auth/login?returnTo=/done`)
      const done = await browser.submit(
        page,
        { username: `user-${n % USERS}`, password: PASSWORD },
        `${origin}/done`,
      )
      if (done.url !== `${origin}/done`) throw new Error(`sign-in ended at ${done.url}`)
      browsers.push(browser)
    })
    log(`sign-in: ${signIn.perSecond.toFixed(1)}/s (${browsers.length} sessions)`)

    // Half the sessions refresh through the backend, half at the IdP directly: a refresh
    // token used in one would be stale in the other.
    const names = backend.ready.cookieNames
    const half = browsers.length >> 1
    const write = poolWriter(dir)
    const refreshPool = write(
      'refresh',
      browsers.slice(0, half).map((b) => b.cookieHeader(`${origin}/auth/refresh`)),
    )
    const grantPool = write(
      'grants',
      browsers
        .slice(half)
        .map(
          (b) => `grant_type=refresh_token&refresh_token=${b.cookies.get(names?.refresh ?? '')}`,
        ),
    )
    const connections = Math.min(32, Math.max(1, half >> 2))
    const refresh = await load.run({
      url: origin,
      path: '/auth/refresh',
      method: 'POST',
      connections,
      duration: settings.seconds,
      pool: refreshPool,
      headers: { origin },
      rotate: 'cookies',
    })
    log(`refresh end to end: ${refresh.requestsPerSecond.toFixed(0)}/s`)
    const basic = Buffer.from(
      `${encodeURIComponent(config.clientId)}:${encodeURIComponent(config.clientSecret)}`,
    ).toString('base64')
    const tokenEndpoint = await load.run({
      url: idp.ready.issuer,
      path: '/token',
      method: 'POST',
      connections,
      duration: settings.seconds,
      pool: grantPool,
      header: 'body',
      headers: {
        authorization: `Basic ${basic}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      rotate: 'token-response',
    })
    log(`IdP token endpoint: ${tokenEndpoint.requestsPerSecond.toFixed(0)}/s`)
    return {
      argon2,
      signIn: { ...signIn, ofArgon2: signIn.perSecond / argon2.perSecond },
      refresh: { ...rateOf(refresh), sessions: half, connections },
      tokenEndpoint: { ...rateOf(tokenEndpoint), grants: browsers.length - half, connections },
    }
  } finally {
    await backend.stop()
    await idp.stop()
  }
}
