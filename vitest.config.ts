import { defineConfig } from 'vitest/config'

// Each package and example owns its vitest.config.ts (name, environment, time-outs);
// the root only lists where they are, so `npm test` runs every one of them.
export default defineConfig({
  test: {
    projects: [
      'packages/*/vitest.config.ts',
      'examples/*/vitest.config.ts',
      'test/*/vitest.config.ts',
      'bench/vitest.config.ts',
    ],
  },
})
