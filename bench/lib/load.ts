/** The load generator's process, seen from the coordinator: one job at a time. */
import type { LoadJob, LoadResult } from '../load_worker.ts'
import { requester, startChild } from './processes.ts'

export type { LoadJob, LoadResult }

export async function startLoadGenerator() {
  const child = await startChild<true>('load_worker.ts', [])
  const ask = requester(child.process)
  return {
    run: (job: LoadJob) => ask<LoadResult>({ job }),
    stop: () => child.stop(),
  }
}

export type LoadGenerator = Awaited<ReturnType<typeof startLoadGenerator>>
