import { userInfo } from 'node:os'
import { parseArgs } from 'node:util'
import { AccountError, createAdmin } from '@latchkey/idp'
import { StoreUnavailableError } from '@latchkey/store'
import { audit } from './audit/command.ts'
import { COMMANDS, type Io, UsageError } from './commands.ts'
import { serve } from './serve.ts'
import { describeStoreFailure, openStoresFromEnv, StoreSetupError } from './stores_from_env.ts'

export function help(): string {
  const lines = ['Usage: latchkey <command> <action> [options]', '']
  for (const [group, actions] of Object.entries(COMMANDS)) {
    for (const [action, command] of Object.entries(actions)) {
      const options = Object.entries(command.options)
        .map(([name, o]) =>
          o.type === 'boolean'
            ? `[--${name}]`
            : `--${name} ${name.toUpperCase().replaceAll('-', '_')}${o.multiple ? '…' : ''}`,
        )
        .join(' ')
      lines.push(`  ${`${group} ${action}`.padEnd(18)} ${command.summary}`)
      if (options) lines.push(`  ${''.padEnd(18)} ${options}`)
    }
  }
  lines.push(
    `  ${'serve'.padEnd(18)} run the identity provider as a server (latchkey serve --help)`,
    `  ${''.padEnd(18)} --issuer URL [--port N] [--host H] [--config FILE]`,
    `  ${'audit'.padEnd(18)} check a running deployment against the checklist (latchkey audit --help)`,
    `  ${''.padEnd(18)} <app-url> [--idp URL] [--login USER:PASS] [--json] [--html FILE]`,
    '',
    'Storage: DATABASE_URL (PostgreSQL), REDIS_URL (Redis), else node:sqlite in LATCHKEY_DATA_DIR (./.latchkey),',
    'the same stores the running identity provider uses.',
  )
  return lines.join('\n')
}

/**
 * Runs one CLI invocation and returns its exit code: 0 done, 1 refused (bad value, missing
 * account, unreachable store), 2 usage error.
 */
export async function main(argv: string[], io: Io, env = process.env): Promise<number> {
  const [group, action, ...rest] = argv
  if (!group || group === '--help' || group === '-h' || group === 'help') {
    io.out(help())
    return group ? 0 : 2
  }
  if (group === 'serve') return serve(argv.slice(1), io, env)
  if (group === 'audit') return audit(argv.slice(1), io, env)
  const command = COMMANDS[group]?.[action ?? '']
  if (!command) {
    io.err(`latchkey: unknown command "${[group, action].filter(Boolean).join(' ')}"\n\n${help()}`)
    return 2
  }
  let values: Record<string, string | boolean | string[] | undefined>
  try {
    ;({ values } = parseArgs({
      args: rest,
      options: command.options,
      strict: true,
      allowPositionals: false,
    }) as {
      values: typeof values
    })
  } catch (error) {
    io.err(`latchkey ${group} ${action}: ${(error as Error).message}`)
    return 2
  }
  // One line for the operator, whatever failed: never a stack trace.
  const refuse = (error: unknown) => {
    io.err(
      `latchkey ${group} ${action}: ${
        error instanceof AccountError || error instanceof StoreSetupError
          ? error.message
          : error instanceof StoreUnavailableError
            ? describeStoreFailure(error, env)
            : `unexpected error: ${(error as Error).message}`
      }`,
    )
    return 1
  }
  let stores: Awaited<ReturnType<typeof openStoresFromEnv>>
  try {
    stores = await openStoresFromEnv(env)
  } catch (error) {
    return refuse(error)
  }
  try {
    await command.run(createAdmin(stores, { actor: `cli:${userInfo().username}` }), values, io)
    return 0
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`latchkey ${group} ${action}: ${error.message}`)
      return 2
    }
    return refuse(error)
  } finally {
    await stores.close()
  }
}
