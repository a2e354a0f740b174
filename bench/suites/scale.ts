/**
 * Session mode as the store fills: N sessions written to Redis through the store API session
 * mode uses (10^3, 10^4, 10^5; 10^6 with LATCHKEY_BENCH_FULL=1), then `GET /api/me` latency
 * (p50/p99, 8 connections: latency, not saturation) over sessions spread across all N, and
 * Redis's memory per session (`used_memory` before and after, over N).
 *
 * The stored sessions share the run's 10,000 minted access tokens, so the verified-token cache
 * stays warm and what grows is the store alone.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { createClient } from 'redis'
import type { BenchContext } from '../lib/context.ts'
import { startChild } from '../lib/processes.ts'
import { dropPrefix, poolWriter, seedLatchkeySessions } from '../lib/seed.ts'
import type { TargetReady } from '../target.ts'

export interface ScaleSettings {
  sizes: number[]
  seconds: number
}

const TOKENS = 10_000
const ACTIVE = 10_000
const CONNECTIONS = 8

async function usedMemory(redisUrl: string) {
  const client = createClient({ url: redisUrl })
  await client.connect()
  const info = await client.info('memory')
  await client.close()
  return Number(/used_memory:(\d+)/.exec(info)?.[1])
}

export async function benchScale(settings: ScaleSettings, ctx: BenchContext) {
  const { issuer, config, load, dir, log } = ctx
  const tokens = await issuer.many(
    Math.min(TOKENS, Math.max(...settings.sizes)),
    issuer.accessToken,
  )
  const write = poolWriter(dir)
  const results = []
  for (const size of settings.sizes) {
    const prefix = `${config.prefix}scale-${size}:`
    const sizeConfig = { ...config, prefix }
    const configFile = join(dir, `scale-${size}.json`)
    writeFileSync(configFile, JSON.stringify(sizeConfig))
    const server = await startChild<TargetReady>('target.ts', ['latchkey-session:node', configFile])
    try {
      const names = server.ready.cookieNames
      if (!names) throw new Error('no cookie names from the server')
      const before = await usedMemory(config.redisUrl)
      const cookies: string[] = []
      for (let from = 0; from < size; from += TOKENS) {
        const count = Math.min(TOKENS, size - from)
        const batch = Array.from(
          { length: count },
          (_, i) => tokens[(from + i) % tokens.length] as string,
        )
        cookies.push(
          ...(await seedLatchkeySessions(sizeConfig, names, batch, issuer.lifetime, from)),
        )
      }
      const after = await usedMemory(config.redisUrl)
      const step = Math.max(1, Math.floor(size / ACTIVE))
      const active = cookies.filter((_, i) => i % step === 0).slice(0, ACTIVE)
      const pool = write(`scale-${size}`, active)
      const job = { url: server.ready.url, path: '/api/me', connections: CONNECTIONS, pool }
      await load.run({ ...job, duration: Math.min(2, settings.seconds) }) // warm-up
      const result = await load.run({ ...job, duration: settings.seconds })
      if (result.non2xx || result.errors) throw new Error(`scale ${size}: ${result.non2xx} non-2xx`)
      const row = {
        sessions: size,
        p50: result.p50,
        p99: result.p99,
        requestsPerSecond: result.requestsPerSecond,
        redisBytesPerSession: Math.round((after - before) / size),
      }
      log(`scale ${size}: ${JSON.stringify(row)}`)
      results.push(row)
    } finally {
      await server.stop()
      await dropPrefix(config.redisUrl, prefix)
    }
  }
  return { connections: CONNECTIONS, sizes: results }
}
