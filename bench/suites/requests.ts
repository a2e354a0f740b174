/**
 * Authenticated `GET /api/me` over HTTP: every server in its own process, the load generator
 * (autocannon, 32 connections) in another, all measured in the same interleaved rounds.
 * Requests are spread over many users (10,000 by default: that many distinct tokens or
 * sessions), and one case sends twice as many distinct tokens as Latchkey's verified-token
 * cache holds, so every request is a token seen for the first time.
 */
import type { CookieNames } from '@latchkey/server'
import type { BenchContext } from '../lib/context.ts'
import type { Issuer } from '../lib/issuer.ts'
import type { LoadJob, LoadResult } from '../lib/load.ts'
import { type Child, startChild } from '../lib/processes.ts'
import {
  accessCookies,
  openidConnectCookies,
  poolWriter,
  seedExpressSessions,
  seedLatchkeySessions,
} from '../lib/seed.ts'
import { median, ratioOf, type Spread, spread } from '../lib/stats.ts'
import type { TargetReady } from '../target.ts'
import type { TargetConfig } from '../targets/config.ts'

export interface RequestSettings {
  users: number
  rounds: number
  /** Seconds per case per round. */
  seconds: number
  connections: number
  /** Latchkey's verified-token cache size: "first sight" sends twice this many tokens. */
  cacheSize: number
  /** Cases to run (ids); all when absent. */
  only?: string[]
}

export interface CaseSpec {
  id: string
  label: string
  target: string
  pool: 'access' | 'bearer' | 'session' | 'express-session' | 'openid-connect' | 'first-sight'
  baseline?: string
  /** What to GET; `/api/me` when absent. */
  path?: string
}

export interface Comparison {
  of: string
  to: string
  target?: number
}

export const CASES: CaseSpec[] = [
  { id: 'bare-node', label: 'node:http, no auth', target: 'bare:node', pool: 'access' },
  { id: 'bare-express', label: 'Express, no auth', target: 'bare:express', pool: 'access' },
  { id: 'bare-fastify', label: 'Fastify, no auth', target: 'bare:fastify', pool: 'access' },
  { id: 'bare-hono', label: 'Hono, no auth', target: 'bare:hono', pool: 'access' },
  {
    id: 'latchkey-node',
    label: 'node:http + Latchkey, cookie mode',
    target: 'latchkey:node',
    pool: 'access',
    baseline: 'bare-node',
  },
  {
    id: 'latchkey-express',
    label: 'Express + Latchkey, cookie mode',
    target: 'latchkey:express',
    pool: 'access',
    baseline: 'bare-express',
  },
  {
    id: 'latchkey-fastify',
    label: 'Fastify + Latchkey, cookie mode',
    target: 'latchkey:fastify',
    pool: 'access',
    baseline: 'bare-fastify',
  },
  {
    id: 'latchkey-hono',
    label: 'Hono + Latchkey, cookie mode',
    target: 'latchkey:hono',
    pool: 'access',
    baseline: 'bare-hono',
  },
  {
    id: 'latchkey-node-session',
    label: 'node:http + Latchkey, session mode on Redis',
    target: 'latchkey-session:node',
    pool: 'session',
    baseline: 'bare-node',
  },
  {
    id: 'latchkey-node-first-sight',
    label: 'node:http + Latchkey, cookie mode, every token new',
    // A server of its own: its cache churn must not reach the cached case's server.
    target: 'latchkey:node#first-sight',
    pool: 'first-sight',
    baseline: 'bare-node',
  },
  {
    id: 'express-jsonwebtoken',
    label: 'Express + jsonwebtoken, ES256 verify per request',
    target: 'express-jsonwebtoken',
    pool: 'bearer',
    baseline: 'bare-express',
  },
  {
    id: 'express-session-redis',
    label: 'Express + express-session + connect-redis',
    target: 'express-session-redis',
    pool: 'express-session',
    baseline: 'bare-express',
  },
  {
    id: 'express-openid-connect',
    label: 'Express + express-openid-connect',
    target: 'express-openid-connect',
    pool: 'openid-connect',
    baseline: 'bare-express',
  },
]

/** The issue's targets, as ratios of two cases measured in the same rounds. */
export const COMPARISONS: Comparison[] = [
  { of: 'latchkey-node', to: 'bare-node', target: 0.6 },
  { of: 'latchkey-express', to: 'bare-express', target: 0.8 },
  { of: 'latchkey-fastify', to: 'bare-fastify', target: 0.8 },
  { of: 'latchkey-hono', to: 'bare-hono', target: 0.8 },
  { of: 'latchkey-node-session', to: 'bare-node' },
  { of: 'latchkey-node-first-sight', to: 'bare-node' },
  { of: 'express-jsonwebtoken', to: 'bare-node' },
  { of: 'express-session-redis', to: 'bare-node' },
  { of: 'express-openid-connect', to: 'bare-node' },
  { of: 'latchkey-node', to: 'express-jsonwebtoken', target: 4 },
  { of: 'latchkey-node-first-sight', to: 'express-jsonwebtoken' },
  { of: 'latchkey-node-session', to: 'express-session-redis', target: 2 },
  { of: 'bare-express', to: 'bare-node' },
  { of: 'bare-fastify', to: 'bare-node' },
  { of: 'bare-hono', to: 'bare-node' },
]

export interface CaseResult {
  id: string
  label: string
  /** Requests per second, one per round. */
  rounds: number[]
  requestsPerSecond: Spread
  /** Milliseconds, medians over the rounds. */
  p50: number
  p99: number
  /** The load generator's CPU use in cores, median: near 1 means it, not the server, was the limit. */
  generatorCores: number
}

export interface RequestsResult {
  settings: RequestSettings
  cases: CaseResult[]
  ratios: (Comparison & { ratio: Spread })[]
}

const fail = (spec: CaseSpec, result: LoadResult) => {
  if (result.non2xx || result.errors || !result.ok)
    throw new Error(
      `${spec.id}: ${result.ok} ok, ${result.non2xx} non-2xx (e.g. ${result.failedStatus}), ${result.errors} errors`,
    )
  return result
}

/** Measures `catalog`'s cases (this suite's by default; the next suite passes its own). */
export async function benchRequests(
  settings: RequestSettings,
  { issuer, config, configFile, load, dir, log }: BenchContext,
  catalog: { cases: CaseSpec[]; comparisons: Comparison[] } = {
    cases: CASES,
    comparisons: COMPARISONS,
  },
): Promise<RequestsResult> {
  const cases = catalog.cases.filter(
    (c) =>
      !settings.only ||
      settings.only.includes(c.id) ||
      // A case's baseline is always measured with it.
      catalog.cases.some((o) => settings.only?.includes(o.id) && o.baseline === c.id),
  )
  const targets = new Map<string, Child<TargetReady>>()
  try {
    // Started together: each process's start-up is mostly waiting on its module graph.
    const wanted = [...new Set(cases.map((c) => c.target))]
    const started = await Promise.allSettled(
      wanted.map((target) => startChild<TargetReady>('target.ts', [target, configFile])),
    )
    for (const [i, result] of started.entries())
      if (result.status === 'fulfilled') targets.set(wanted[i] as string, result.value)
    const failed = started.find((r) => r.status === 'rejected')
    if (failed) throw failed.reason
    const names = [...targets.values()].find((t) => t.ready.cookieNames)?.ready
      .cookieNames as CookieNames
    log(`${targets.size} servers up; minting ${settings.users} users' tokens`)
    const pools = await buildPools(settings, cases, { issuer, config, names, dir })

    const job = (spec: CaseSpec, seconds: number): LoadJob => ({
      url: (targets.get(spec.target) as Child<TargetReady>).ready.url,
      path: spec.path ?? '/api/me',
      connections: settings.connections,
      duration: seconds,
      pool: pools.get(spec.pool),
      header: spec.pool === 'bearer' ? 'authorization' : 'cookie',
    })
    // Warm-up: the JIT, each server's key fetch, and every token through the verifier once.
    // A failure here (the first requests racing for the issuer's keys) is reported, not fatal.
    for (const spec of cases) {
      let seen = 0
      while (seen < settings.users) {
        const result = await load.run(job(spec, Math.min(2, settings.seconds)))
        if (result.non2xx || result.errors)
          log(
            `warm-up ${spec.id}: ${result.non2xx} non-2xx (${result.failedStatus}), ${result.errors} errors`,
          )
        seen += result.ok
      }
    }
    const samples = new Map(cases.map((c) => [c.id, [] as LoadResult[]]))
    for (let round = 0; round < settings.rounds; round++) {
      for (const spec of cases) {
        const result = fail(spec, await load.run(job(spec, settings.seconds)))
        samples.get(spec.id)?.push(result)
      }
      log(
        `round ${round + 1}/${settings.rounds}: ${cases
          .map((c) => `${c.id} ${Math.round(samples.get(c.id)?.at(-1)?.requestsPerSecond ?? 0)}`)
          .join(', ')}`,
      )
    }
    const results: CaseResult[] = cases.map((c) => {
      const runs = samples.get(c.id) as LoadResult[]
      return {
        id: c.id,
        label: c.label,
        rounds: runs.map((r) => Math.round(r.requestsPerSecond)),
        requestsPerSecond: spread(runs.map((r) => r.requestsPerSecond)),
        p50: median(runs.map((r) => r.p50)),
        p99: median(runs.map((r) => r.p99)),
        generatorCores: median(runs.map((r) => r.generatorCores)),
      }
    })
    const byId = new Map(results.map((r) => [r.id, r.rounds]))
    const ratios = catalog.comparisons
      .filter((c) => byId.has(c.of) && byId.has(c.to))
      .map((c) => ({
        ...c,
        ratio: ratioOf(byId.get(c.of) as number[], byId.get(c.to) as number[]),
      }))
    return { settings, cases: results, ratios }
  } finally {
    for (const target of targets.values()) await target.stop()
  }
}

async function buildPools(
  settings: RequestSettings,
  cases: CaseSpec[],
  {
    issuer,
    config,
    names,
    dir,
  }: { issuer: Issuer; config: TargetConfig; names: CookieNames; dir: string },
) {
  const write = poolWriter(dir)
  const wanted = new Set(cases.map((c) => c.pool))
  const pools = new Map<CaseSpec['pool'], string>()
  const tokens = await issuer.many(settings.users, issuer.accessToken)
  pools.set('access', write('access', accessCookies(names, tokens)))
  if (wanted.has('bearer'))
    pools.set(
      'bearer',
      write(
        'bearer',
        tokens.map((t) => `Bearer ${t}`),
      ),
    )
  if (wanted.has('first-sight')) {
    // More distinct tokens than the cache holds, sent in turn: each is evicted before it
    // comes round again, so every request verifies a signature.
    const count = Math.max(2 * settings.cacheSize, settings.users)
    const more = await issuer.many(count - tokens.length, issuer.accessToken, tokens.length)
    pools.set('first-sight', write('first-sight', accessCookies(names, [...tokens, ...more])))
  }
  if (wanted.has('session'))
    pools.set(
      'session',
      write('session', await seedLatchkeySessions(config, names, tokens, issuer.lifetime)),
    )
  if (wanted.has('express-session'))
    pools.set(
      'express-session',
      write('express-session', await seedExpressSessions(config, settings.users)),
    )
  if (wanted.has('openid-connect'))
    pools.set(
      'openid-connect',
      write('openid-connect', await openidConnectCookies(config, issuer, settings.users)),
    )
  return pools
}
