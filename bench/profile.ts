/**
 * `node --conditions=@latchkey/source bench/profile.ts [target] [seconds]`: a CPU profile
 * (`node --cpu-prof`) of one server under the benchmark's load — by default node:http +
 * Latchkey in cookie mode, 10,000 users — and its top functions by self time. The profile
 * is left in the system's temporary directory for Chrome DevTools or speedscope; the summary
 * leaves out the warm-up (every token verified once).
 */
import { mkdirSync, readdirSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openContext } from './lib/context.ts'
import { startChild } from './lib/processes.ts'
import { accessCookies, poolWriter } from './lib/seed.ts'
import type { TargetReady } from './target.ts'

interface ProfileNode {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
}
interface CpuProfile {
  startTime: number
  nodes: ProfileNode[]
  samples: number[]
  timeDeltas: number[]
}

/**
 * Self time per function (name, file, line), as shares of the samples taken from `from` on
 * (microseconds of the monotonic clock, which the profile's timestamps and
 * `process.hrtime` share on Linux).
 */
export function topSelfTime(profile: CpuProfile, from = 0, count = 25) {
  const byNode = new Map(profile.nodes.map((n) => [n.id, n]))
  const self = new Map<string, number>()
  let total = 0
  let at = profile.startTime
  for (const [i, id] of profile.samples.entries()) {
    const frame = byNode.get(id)?.callFrame
    const delta = profile.timeDeltas[i] ?? 0
    at += delta
    if (at < from) continue
    total += delta
    if (!frame) continue
    const file = frame.url.replace(/^file:\/\/.*?\/(node_modules|packages|bench)\//, '$1/')
    const key = `${frame.functionName || '(anonymous)'}  ${file || '(native)'}:${frame.lineNumber + 1}`
    self.set(key, (self.get(key) ?? 0) + delta)
  }
  return [...self]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([where, micros]) => ({ share: micros / total, where }))
}

if (import.meta.main) {
  const [target = 'latchkey:node', seconds = '20'] = process.argv.slice(2)
  const out = join(tmpdir(), 'latchkey-profiles')
  mkdirSync(out, { recursive: true })
  const before = new Set(readdirSync(out))
  let measuredFrom = 0
  const ctx = await openContext((line) => console.error(line))
  try {
    const server = await startChild<TargetReady>('target.ts', [target, ctx.configFile], {
      execArgv: ['--cpu-prof', `--cpu-prof-dir=${out}`],
    })
    const names = server.ready.cookieNames
    if (!names) throw new Error(`${target} has no cookie names: profile a latchkey target`)
    const tokens = await ctx.issuer.many(10_000, ctx.issuer.accessToken)
    const pool = poolWriter(ctx.dir)('profile', accessCookies(names, tokens))
    const job = { url: server.ready.url, path: '/api/me', connections: 32, pool }
    // Every token verified once and the JIT warm, left out of the summary.
    let seen = 0
    while (seen < tokens.length) seen += (await ctx.load.run({ ...job, duration: 3 })).ok
    measuredFrom = Number(process.hrtime.bigint() / 1000n)
    const result = await ctx.load.run({ ...job, duration: Number(seconds) })
    console.error(`${target}: ${Math.round(result.requestsPerSecond)} req/s under the profiler`)
    await server.stop()
  } finally {
    await ctx.close()
  }
  const file = readdirSync(out).find((f) => !before.has(f) && f.endsWith('.cpuprofile'))
  if (!file) throw new Error('no profile written')
  const profile = JSON.parse(readFileSync(join(out, file), 'utf8')) as CpuProfile
  console.log(`${join(out, file)}\n`)
  for (const { share, where } of topSelfTime(profile, measuredFrom))
    console.log(`${(share * 100).toFixed(1).padStart(5)} %  ${where}`)
  process.exit(0)
}
