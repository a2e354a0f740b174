import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { call, signIn } from '../../packages/server/test/fixtures/login.ts'
import { PASSWORD } from '../../packages/server/test/fixtures/stack.ts'
import { launchChromium } from '../support/chromium.ts'
import { freePort } from '../support/free_port.ts'
import { type Consumer, cleanEnv, installConsumer, packAll, REPO } from './support/install.ts'
import { run, type Service, startService } from './support/processes.ts'

const CLIENT_SECRET = 'consumer-client-secret-0123456789abcdef'
const CSRF_SECRET = 'consumer-csrf-secret-0123456789abcdef012'
/** Generous: a browser app's share of Latchkey must stay a few KB (minified + gzipped). */
const SDK_BUDGET = 10 * 1024
const PACKAGES = [
  '@latchkey/browser',
  '@latchkey/cli',
  '@latchkey/idp',
  '@latchkey/next',
  '@latchkey/protocol',
  '@latchkey/react',
  '@latchkey/server',
  '@latchkey/store',
]

let consumer: Consumer
let packDir: string
const temps: string[] = []
const tempDir = async (prefix: string) => {
  const dir = await mkdtemp(join(tmpdir(), `latchkey-consumer-${prefix}-`))
  temps.push(dir)
  return dir
}
/** What the run measured, printed at the end (and recorded in docs/packaging.md). */
const sizes: Record<string, Record<string, number>> = {}

beforeAll(async () => {
  packDir = await tempDir('packs')
  consumer = await installConsumer(await packAll(packDir))
})
afterAll(async () => {
  console.info(`package sizes (bytes):\n${JSON.stringify(sizes, null, 2)}`)
  for (const dir of temps) await rm(dir, { recursive: true, force: true })
})

const repoBin = (name: string) => join(REPO, 'node_modules', '.bin', name)

/**
 * The operator's side, from the tarballs: `latchkey users add` and `latchkey serve` on the
 * embedded store of a fresh data dir; `startApp` starts one of the consumer's backends and
 * registers it with `latchkey clients add`.
 */
async function startIdp(node: string) {
  const env = cleanEnv({ LATCHKEY_DATA_DIR: await tempDir('data') })
  const latchkey = join(consumer.dir, 'node_modules/.bin/latchkey')
  const cli = (args: string[], input?: string) =>
    run(node, [latchkey, ...args], { cwd: consumer.dir, env, input })
  await cli(['users', 'add', '--username', 'alice', '--password-stdin', '--role', 'USER'], PASSWORD)
  // The issuer names its port, so the port is chosen first.
  const port = String(await freePort())
  const issuer = `http://127.0.0.1:${port}`
  const serve = ['serve', '--issuer', issuer, '--port', port, '--host', '127.0.0.1']
  const idp = await startService(node, [latchkey, ...serve], { cwd: consumer.dir, env })
  const startApp = async (script: string, clientId: string, extra: Record<string, string> = {}) => {
    const app = await startService(node, [script], {
      cwd: consumer.dir,
      env: cleanEnv({
        LATCHKEY_ISSUER: issuer,
        LATCHKEY_CLIENT_ID: clientId,
        LATCHKEY_CLIENT_SECRET: CLIENT_SECRET,
        LATCHKEY_SECRET: CSRF_SECRET,
        ...extra,
      }),
    })
    const redirects = ['--redirect-uri', `${app.url}/auth/callback`]
    redirects.push('--post-logout-redirect-uri', `${app.url}/`)
    await cli(['clients', 'add', '--id', clientId, '--secret-stdin', ...redirects], CLIENT_SECRET)
    return app
  }
  return { idp, issuer, startApp }
}

describe.concurrent('the packed packages', () => {
  it('hold built JavaScript, declarations with their maps, the sources, their run-time assets and the README only', () => {
    for (const pack of consumer.packs) {
      const paths = pack.files.map((file) => file.path)
      const stray = paths.filter(
        (path) =>
          // Besides code: the data files and the browser script the IdP reads at run time.
          !/^(package\.json|README\.md|dist\/.+\.(js|d\.ts|d\.ts\.map)|src\/.+\.(tsx?|txt)|src\/.+\/browser\/[\w-]+\.js)$/.test(
            path,
          ),
      )
      expect(stray, pack.name).toEqual([])
      expect(paths, pack.name).toEqual(expect.arrayContaining(['dist/index.js', 'dist/index.d.ts']))
      sizes[pack.name] = { packed: pack.size, unpacked: pack.unpackedSize }
    }
    expect(consumer.packs.map((pack) => pack.name).sort()).toEqual(PACKAGES)
  })

  it.each(PACKAGES)('%s is clean under publint and arethetypeswrong', async (name) => {
    const pack = consumer.packs.find((p) => p.name === name)!
    const options = { cwd: packDir, env: cleanEnv() }
    const lint = await run(
      process.execPath,
      [repoBin('publint'), 'run', '--strict', pack.path],
      options,
    )
    // Errors and warnings exit non-zero (--strict); suggestions would replace this line.
    expect(lint.stdout).toContain('All good!')
    // ESM only, by design: CommonJS `require` (node10, node16-cjs) is out of scope. Any
    // other problem makes attw exit non-zero, which run() reports with its table.
    await run(process.execPath, [repoBin('attw'), pack.path, '--profile', 'esm-only'], options)
  })

  it('installs the `latchkey` command: built JavaScript, executable, with a shebang', async () => {
    const { stdout } = await run(join(consumer.dir, 'node_modules/.bin/latchkey'), ['--help'], {
      cwd: consumer.dir,
      env: cleanEnv(),
    })
    expect(stdout).toContain('Usage: latchkey')
  })
})

describe.each([22, 24])('a consumer backend on Node %i', (major) => {
  let stack: Awaited<ReturnType<typeof startIdp>>
  const services: Service[] = []

  beforeAll(async () => {
    stack = await startIdp(major === 22 ? consumer.node22 : process.execPath)
    services.push(stack.idp)
  })
  afterAll(async () => {
    for (const service of services) await service.stop()
  })

  it.each([
    { framework: 'express', script: 'express_app.js' },
    { framework: 'node:http', script: 'node_http_app.js' },
  ])(
    '$framework signs alice in at the IdP, answers, refreshes and logs out',
    async ({ framework, script }) => {
      const app = await stack.startApp(script, `${framework.replace(':', '-')}-${major}`)
      services.push(app)
      expect(app.node?.split('.')[0]).toBe(`v${major}`)
      // No warning either (Node 22 has node:sqlite experimental: the store loads it on use).
      expect(app.stderr()).toBe('')
      expect((await fetch(`${app.url}/api/me`)).status).toBe(401)

      const { browser } = await signIn(app.url, 'alice')
      const me = await call(browser, `${app.url}/api/me`)
      expect(await me.json()).toEqual({ sub: expect.any(String), roles: ['USER'], via: framework })

      const access = browser.cookies.get('__Host-access_token')
      const refreshed = await call(browser, `${app.url}/auth/refresh`, { method: 'POST' })
      expect(refreshed.status).toBe(200)
      expect(browser.cookies.get('__Host-access_token')).not.toBe(access)
      expect((await call(browser, `${app.url}/api/me`)).status).toBe(200)

      const csrf = browser.cookies.get('__Host-csrf_token')
      const out = await call(browser, `${app.url}/auth/logout`, { method: 'POST', csrf })
      expect(out.status).toBe(200)
      expect((await out.json()).logoutUrl.startsWith(`${stack.issuer}/session/end?`)).toBe(true)
      expect((await call(browser, `${app.url}/api/me`)).status).toBe(401)
    },
  )
})

describe('a Vite + React app on the packed SDK', () => {
  const vite = () => join(consumer.dir, 'node_modules/vite/bin/vite.js')
  const services: Service[] = []
  let browser: Browser

  afterAll(async () => {
    await browser?.close()
    for (const service of services) await service.stop()
  })

  it('builds with Vite and signs in, calls its API and signs out in Chromium', async () => {
    const outDir = await tempDir('web')
    await run(process.execPath, [vite(), 'build', '--outDir', outDir, '--emptyOutDir'], {
      cwd: consumer.dir,
      env: cleanEnv({ NODE_ENV: 'production' }),
    })
    const { idp, issuer, startApp } = await startIdp(process.execPath)
    services.push(idp)
    // Served by the Express backend on its own origin; localhost, where Chromium keeps
    // Secure cookies over http.
    const app = await startApp('express_app.js', 'react-app', {
      STATIC_DIR: outDir,
      PUBLIC_HOST: 'localhost',
    })
    services.push(app)
    browser = await launchChromium()
    const page = await browser.newPage()

    // <RequireAuth> sends a signed-out visitor to the IdP and brings her back.
    await page.goto(app.url)
    await page.waitForURL(`${issuer}/interaction/**`)
    await page.fill('#username', 'alice')
    await page.fill('#password', PASSWORD)
    await page.click('button[type=submit]')
    await page.waitForURL(`${app.url}/**`)
    await expect.poll(() => page.getByTestId('user').textContent()).not.toBe('')

    await page.getByTestId('call-api').click()
    await expect
      .poll(() => page.getByTestId('api').textContent())
      .toMatch(/^200 \{.*"via":"express"/)

    // Signing out ends the IdP session too: back at the app, <RequireAuth> lands on the
    // IdP's sign-in form again instead of a silent sign-in.
    await page.getByTestId('sign-out').click()
    await page.waitForURL(`${issuer}/session/end**`)
    await page.getByRole('button', { name: 'Sign out', exact: true }).click()
    await page.waitForURL(`${issuer}/interaction/**`)
    await page.locator('#password').waitFor()
  })

  it.each(['browser', 'react'])(
    'ships a few KB of Latchkey in a %s app (minified + gzipped)',
    async (entry) => {
      const outDir = await tempDir(`size-${entry}`)
      await run(process.execPath, [vite(), 'build', '--config', 'size.config.js'], {
        cwd: consumer.dir,
        env: cleanEnv({ NODE_ENV: 'production', SIZE_ENTRY: entry, OUT_DIR: outDir }),
      })
      const [bundle = ''] = await readdir(outDir)
      const code = await readFile(join(outDir, bundle))
      const gzipped = gzipSync(code, { level: 9 }).length
      sizes[`${entry} app`] = { minified: code.length, gzipped }
      expect(gzipped).toBeLessThan(SDK_BUDGET)
    },
  )
})

// Three tsc runs side by side. The declarations themselves are checked (skipLibCheck off)
// under nodenext and without the DOM library; the bundler run checks the usage.
describe.concurrent('a consumer TypeScript project', () => {
  it.each([
    ['nodenext', 'every entry point, moduleResolution nodenext, declarations checked'],
    ['bundler', 'every entry point and the React app, moduleResolution bundler'],
    ['server', 'the server-side entry points without the DOM library, declarations checked'],
  ])('type-checks with strict (tsconfig.%s.json: %s)', async (config) => {
    const tsc = join(REPO, 'node_modules/typescript/bin/tsc')
    const { code, stdout } = await run(
      process.execPath,
      [tsc, '-p', `tsconfig.${config}.json`, '--pretty', 'false'],
      { cwd: consumer.dir, env: cleanEnv(), anyExitCode: true },
    )
    // Where skipLibCheck is off, Latchkey's declarations are checked too. Other packages'
    // declarations may disagree among themselves (@types/koa, which @types/oidc-provider
    // brings, expects an older content-disposition than Express 5 installs): not ours to fix.
    const errors = stdout.split('\n').filter((line) => /error TS\d+:/.test(line))
    const ours = errors.filter((line) => !/^node_modules\/(?!@latchkey\/)/.test(line))
    expect(ours).toEqual([])
    expect(code === 0 || errors.length > 0).toBe(true)
  })
})
