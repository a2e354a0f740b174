import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import ts from 'typescript'

export const REPO = join(import.meta.dirname, '../..')

interface PackageJson {
  name: string
  exports: Record<string, string | Record<string, string>>
}

/** Each published entry point of each package: `@latchkey/server/express` → its source file. */
export function entryPoints(): { pkg: string; entry: string; source: string }[] {
  return readdirSync(join(REPO, 'packages')).flatMap((dir) => {
    const manifest = JSON.parse(
      readFileSync(join(REPO, 'packages', dir, 'package.json'), 'utf8'),
    ) as PackageJson
    return Object.entries(manifest.exports)
      .filter(([subpath]) => subpath !== './package.json')
      .map(([subpath, target]) => {
        const source = typeof target === 'string' ? target : target['@latchkey/source']
        if (!source) throw new Error(`${manifest.name} ${subpath}: no @latchkey/source condition`)
        return {
          pkg: dir,
          entry: subpath === '.' ? manifest.name : `${manifest.name}${subpath.slice(1)}`,
          source: join(REPO, 'packages', dir, source),
        }
      })
  })
}

/** Every name an entry point exports, values and types alike, as TypeScript sees them. */
export function exportedNames(sources: string[]): Map<string, string[]> {
  const config = ts.getParsedCommandLineOfConfigFile(
    join(REPO, 'tsconfig.json'),
    {},
    { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} },
  )
  if (!config) throw new Error('tsconfig.json could not be read')
  const program = ts.createProgram(sources, { ...config.options, noEmit: true })
  const checker = program.getTypeChecker()
  return new Map(
    sources.map((source) => {
      const file = program.getSourceFile(source)
      const symbol = file && checker.getSymbolAtLocation(file)
      if (!symbol) throw new Error(`${source}: not a module`)
      return [
        source,
        checker
          .getExportsOfModule(symbol)
          .map((s) => s.name)
          .sort(),
      ]
    }),
  )
}

/**
 * The public surface a docs page promises, from its "Public API" section: one line per entry
 * point, `` - `@latchkey/x/sub`: `a`, `B`, … ``.
 */
export function documentedNames(page: string): Map<string, string[]> {
  const text = readFileSync(join(REPO, 'docs', page), 'utf8')
  const section = text.split(/^## Public API$/m)[1]?.split(/^## /m)[0] ?? ''
  const listed = new Map<string, string[]>()
  for (const line of section.split('\n')) {
    const match = /^- `(@latchkey\/[\w/-]+)`:(.*)$/.exec(line)
    if (!match?.[1]) continue
    const names = [...(match[2] ?? '').matchAll(/`([\w$]+)`/g)].map((m) => m[1] as string)
    listed.set(match[1], names.sort())
  }
  return listed
}
