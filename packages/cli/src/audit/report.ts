import { FAMILIES, type Family, type ItemResult, type Status } from './item.ts'

export interface AuditReport {
  app: string
  idp: string | null
  signedIn: boolean
  items: ItemResult[]
  /** What stopped part of the audit (an unreachable app, a failed sign-in). */
  errors: string[]
  requests: { used: number; max: number }
}

export const summary = (report: AuditReport) => {
  const count = (status: Status) => report.items.filter((i) => i.status === status).length
  return { pass: count('pass'), fail: count('fail'), notCheckable: count('not checkable') }
}

/** Non-zero when the pipeline should stop: any failed item, or an audit that could not run. */
export const exitCode = (report: AuditReport) =>
  report.errors.length > 0 || report.items.some((i) => i.status === 'fail') ? 1 : 0

const byFamily = (items: ItemResult[]) =>
  (Object.keys(FAMILIES) as Family[])
    .map((family) => [family, items.filter((i) => i.family === family)] as const)
    .filter(([, list]) => list.length > 0)

const LABEL: Record<Status, string> = { pass: 'PASS', fail: 'FAIL', 'not checkable': 'N/A ' }

const totals = (report: AuditReport) => {
  const s = summary(report)
  return `${report.items.length} items: ${s.pass} pass, ${s.fail} fail, ${s.notCheckable} not checkable · ${report.requests.used} requests sent (budget ${report.requests.max})`
}

/** The report for a terminal: one line per item, its evidence under it, the fix where it failed. */
export function renderText(report: AuditReport): string {
  const lines = [
    `latchkey audit ${report.app}${report.idp ? ` (IdP ${report.idp})` : ''}${report.signedIn ? ', signed in twice' : ', not signed in'}`,
  ]
  for (const error of report.errors) lines.push(`error: ${error}`)
  for (const [family, items] of byFamily(report.items)) {
    lines.push('', FAMILIES[family])
    for (const item of items) {
      lines.push(`  ${LABEL[item.status]}  ${item.id.padEnd(22)} ${item.title}`)
      for (const e of item.evidence) lines.push(`        · ${e}`)
      if (item.status !== 'pass') lines.push(`        fix: ${item.fix}`)
    }
  }
  lines.push('', totals(report))
  return lines.join('\n')
}

export function renderJson(report: AuditReport): string {
  return JSON.stringify({ ...report, summary: summary(report) }, null, 2)
}

const escapeHtml = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  )

/** One HTML file, no external resource: it can be attached to a CI run as it is. */
export function renderHtml(report: AuditReport): string {
  const rows = byFamily(report.items)
    .map(
      ([family, items]) =>
        `<h2>${escapeHtml(FAMILIES[family])}</h2>\n<table>\n${items
          .map(
            (item) =>
              `<tr class="${item.status.replace(' ', '-')}"><td class="status">${escapeHtml(item.status)}</td><td><code>${escapeHtml(item.id)}</code><br>${escapeHtml(item.title)}</td><td><ul>${item.evidence
                .map((e) => `<li>${escapeHtml(e)}</li>`)
                .join(
                  '',
                )}</ul>${item.status === 'pass' ? '' : `<p class="fix">Fix: ${escapeHtml(item.fix)}</p>`}</td></tr>`,
          )
          .join('\n')}\n</table>`,
    )
    .join('\n')
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>latchkey audit · ${escapeHtml(report.app)}</title>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 2rem; color: #222; }
table { border-collapse: collapse; width: 100%; margin-bottom: 1rem; }
td { border-top: 1px solid #ddd; padding: .4rem; vertical-align: top; }
td.status { font-weight: bold; width: 7rem; text-transform: uppercase; }
tr.pass td.status { color: #17662c; } tr.fail td.status { color: #b00020; } tr.not-checkable td.status { color: #777; }
ul { margin: 0; padding-left: 1.2rem; } .fix { margin: .3rem 0 0; font-style: italic; }
</style>
</head>
<body>
<h1>latchkey audit</h1>
<p>${escapeHtml(report.app)}${report.idp ? ` · IdP ${escapeHtml(report.idp)}` : ''} · ${report.signedIn ? 'signed in' : 'not signed in'}</p>
${report.errors.map((e) => `<p class="fix">Error: ${escapeHtml(e)}</p>`).join('\n')}
${rows}
<p>${escapeHtml(totals(report))}</p>
</body>
</html>
`
}
