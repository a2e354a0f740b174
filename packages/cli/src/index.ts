export { help, main } from './cli.ts'
export { COMMANDS, type Io, UsageError } from './commands.ts'
