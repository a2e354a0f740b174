import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildApps } from '../../../examples/demo/src/build_apps.ts'
import { ORIGINS } from '../../../examples/demo/src/origins.ts'
import { type Stack, startStack } from '../../../examples/demo/src/stack.ts'
import { chromiumPath, launchChromium } from '../../../test/support/chromium.ts'
import type { ItemResult } from '../src/audit/item.ts'
import type { AuditReport } from '../src/audit/report.ts'
import { CHECKS, runAudit } from '../src/audit/run.ts'
import { main } from '../src/cli.ts'
import { FLAWS, type Flaw, startMiniDeployment, USER } from './audit_fixtures/mini_deployment.ts'

/** Runs `latchkey audit …` in-process: exit code, standard output, standard error. */
async function latchkeyAudit(args: string[], env: Record<string, string | undefined> = {}) {
  let out = ''
  let err = ''
  const code = await main(
    ['audit', ...args],
    { out: (l) => (out += `${l}\n`), err: (l) => (err += `${l}\n`), stdin: async () => '' },
    env as NodeJS.ProcessEnv,
  )
  return { code, out, err }
}

const ids = (items: ItemResult[], status: ItemResult['status']) =>
  items.filter((i) => i.status === status).map((i) => i.id)

// Plain HTTP on loopback: transport and HSTS have nothing to look at.
const HTTPS_ONLY = ['transport.https', 'headers.hsts']

describe('latchkey audit against the demo stack', () => {
  let stack: Stack
  let dataDir: string
  let dir: string

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'latchkey-audit-demo-'))
    dir = mkdtempSync(join(tmpdir(), 'latchkey-audit-out-'))
    stack = await startStack({ distDir: await buildApps(), dataDir })
  }, 120_000)
  afterAll(async () => {
    await stack?.close()
    rmSync(dataDir, { recursive: true, force: true })
    rmSync(dir, { recursive: true, force: true })
  })

  it('signs alice in through the CLI and passes every item that HTTP on loopback lets it check', async () => {
    const html = join(dir, 'report.html')
    const { code, out } = await latchkeyAudit(
      [ORIGINS.app, '--login', 'alice', '--api', ORIGINS.api, '--json', '--html', html],
      {
        CHROMIUM_PATH: await chromiumPath(),
        LATCHKEY_AUDIT_PASSWORD: 'alice-demo-password',
        PATH: process.env.PATH,
      },
    )
    const report = JSON.parse(out) as AuditReport
    expect(report.errors).toEqual([])
    expect(report.signedIn).toBe(true)
    expect(ids(report.items, 'fail')).toEqual([])
    expect(ids(report.items, 'not checkable')).toEqual(HTTPS_ONLY)
    expect(report.items.map((i) => i.id)).toEqual(CHECKS.map((c) => c.id))
    expect(code).toBe(0)
    expect(report.requests.used).toBeLessThanOrEqual(report.requests.max)
    // The report never carries a cookie's value (they are live credentials).
    expect(out).not.toMatch(/access_token=eyJ/)
    const page = readFileSync(html, 'utf8')
    expect(page).toContain('cookie.refresh-path')
    expect(page).not.toMatch(/<script|https?:\/\/[^"<\s]*\.(css|js)/)
  })

  it('without credentials: the outside checks pass, the rest are not checkable, and the total is printed', async () => {
    const { code, out } = await latchkeyAudit([ORIGINS.app])
    expect(code).toBe(0)
    expect(out).toMatch(/PASS {2}oidc\.pkce/)
    expect(out).toMatch(/N\/A {3}logout\.ends-session/)
    expect(out).toMatch(
      /\d+ items: \d+ pass, 0 fail, \d+ not checkable · \d+ requests sent \(budget 150\)/,
    )
  })
})

describe('latchkey audit against deliberately misconfigured deployments', () => {
  let browser: Browser
  beforeAll(async () => {
    browser = await launchChromium()
  })
  afterAll(async () => {
    await browser?.close()
  })

  /** One mini deployment with `flaw`, audited with a sign-in; the report. */
  async function audit(flaw?: Flaw): Promise<AuditReport> {
    const deployment = await startMiniDeployment(flaw)
    try {
      return await runAudit(
        {
          appUrl: deployment.appUrl,
          apis: [],
          paths: {
            login: '/auth/login',
            me: '/auth/me',
            refresh: '/auth/refresh',
            logout: '/auth/logout',
          },
          csrfHeader: 'X-CSRF-Token',
          csrfTarget: { method: 'POST', path: '/auth/logout' },
          returnParam: 'returnTo',
        },
        {
          login: { kind: 'password', ...USER },
          maxRequests: 150,
          env: {} as NodeJS.ProcessEnv,
          browser,
        },
      )
    } finally {
      await deployment.close()
    }
  }

  it('passes the mini deployment without a flaw (the baseline the flaws break)', async () => {
    const report = await audit()
    expect(report.errors).toEqual([])
    expect(ids(report.items, 'fail')).toEqual([])
    expect(ids(report.items, 'not checkable')).toEqual(HTTPS_ONLY)
  })

  // Each flaw fails the one item meant for it, and no other; run side by side (own ports).
  it.concurrent.each(Object.entries(FLAWS) as [Flaw, string][])(
    '%s is caught by %s alone',
    async (flaw, item) => {
      const report = await audit(flaw)
      expect(report.errors).toEqual([])
      expect(ids(report.items, 'fail')).toEqual([item])
      expect(ids(report.items, 'not checkable')).toEqual(HTTPS_ONLY)
    },
    60_000,
  )
})

describe('latchkey audit usage', () => {
  it('exits 2 on usage errors, with the usage', async () => {
    for (const args of [
      [],
      ['not a url'],
      ['http://a.example', 'http://b.example'],
      ['http://a.example', '--csrf-target', 'GET /x'],
      ['http://a.example', '--login', 'alice'],
      ['http://a.example', '--max-requests', '0'],
      ['http://a.example', '--bogus'],
    ]) {
      const { code, err } = await latchkeyAudit(args)
      expect(code, args.join(' ')).toBe(2)
      expect(err).toContain('Usage: latchkey audit')
    }
  })

  it('exits 1 when the app does not answer, and says so', async () => {
    const { code, out } = await latchkeyAudit(['http://127.0.0.1:9', '--json'])
    expect(code).toBe(1)
    expect((JSON.parse(out) as AuditReport).errors[0]).toMatch(/did not answer/)
  })
})
