import { defineProject } from 'vitest/config'
import { sourceConditions } from '../../test/support/source_conditions.ts'

export default defineProject({
  ...sourceConditions,
  test: {
    name: 'demo',
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // One stack on the contract's fixed ports: the files of this project run one at a time.
    fileParallelism: false,
  },
})
