/**
 * A small interleaved benchmark runner. Machines here are noisy, so absolute numbers mean
 * little: every case is measured in the same rounds as its baseline, round after round, and
 * the report gives the median of the per-round ratios.
 */
export interface Case {
  name: string
  /** One operation; awaited. Pass `batch` > 1 when one call does several operations. */
  run: () => Promise<unknown> | unknown
  batch?: number
}

export interface Result {
  name: string
  opsPerSecond: number
  /** Median over the rounds of (this case's ops/s ÷ the baseline's ops/s). */
  ratio: number
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2
}

async function opsPerSecond(c: Case, millis: number) {
  let ops = 0
  const start = performance.now()
  let elapsed = 0
  while (elapsed < millis) {
    await c.run()
    ops += c.batch ?? 1
    elapsed = performance.now() - start
  }
  return (ops * 1000) / elapsed
}

/** Measures `cases[0]` (the baseline) and the rest in `rounds` interleaved rounds. */
export async function compare(
  title: string,
  cases: Case[],
  { rounds = 5, millis = 300 }: { rounds?: number; millis?: number } = {},
): Promise<Result[]> {
  for (const c of cases) await opsPerSecond(c, millis / 2) // warm up the JIT and caches
  const samples = cases.map(() => [] as number[])
  for (let round = 0; round < rounds; round++)
    for (const [i, c] of cases.entries()) samples[i]?.push(await opsPerSecond(c, millis))
  const base = samples[0] as number[]
  const results = cases.map((c, i) => ({
    name: c.name,
    opsPerSecond: median(samples[i] as number[]),
    ratio: median((samples[i] as number[]).map((ops, round) => ops / (base[round] as number))),
  }))
  print(title, results)
  return results
}

function print(title: string, results: Result[]) {
  const width = Math.max(...results.map((r) => r.name.length))
  console.log(`\n${title}`)
  console.log(`  ${'case'.padEnd(width)}  ${'ops/s'.padStart(10)}  vs baseline`)
  for (const r of results)
    console.log(
      `  ${r.name.padEnd(width)}  ${Math.round(r.opsPerSecond).toLocaleString('en').padStart(10)}  ${r.ratio.toFixed(2)}x`,
    )
}
