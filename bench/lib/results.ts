/**
 * Results on disk: bench/results/<date>.json for the run, and latest.json, where the suites
 * this run did not measure keep their last results (each suite's entry says when it ran).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

export const RESULTS_DIR = fileURLToPath(new URL('../results/', import.meta.url))

export function saveResults(results: Record<string, unknown>): string {
  const latestFile = `${RESULTS_DIR}latest.json`
  const previous = existsSync(latestFile)
    ? (JSON.parse(readFileSync(latestFile, 'utf8')) as Record<string, unknown>)
    : {}
  const date = results.date as string
  const stamped = Object.fromEntries(
    Object.entries(results).map(([key, value]) =>
      value && typeof value === 'object' && !Array.isArray(value) && key !== 'machine'
        ? [key, { ranAt: date, ...value }]
        : [key, value],
    ),
  )
  const file = `${RESULTS_DIR}${date.slice(0, 10)}.json`
  writeFileSync(file, `${JSON.stringify(stamped, null, 2)}\n`)
  writeFileSync(latestFile, `${JSON.stringify({ ...previous, ...stamped }, null, 2)}\n`)
  return file
}
