import fc from 'fast-check'
import { rssMiB, running } from './demo_process.ts'
import type { FuzzRequest } from './malformed_requests.ts'
import { type Exchange, rawExchange } from './raw_exchange.ts'

export interface FuzzSettings {
  requests: number
  /** Batch `b` of the stream is generated from seed `seed + b`, so any request can be replayed. */
  seed: number
  batch: number
  inFlight: number
  deadlineMs: number
  /** The source address of the fuzz traffic. */
  localAddress: string
  /** The stack's process: sampled for RSS, and the run stops if it dies. */
  stackPid: number
  /** What is wrong with an answer, or `undefined`. */
  problemWith(answer: Exchange): string | undefined
  /** Told of each RSS sample as it is taken (long runs show their progress). */
  progress?(line: string): void
}

export interface FuzzReport {
  sent: number
  /** Per origin, status → count (0: closed without an answer). */
  histogram: Map<string, Map<number, number>>
  /** RSS in MiB after so many requests. */
  rss: [number, number][]
  failures: { request: string; problem: string; answer: string }[]
}

const show = (text: Buffer | string, max: number) =>
  JSON.stringify(text.toString('latin1').slice(0, max))

/**
 * Sends `settings.requests` requests drawn from `arbitrary`, at most `inFlight` at a time,
 * each on its own connection; stops early after 20 failures or if the stack dies.
 */
export async function runFuzz(
  arbitrary: fc.Arbitrary<FuzzRequest>,
  settings: FuzzSettings,
): Promise<FuzzReport> {
  const { requests, seed, batch: size, stackPid } = settings
  const report: FuzzReport = {
    sent: 0,
    histogram: new Map(),
    rss: [[0, rssMiB(stackPid)]],
    failures: [],
  }
  let batch = { index: -1, requests: [] as FuzzRequest[] }
  const requestAt = (i: number) => {
    const index = Math.floor(i / size)
    if (batch.index !== index)
      batch = { index, requests: fc.sample(arbitrary, { seed: seed + index, numRuns: size }) }
    return batch.requests[i % size] as FuzzRequest
  }
  const every = Math.ceil(requests / 20)
  let next = 0
  const worker = async () => {
    while (next < requests && report.failures.length < 20 && running(stackPid)) {
      const i = next++
      const { origin, bytes } = requestAt(i)
      const answer = await rawExchange(origin.port, bytes, settings)
      const counts = report.histogram.get(origin.name) ?? new Map<number, number>()
      report.histogram.set(
        origin.name,
        counts.set(answer.status, (counts.get(answer.status) ?? 0) + 1),
      )
      const problem = settings.problemWith(answer)
      if (problem)
        report.failures.push({
          request: `seed ${seed + Math.floor(i / size)} #${i % size} → ${origin.name}: ${show(bytes, 600)}`,
          problem,
          answer: show(answer.text, 600),
        })
      if (++report.sent % every === 0 && running(stackPid)) {
        report.rss.push([report.sent, rssMiB(stackPid)])
        settings.progress?.(
          `${new Date().toISOString()} ${report.sent} requests, RSS ${rssMiB(stackPid)} MiB, ${report.failures.length} failures`,
        )
      }
    }
  }
  await Promise.all(Array.from({ length: settings.inFlight }, worker))
  return report
}

/** The status histogram per origin and the RSS samples, as a table. */
export function formatReport(report: FuzzReport, seed: number): string {
  const statuses = [
    ...new Set([...report.histogram.values()].flatMap((counts) => [...counts.keys()])),
  ].sort((a, b) => a - b)
  const row = (cells: (string | number)[]) => cells.map((c) => String(c).padStart(7)).join('')
  return [
    `${report.sent} requests, seed ${seed} (status 0: the connection closed without an answer)`,
    row(['origin', ...statuses, 'total']),
    ...[...report.histogram].map(([name, counts]) =>
      row([
        name,
        ...statuses.map((s) => counts.get(s) ?? 0),
        [...counts.values()].reduce((a, b) => a + b, 0),
      ]),
    ),
    `RSS of the stack (MiB) after n requests: ${report.rss.map(([n, mib]) => `${n}: ${mib}`).join(', ')}`,
  ].join('\n')
}
