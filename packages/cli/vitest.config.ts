import { defineProject } from 'vitest/config'
import { sourceConditions } from '../../test/support/source_conditions.ts'

export default defineProject({
  ...sourceConditions,
  test: {
    name: 'cli',
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    // audit.test.ts starts the demo stack on the contract's fixed ports: as in the demo
    // project, these files run one at a time, in the group that runs after the parallel one
    // (so never beside the demo suites either).
    fileParallelism: false,
  },
})
