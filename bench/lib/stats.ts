/** Summaries over benchmark rounds. Machines are noisy: report the median and the spread. */

export const median = (values: number[]): number => {
  if (!values.length) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2
}

export interface Spread {
  median: number
  min: number
  max: number
}

export const spread = (values: number[]): Spread => ({
  median: median(values),
  min: Math.min(...values),
  max: Math.max(...values),
})

/**
 * The ratio of two cases measured in the same rounds: one ratio per round (each round's
 * pair ran minutes apart at most), summarised.
 */
export const ratioOf = (of: number[], to: number[]): Spread =>
  spread(of.map((value, round) => value / (to[round] as number)))

export const round2 = (value: number) => Math.round(value * 100) / 100
