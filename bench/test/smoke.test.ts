import { execFile } from 'node:child_process'
import { connect } from 'node:net'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { beforeAll, describe, expect, it } from 'vitest'

// A seconds-long run of every suite (`npm run bench -- --quick`): it must run to the end and
// its numbers must be the right kind of numbers. Nothing here is timed: speed is the
// benchmark's to report, not a test's to assert.

const redisUrl = new URL(process.env.LATCHKEY_REDIS_URL ?? 'redis://127.0.0.1:6379')
const redisUp = () =>
  new Promise<boolean>((resolve) => {
    const socket = connect(Number(redisUrl.port || 6379), redisUrl.hostname)
    socket.once('connect', () => resolve(true)).once('error', () => resolve(false))
    socket.setTimeout(2000, () => resolve(false))
  }).finally(() => undefined)

interface Spread {
  median: number
  min: number
  max: number
}
interface QuickRun {
  requests: {
    cases: { id: string; rounds: number[]; p50: number; p99: number; generatorCores: number }[]
    ratios: { of: string; to: string; ratio: Spread }[]
  }
  paths: {
    argon2: { perSecond: number; count: number }
    signIn: { perSecond: number; count: number; ofArgon2: number }
    refresh: { count: number; failed: number }
    tokenEndpoint: { count: number; failed: number }
  }
  scale: { sizes: { sessions: number; p50: number; p99: number; redisBytesPerSession: number }[] }
}

const up = await redisUp()
if (!up)
  console.warn(`bench smoke skipped: no Redis at ${redisUrl.host} (apt install redis-server)`)

describe.skipIf(!up)('npm run bench -- --quick', () => {
  let run: QuickRun
  beforeAll(async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [
        '--conditions=@latchkey/source',
        fileURLToPath(new URL('../run.ts', import.meta.url)),
        '--quick',
      ],
      { maxBuffer: 16 * 1024 * 1024 },
    )
    run = JSON.parse(stdout) as QuickRun
  })

  it('measures every server, baselines and peers included, with answers that were all 200', () => {
    const ids = run.requests.cases.map((c) => c.id)
    expect(ids).toEqual(
      expect.arrayContaining(['bare-node', 'bare-hono', 'latchkey-node', 'latchkey-hono']),
    )
    expect(ids).toEqual(
      expect.arrayContaining(['latchkey-node-session', 'express-jsonwebtoken', 'bare-express']),
    )
    for (const c of run.requests.cases) {
      expect(
        c.rounds.every((rps) => Number.isFinite(rps) && rps > 0),
        c.id,
      ).toBe(true)
      expect(c.p50, c.id).toBeLessThanOrEqual(c.p99)
      expect(c.generatorCores, c.id).toBeGreaterThan(0)
    }
  })

  it('gives each ratio against the baseline of the same rounds, with its spread', () => {
    const ratio = run.requests.ratios.find((r) => r.of === 'latchkey-node' && r.to === 'bare-node')
    expect(ratio).toBeDefined()
    const { median, min, max } = (ratio as { ratio: Spread }).ratio
    expect(min).toBeLessThanOrEqual(median)
    expect(median).toBeLessThanOrEqual(max)
    // Authentication on top of the bare server: a positive fraction of it, give or take noise.
    expect(median).toBeGreaterThan(0)
    expect(median).toBeLessThan(3)
  })

  it('signs in, refreshes and calls the token endpoint against the real IdP without a failure', () => {
    const { argon2, signIn, refresh, tokenEndpoint } = run.paths
    expect(argon2.count).toBe(4)
    expect(signIn.count).toBe(4)
    expect(signIn.ofArgon2).toBeGreaterThan(0)
    expect(refresh.count).toBeGreaterThan(0)
    expect(refresh.failed).toBe(0)
    expect(tokenEndpoint.count).toBeGreaterThan(0)
    expect(tokenEndpoint.failed).toBe(0)
  })

  it('stores sessions and reports Redis memory per session in a plausible range', () => {
    const [size] = run.scale.sizes
    expect(size?.sessions).toBe(100)
    // A sealed record of an access token (~700 B) and its index entry: not 10 B, not 100 kB.
    expect(size?.redisBytesPerSession).toBeGreaterThan(200)
    expect(size?.redisBytesPerSession).toBeLessThan(100_000)
  })
})
