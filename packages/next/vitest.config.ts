import { defineProject } from 'vitest/config'
import { sourceConditions } from '../../test/support/source_conditions.ts'

export default defineProject({
  ...sourceConditions,
  test: {
    name: 'next',
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
})
