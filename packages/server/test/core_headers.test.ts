import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { CSRF_HEADER, REQUEST_ID_HEADER } from '@latchkey/protocol'
import { describe, expect, it } from 'vitest'
import { CORE_HEADERS } from '../src/adapters/node_bridge.ts'

const SRC = join(import.meta.dirname, '../src')
/** The header-name constants the core reads headers by. */
const CONSTANTS: Record<string, string> = { CSRF_HEADER, REQUEST_ID_HEADER }
const sources = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? sources(join(dir, entry.name))
      : entry.name.endsWith('.ts')
        ? [join(dir, entry.name)]
        : [],
  )

describe('the headers the Node adapters hand to the core', () => {
  it('include every request header the core reads', () => {
    const read = new Set<string>()
    for (const file of sources(SRC)) {
      const text = readFileSync(file, 'utf8')
      for (const [, literal, constant] of text.matchAll(
        /request\.headers\.(?:get|has)\(\s*(?:'([^']+)'|([A-Z_]+))\s*\)/g,
      )) {
        const name = literal ?? CONSTANTS[constant as string]
        if (!name) throw new Error(`add ${constant} to CONSTANTS`)
        read.add(name.toLowerCase())
      }
    }
    expect(read.size).toBeGreaterThan(5) // the scan finds what it looks for
    expect([...read].filter((name) => !(CORE_HEADERS as readonly string[]).includes(name))).toEqual(
      [],
    )
  })
})
