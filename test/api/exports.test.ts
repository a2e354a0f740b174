import { describe, expect, it } from 'vitest'
import { documentedNames, entryPoints, exportedNames } from './public_api.ts'

// Each package's public surface is a promise: it is listed in the package's docs page, and a
// change to it shows up here as a difference to write down there — never by accident.
const PAGES: Record<string, string> = {
  browser: 'browser.md',
  cli: 'cli.md',
  idp: 'idp.md',
  next: 'next.md',
  protocol: 'protocol.md',
  react: 'react.md',
  server: 'server.md',
  store: 'store.md',
}

const entries = entryPoints()
const exported = exportedNames(entries.map((e) => e.source))

describe('public API', () => {
  it.each(entries)('$entry exports exactly what its docs page lists', ({ pkg, entry, source }) => {
    const page = PAGES[pkg]
    expect(page, `add packages/${pkg} to the PAGES table`).toBeDefined()
    const documented = documentedNames(page as string).get(entry)
    expect(
      documented,
      `docs/${page} has no "- \`${entry}\`:" line under "## Public API"`,
    ).toBeDefined()
    expect(exported.get(source)).toEqual(documented)
  })
})
