import { defineProject } from 'vitest/config'
import { sourceConditions } from '../../test/support/source_conditions.ts'

export default defineProject({
  ...sourceConditions,
  test: { name: 'protocol', include: ['test/**/*.test.ts'] },
})
