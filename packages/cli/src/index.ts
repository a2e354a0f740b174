export { main } from './cli.ts'
export { type Io, UsageError } from './commands.ts'
