import { memoryStore } from '../src/index.ts'
import { runStoreConformance } from './conformance.ts'

runStoreConformance('memory', async () => memoryStore())
