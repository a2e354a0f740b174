import { defineProject } from 'vitest/config'
import { sourceConditions } from '../support/source_conditions.ts'

// The packages as a user gets them: packed, installed outside the repository and run from
// that project's node_modules. Only the test's own helpers (the sign-in driver) resolve
// through the repository's source condition.
export default defineProject({
  ...sourceConditions,
  test: {
    name: 'consumer',
    include: ['*.test.ts'],
    testTimeout: 120_000,
    // The first run installs the consumer project from the registry (later runs reuse it).
    hookTimeout: 600_000,
  },
})
