/**
 * The Next.js target (bench/targets/next/): one page rendered on the server at /plain and,
 * with `auth()`, at /authed. Built with `next build` when its sources or the packages it
 * bundles changed since the last build, and served by `next start` in a process of its own.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { readdir, rm, stat } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

export type NextMode = 'cookie' | 'session'

const APP = fileURLToPath(new URL('./next/', import.meta.url))
const PACKAGES = fileURLToPath(new URL('../../packages/', import.meta.url))
const INPUTS = [
  join(APP, 'app'),
  join(APP, 'lib'),
  join(APP, 'next.config.mjs'),
  fileURLToPath(new URL('../../examples/next-demo/source_aliases.mjs', import.meta.url)),
  ...['next', 'server', 'browser', 'react', 'store', 'protocol'].map((p) =>
    join(PACKAGES, p, 'src'),
  ),
]
const nextBin = () => createRequire(join(APP, 'x.js')).resolve('next/dist/bin/next')

async function newest(path: string): Promise<number> {
  const info = await stat(path).catch(() => undefined)
  if (!info?.isDirectory()) return info?.mtimeMs ?? 0
  let latest = 0
  for (const entry of await readdir(path, { withFileTypes: true, recursive: true }))
    if (entry.isFile())
      latest = Math.max(latest, (await stat(join(entry.parentPath, entry.name))).mtimeMs)
  return latest
}

async function run(child: ChildProcess): Promise<string> {
  let output = ''
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk
  })
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk
  })
  const [code] = await once(child, 'exit')
  if (code !== 0) throw new Error(`next exited with ${code}:\n${output}`)
  return output
}

/** `next build` of the target app, unless its build is newer than everything it bundles. */
export async function buildNextTarget(log: (line: string) => void): Promise<void> {
  const built = await newest(join(APP, '.next', 'BUILD_ID'))
  if (built && built >= Math.max(...(await Promise.all(INPUTS.map(newest))))) return
  log('building the Next.js target (about a minute)')
  await run(
    spawn(process.execPath, [nextBin(), 'build'], {
      cwd: APP,
      env: { ...process.env, NODE_ENV: 'production', NEXT_TELEMETRY_DISABLED: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  )
  // Next's type helpers, for its own type check (the build skips it): next-env.d.ts would
  // bring next's global declarations into the repository's `tsc -p tsconfig.json`.
  await rm(join(APP, 'next-env.d.ts'), { force: true })
  await rm(join(APP, '.next', 'types'), { recursive: true, force: true })
}

/** `next start` on `port`, Latchkey in `mode` with the bench's configuration. */
export async function serveNext(mode: NextMode, configFile: string, port: number) {
  const origin = `http://127.0.0.1:${port}`
  const child = spawn(
    process.execPath,
    [nextBin(), 'start', '--port', String(port), '--hostname', '127.0.0.1'],
    {
      cwd: APP,
      env: {
        ...process.env,
        NODE_ENV: 'production',
        NEXT_TELEMETRY_DISABLED: '1',
        LATCHKEY_BENCH_CONFIG: configFile,
        LATCHKEY_BENCH_ORIGIN: origin,
        LATCHKEY_BENCH_MODE: mode,
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  )
  const exited = once(child, 'exit')
  for (;;) {
    if (child.exitCode !== null) throw new Error(`next start exited: ${child.exitCode}`)
    const up = await fetch(`${origin}/plain`).then(
      (response) => response.ok,
      () => false,
    )
    if (up) break
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
  return {
    async close() {
      if (child.exitCode !== null) return
      child.kill('SIGTERM')
      await exited
    },
  }
}
