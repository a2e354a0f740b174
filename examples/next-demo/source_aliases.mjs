import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

const REPO = join(dirname(fileURLToPath(import.meta.url)), '../..')
const PACKAGES = join(REPO, 'packages')

/**
 * The repository runs every @latchkey/* package from its TypeScript sources (the
 * `@latchkey/source` export condition, docs/packaging.md); Turbopack resolves no custom
 * condition, so each export is aliased to the file that condition names, relative to the
 * Next app in `appDir`. Used by this demo's next.config.mjs and the bench's Next app.
 */
export function sourceAliases(appDir) {
  const resolveAlias = {}
  for (const dir of readdirSync(PACKAGES)) {
    let manifest
    try {
      manifest = JSON.parse(readFileSync(join(PACKAGES, dir, 'package.json'), 'utf8'))
    } catch {
      continue
    }
    for (const [subpath, target] of Object.entries(manifest.exports ?? {})) {
      const source = typeof target === 'object' ? target['@latchkey/source'] : undefined
      if (source)
        resolveAlias[`${manifest.name}${subpath.slice(1)}`] = relative(
          appDir,
          join(PACKAGES, dir, source),
        )
    }
  }
  return { root: REPO, resolveAlias }
}
