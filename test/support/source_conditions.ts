import { defaultClientConditions, defaultServerConditions } from 'vite'

/**
 * The export condition under which each `@latchkey/*` package points at its TypeScript
 * sources instead of its built `dist/` (see docs/packaging.md). The repository's own runs use
 * it — `node --conditions=@latchkey/source`, tsc's `customConditions`, and the Vite settings
 * below — so tests and the demo run what is in `src` without a build step.
 */
export const SOURCE_CONDITION = '@latchkey/source'

/** Vite/Vitest resolve settings that add the source condition to the default ones. */
export const sourceConditions = {
  resolve: { conditions: [SOURCE_CONDITION, ...defaultClientConditions] },
  ssr: { resolve: { conditions: [SOURCE_CONDITION, ...defaultServerConditions] } },
}
