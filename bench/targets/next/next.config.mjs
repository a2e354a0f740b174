import { readdirSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

// As examples/next-demo/next.config.mjs: Turbopack resolves no custom export condition, so
// each @latchkey/* export is aliased to the source file `@latchkey/source` names.
const packages = fileURLToPath(new URL('../../../packages/', import.meta.url))
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
        `../../../packages/${dir}/${source.slice(2)}`
  }
}

/** @type {import('next').NextConfig} */
export default {
  turbopack: { root: fileURLToPath(new URL('../../..', import.meta.url)), resolveAlias },
  typescript: { ignoreBuildErrors: true },
  serverExternalPackages: ['ioredis', 'pg'],
  poweredByHeader: false,
}
