import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process'
import { once } from 'node:events'
import { join } from 'node:path'
import { expect } from 'vitest'
import { freePort } from '../../../test/support/free_port.ts'

const root = join(import.meta.dirname, '..', '..', '..')
// The source condition: the binary and the packages it imports run from src (no build).
const BIN = ['--conditions=@latchkey/source', join(root, 'packages/cli/src/bin.ts')]

export interface Finished {
  code: number | null
  signal: NodeJS.Signals | null
  out: string
  err: string
}

/**
 * The real `latchkey` binary as a child process, on Node 24; with `npx`, the way `npx latchkey`
 * runs it: npm, a shell, then node.
 */
export function spawnLatchkey(args: string[], env: NodeJS.ProcessEnv, { npx = false } = {}) {
  const child = npx
    ? spawn('npm', ['exec', '-c', [process.execPath, ...BIN, ...args].join(' ')], {
        cwd: root,
        env: { PATH: process.env.PATH, ...env },
      })
    : spawn(process.execPath, [...BIN, ...args], { env: { PATH: process.env.PATH, ...env } })
  let out = ''
  let err = ''
  child.stdout.on('data', (d) => (out += d))
  child.stderr.on('data', (d) => (err += d))
  const finished = new Promise<Finished>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, out, err })),
  )
  return { child, finished, output: () => out }
}

/** Runs one command to its end. */
export async function latchkey(
  args: string[],
  env: NodeJS.ProcessEnv,
  stdin = '',
): Promise<Finished> {
  const run = spawnLatchkey(args, env)
  run.child.stdin.end(stdin)
  return run.finished
}

/** What a refusal must look like: one line on stderr, a non-zero exit, no stack trace. */
export function expectOneLineRefusal(result: Finished, pattern: RegExp) {
  expect(result.code).not.toBe(0)
  expect(result.code).not.toBeNull()
  expect(result.err.trimEnd().split('\n')).toHaveLength(1)
  expect(result.err.trimEnd()).toMatch(pattern)
  expect(result.err).not.toContain('    at ')
}

export interface LogLine {
  msg: string
  [field: string]: unknown
}

export interface Serving {
  child: ChildProcessWithoutNullStreams
  issuer: string
  finished: Promise<Finished>
  /** The pino lines printed so far. */
  logs(): LogLine[]
  /** Resolves with the first log line that matches. */
  logged(match: (line: LogLine) => boolean): Promise<LogLine>
  stop(): Promise<Finished>
}

/** Starts `latchkey serve` on a free port and waits until it logs that it listens. */
export async function startServe(
  env: NodeJS.ProcessEnv,
  args: string[] = [],
  options: { npx?: boolean } = {},
): Promise<Serving> {
  const port = await freePort()
  const issuer = `http://127.0.0.1:${port}`
  const { child, finished, output } = spawnLatchkey(
    ['serve', '--issuer', issuer, '--port', String(port), '--host', '127.0.0.1', ...args],
    env,
    options,
  )
  const logs = () =>
    output()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as LogLine)
  const logged = async (match: (line: LogLine) => boolean) => {
    for (;;) {
      const line = logs().find(match)
      if (line) return line
      const ended = await Promise.race([once(child.stdout, 'data').then(() => false), finished])
      if (ended) throw new Error(`latchkey serve ended: ${JSON.stringify(ended)}`)
    }
  }
  await logged((line) => line.msg === 'listening')
  return {
    child,
    issuer,
    finished,
    logs,
    logged,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM')
      return finished
    },
  }
}
