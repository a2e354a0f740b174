import { defineProject } from 'vitest/config'
import { sourceConditions } from '../support/source_conditions.ts'

export default defineProject({
  ...sourceConditions,
  test: { name: 'api', include: ['*.test.ts'], testTimeout: 60_000 },
})
