import { defineProject } from 'vitest/config'
import { sourceConditions } from '../support/source_conditions.ts'

// nginx in front of backend and IdP instances, each a process of its own: the files run one
// after the other (each starts a whole deployment; two at once would crowd a small machine).
export default defineProject({
  ...sourceConditions,
  test: {
    name: 'scale_out',
    include: ['*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    fileParallelism: false,
  },
})
