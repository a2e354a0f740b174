/**
 * `node bench/chart.ts`: docs/images/bench.svg from bench/results/latest.json — one bar per
 * server (median req/s over the rounds, a whisker from the slowest to the fastest round) —
 * and the markdown tables of docs/bench.md on stdout.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { Spread } from './lib/stats.ts'
import type { RequestsResult } from './suites/requests.ts'

const SVG_FILE = fileURLToPath(new URL('../docs/images/bench.svg', import.meta.url))
const LATEST = fileURLToPath(new URL('./results/latest.json', import.meta.url))

const xml = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
const group = (id: string) =>
  id.startsWith('bare-') ? 'baseline' : id.startsWith('latchkey-') ? 'latchkey' : 'peer'
const COLOURS = { baseline: '#9aa5b1', latchkey: '#2f6fde', peer: '#e07b39' }

export function chartSvg(requests: RequestsResult): string {
  const rows = requests.cases
  const labelWidth = 380
  const barWidth = 460
  const rowHeight = 26
  const top = 40
  const height = top + rows.length * rowHeight + 40
  const scale = barWidth / Math.max(...rows.map((r) => r.requestsPerSecond.max))
  const x = (value: number) => labelWidth + value * scale
  const bars = rows.map((r, i) => {
    const y = top + i * rowHeight
    const { median, min, max } = r.requestsPerSecond
    const mid = y + rowHeight / 2
    return [
      `<text x="${labelWidth - 8}" y="${mid + 4}" text-anchor="end">${xml(r.label)}</text>`,
      `<rect x="${labelWidth}" y="${y + 4}" width="${(median * scale).toFixed(1)}" height="${rowHeight - 8}" fill="${COLOURS[group(r.id)]}"/>`,
      `<line x1="${x(min).toFixed(1)}" x2="${x(max).toFixed(1)}" y1="${mid}" y2="${mid}" stroke="#222" stroke-width="1.5"/>`,
      `<text x="${(x(max) + 6).toFixed(1)}" y="${mid + 4}">${Math.round(median).toLocaleString('en')}</text>`,
    ].join('')
  })
  const { rounds, seconds, connections, users } = requests.settings
  const title = `Authenticated GET /api/me, req/s (median of ${rounds} rounds × ${seconds} s; whiskers: slowest–fastest round)`
  return `<svg xmlns="http://www.w3.org/2000/svg" role="img" width="${labelWidth + barWidth + 90}" height="${height}" font-family="system-ui, sans-serif" font-size="13">
<title>${title}</title>
<rect width="100%" height="100%" fill="#fff"/>
<text x="10" y="22" font-size="15" font-weight="600">${title}</text>
${bars.join('\n')}
<text x="10" y="${height - 14}" fill="#555">autocannon, ${connections} connections, own process; ${users.toLocaleString('en')} distinct users; grey: no auth, blue: Latchkey, orange: peers</text>
</svg>
`
}

const times = (spread: Spread) =>
  `${spread.median.toFixed(2)}× (${spread.min.toFixed(2)}–${spread.max.toFixed(2)})`

export function markdownTables(requests: RequestsResult): string {
  const label = new Map(requests.cases.map((c) => [c.id, c.label]))
  const lines = [
    '| server | req/s, median (min–max) | p50 / p99 ms | generator cores |',
    '| --- | ---: | ---: | ---: |',
    ...requests.cases.map(
      (c) =>
        `| ${c.label} | ${Math.round(c.requestsPerSecond.median).toLocaleString('en')} (${Math.round(c.requestsPerSecond.min).toLocaleString('en')}–${Math.round(c.requestsPerSecond.max).toLocaleString('en')}) | ${c.p50} / ${c.p99} | ${c.generatorCores.toFixed(2)} |`,
    ),
    '',
    '| ratio | median (min–max over rounds) | target |',
    '| --- | ---: | ---: |',
    ...requests.ratios.map(
      (r) =>
        `| ${label.get(r.of)} ÷ ${label.get(r.to)} | ${times(r.ratio)} | ${r.target ? `≥ ${r.target}×` : ''} |`,
    ),
  ]
  return lines.join('\n')
}

/** Redraws the chart from latest.json; resolves to the tables. */
export function drawChart(): string {
  const latest = JSON.parse(readFileSync(LATEST, 'utf8')) as { requests?: RequestsResult }
  if (!latest.requests) throw new Error('no requests suite in latest.json: run `npm run bench`')
  writeFileSync(SVG_FILE, chartSvg(latest.requests))
  return markdownTables(latest.requests)
}

if (import.meta.main) console.log(drawChart())
