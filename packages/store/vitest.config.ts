import { defineProject } from 'vitest/config'
import { sourceConditions } from '../../test/support/source_conditions.ts'

export default defineProject({
  ...sourceConditions,
  test: { name: 'store', include: ['test/**/*.test.ts'], testTimeout: 20_000 },
})
