import { readdirSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

// The repository runs every @latchkey/* package from its TypeScript sources (the
// `@latchkey/source` export condition, docs/packaging.md); Turbopack resolves no custom
// condition, so each export is aliased to the file that condition names.
const packages = fileURLToPath(new URL('../../packages/', import.meta.url))
const resolveAlias = {}
for (const dir of readdirSync(packages)) {
  let manifest
  try {
    manifest = JSON.parse(readFileSync(`${packages}${dir}/package.json`, 'utf8'))
  } catch {
    continue
  }
  for (const [subpath, target] of Object.entries(manifest.exports ?? {})) {
    const source = typeof target === 'object' ? target['@latchkey/source'] : undefined
    if (source)
      resolveAlias[`${manifest.name}${subpath.slice(1)}`] =
        `../../packages/${dir}/${source.slice(2)}`
  }
}

/** @type {import('next').NextConfig} */
export default {
  turbopack: { root: fileURLToPath(new URL('../..', import.meta.url)), resolveAlias },
  // The repository's own `tsc -p tsconfig.json` checks these files; the build need not again.
  typescript: { ignoreBuildErrors: true },
  // The stores' drivers load native or optional modules: Node loads them at run time.
  serverExternalPackages: ['ioredis', 'pg'],
  poweredByHeader: false,
  reactStrictMode: true,
}
