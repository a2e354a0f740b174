import { existsSync, statSync } from 'node:fs'
import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import react from '@vitejs/plugin-react'
import { build, defaultClientConditions } from 'vite'

const DEMO = join(import.meta.dirname, '..')
const PACKAGES = join(DEMO, '..', '..', 'packages')
const DIST = join(DEMO, 'dist')
const APPS = ['app', 'admin'] as const

/** Newest modification time of the files under a folder. */
async function newest(dir: string): Promise<number> {
  let latest = 0
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile())
      latest = Math.max(latest, statSync(join(entry.parentPath, entry.name)).mtimeMs)
  }
  return latest
}

/** Builds the two SPAs with Vite when their `dist/` is missing or older than their sources. */
export async function buildApps(log: (line: string) => void = () => {}): Promise<string> {
  for (const name of APPS) {
    const out = join(DIST, name)
    const index = join(out, 'index.html')
    // The SPA bundles the SDK too: a change there also calls for a new build.
    const inputs = [
      join(DEMO, name),
      join(DEMO, 'ui'),
      join(PACKAGES, 'browser', 'src'),
      join(PACKAGES, 'react', 'src'),
    ]
    const sources = Math.max(...(await Promise.all(inputs.map(newest))))
    if (existsSync(index) && statSync(index).mtimeMs >= sources) continue
    log(`building the ${name} frontend…`)
    // Vite and the React plugin read NODE_ENV to choose production JSX and React; under the
    // test runner it says "test", which would give a development bundle.
    const nodeEnv = process.env.NODE_ENV
    process.env.NODE_ENV = 'production'
    await build({
      root: join(DEMO, name),
      base: '/',
      mode: 'production',
      logLevel: 'warn',
      plugins: [react()],
      // The SDK from its sources, as the rest of the repository runs it (docs/packaging.md).
      resolve: { conditions: ['@latchkey/source', ...defaultClientConditions] },
      build: { outDir: out, emptyOutDir: true },
    }).finally(() => {
      process.env.NODE_ENV = nodeEnv
    })
  }
  return DIST
}
