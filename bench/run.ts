/**
 * `npm run bench [-- <suite>…] [--quick]`: every suite, or the ones named (requests, next,
 * paths, scale, micro; `--quick` leaves out next, whose `next build` takes a minute, and
 * micro). Results go to bench/results/<date>.json and latest.json (a run of some
 * suites keeps the others' last results), and the chart is redrawn from them.
 *
 * Settings (environment): LATCHKEY_BENCH_ROUNDS (5), LATCHKEY_BENCH_SECONDS (5),
 * LATCHKEY_BENCH_USERS (10000), LATCHKEY_BENCH_FULL=1 (the scale suite up to 10^6 sessions),
 * LATCHKEY_BENCH_CASES (ids of requests' cases, comma-separated), LATCHKEY_REDIS_URL. `--quick`: a seconds-long run (the smoke test's), saved nowhere.
 */
import { cpus, loadavg } from 'node:os'
import { drawChart } from './chart.ts'
import { openContext } from './lib/context.ts'
import { saveResults } from './lib/results.ts'
import { benchMicro } from './suites/micro.ts'
import { benchNext } from './suites/next.ts'
import { benchPaths } from './suites/paths.ts'
import { benchRequests } from './suites/requests.ts'
import { benchScale } from './suites/scale.ts'

const SUITES = ['requests', 'next', 'paths', 'scale', 'micro'] as const
const args = process.argv.slice(2)
const quick = args.includes('--quick')
const wanted = args.filter((a) => !a.startsWith('--'))
const unknown = wanted.filter((name) => !(SUITES as readonly string[]).includes(name))
if (unknown.length) {
  console.error(`unknown suite: ${unknown.join(', ')} (have: ${SUITES.join(', ')})`)
  process.exit(2)
}
const runs = (suite: (typeof SUITES)[number]) => !wanted.length || wanted.includes(suite)
const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback)
const full = process.env.LATCHKEY_BENCH_FULL === '1'
const log = (line: string) =>
  console.error(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}`)

const results: Record<string, unknown> = {
  date: new Date().toISOString(),
  node: process.version,
  machine: { cpus: cpus().length, model: cpus()[0]?.model, loadAverage: loadavg() },
}
const ctx = await openContext(log)
/** Runs a suite and, unless quick, saves what there is so far (a later failure loses nothing). */
const suite = async (name: (typeof SUITES)[number], run: () => Promise<unknown>) => {
  if (!runs(name) || (quick && (name === 'micro' || name === 'next'))) return
  results[name] = await run()
  if (!quick) log(`saved ${saveResults(results)}`)
}
const seconds = quick ? 1 : env('LATCHKEY_BENCH_SECONDS', 5)
try {
  await suite('requests', () =>
    benchRequests(
      {
        users: quick ? 200 : env('LATCHKEY_BENCH_USERS', 10_000),
        rounds: quick ? 1 : env('LATCHKEY_BENCH_ROUNDS', 5),
        seconds,
        connections: 32,
        cacheSize: quick ? 100 : 10_000,
        only: quick
          ? ['latchkey-node', 'latchkey-hono', 'latchkey-node-session', 'express-jsonwebtoken']
          : process.env.LATCHKEY_BENCH_CASES?.split(','),
      },
      ctx,
    ))
  await suite('next', () =>
    benchNext(
      {
        users: env('LATCHKEY_BENCH_USERS', 10_000),
        rounds: env('LATCHKEY_BENCH_ROUNDS', 5),
        seconds,
        connections: 32,
        cacheSize: 10_000,
      },
      ctx,
    ))
  await suite('paths', () =>
    benchPaths({ seconds: quick ? 1 : seconds * 2, signIns: quick ? 4 : 0 }, ctx))
  await suite('scale', () =>
    benchScale(
      { sizes: quick ? [100] : full ? [1e3, 1e4, 1e5, 1e6] : [1e3, 1e4, 1e5], seconds },
      ctx,
    ))
  await suite('micro', benchMicro)
} finally {
  await ctx.close()
}
if (quick) console.log(JSON.stringify(results))
else if (results.requests) console.log(drawChart())
process.exit(0)
