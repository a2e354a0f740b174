import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs'
import { readdir } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { join } from 'node:path'

const APP = join(import.meta.dirname, '..')
const PACKAGES = join(APP, '..', '..', 'packages')
const BUILD_ID = join(APP, '.next', 'BUILD_ID')
const LOCK = join(APP, '.next-build.lock')
const INPUTS = [
  join(APP, 'app'),
  join(APP, 'lib'),
  join(APP, 'proxy.ts'),
  join(APP, 'next.config.mjs'),
  join(APP, 'source_aliases.mjs'),
  ...['next', 'server', 'browser', 'react', 'store'].map((p) => join(PACKAGES, p, 'src')),
]

async function newest(path: string): Promise<number> {
  const stat = statSync(path, { throwIfNoEntry: false })
  if (!stat) return 0
  if (!stat.isDirectory()) return stat.mtimeMs
  let latest = 0
  for (const entry of await readdir(path, { withFileTypes: true, recursive: true }))
    if (entry.isFile())
      latest = Math.max(latest, statSync(join(entry.parentPath, entry.name)).mtimeMs)
  return latest
}

const upToDate = async () =>
  existsSync(BUILD_ID) &&
  statSync(BUILD_ID).mtimeMs >= Math.max(...(await Promise.all(INPUTS.map(newest))))

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * `next build` of the demo's Next app, when `.next` is missing or older than its sources or
 * the packages it bundles. One build at a time across processes (`npm start`, the test
 * suites): a lock directory, taken atomically by `mkdir`; a waiter uses the build it waited for.
 */
export async function buildNextApp(log: (line: string) => void = () => {}): Promise<string> {
  if (await upToDate()) return APP
  for (;;) {
    try {
      mkdirSync(LOCK)
      break
    } catch {
      // A lock older than any build is left over from a killed one.
      const age = Date.now() - (statSync(LOCK, { throwIfNoEntry: false })?.mtimeMs ?? Date.now())
      if (age > 600_000) rmSync(LOCK, { recursive: true, force: true })
      await sleep(500)
    }
  }
  try {
    if (await upToDate()) return APP
    log('building the Next.js app (once; about a minute)…')
    const bin = createRequire(join(APP, 'package.json')).resolve('next/dist/bin/next')
    const child = spawn(process.execPath, [bin, 'build'], {
      cwd: APP,
      env: { ...process.env, NODE_ENV: 'production', NEXT_TELEMETRY_DISABLED: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let output = ''
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk
    })
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk
    })
    const [code] = await once(child, 'exit')
    if (code !== 0) throw new Error(`next build failed:\n${output}`)
    // Type helpers for Next's own type check, which the build skips: the repository's
    // `tsc -p tsconfig.json` checks the app, and next-env.d.ts would bring next's global
    // declarations (a read-only process.env.NODE_ENV) into every package's check.
    rmSync(join(APP, 'next-env.d.ts'), { force: true })
    rmSync(join(APP, '.next', 'types'), { recursive: true, force: true })
    return APP
  } finally {
    rmSync(LOCK, { recursive: true, force: true })
  }
}

if (import.meta.main) {
  const started = Date.now()
  await buildNextApp(console.log)
  console.log(`Next.js app built (${((Date.now() - started) / 1000).toFixed(1)} s)`)
}
