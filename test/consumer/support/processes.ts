import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'

interface RunOptions {
  cwd: string
  env: NodeJS.ProcessEnv
  /** Written to the child's stdin, which is then closed. */
  input?: string
  /** Resolve with the exit code instead of rejecting on a non-zero one. */
  anyExitCode?: boolean
}

/** Runs a command to its end; rejects with its output when it exits non-zero. */
export async function run(
  command: string,
  args: string[],
  { cwd, env, input = '', anyExitCode = false }: RunOptions,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const child = spawn(command, args, { cwd, env })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk) => (stdout += chunk))
  child.stderr.on('data', (chunk) => (stderr += chunk))
  child.stdin.end(input)
  const [code] = await once(child, 'close')
  if (code !== 0 && !anyExitCode) {
    throw new Error(`${command} ${args.join(' ')} exited ${code}\n${stdout}\n${stderr}`)
  }
  return { code, stdout, stderr }
}

export interface Service {
  url: string
  /** `process.version` of the Node it runs on, where it says. */
  node?: string
  /** Everything it wrote to stderr so far. */
  stderr(): string
  stop(): Promise<void>
}

type Ready = { url: string; node?: string }

/**
 * Starts a long-running process and waits until it prints a JSON line with its `url` (the
 * consumer's apps print `{ url, node }`, `latchkey serve` logs `listening` with it), or until
 * it exits early, reported with its stderr.
 */
export async function startService(command: string, args: string[], options: RunOptions) {
  const child: ChildProcess = spawn(command, args, { ...options, stdio: 'pipe' })
  let stderr = ''
  child.stderr?.on('data', (chunk) => (stderr += chunk))
  const exited = once(child, 'exit').then(([code]) => {
    throw new Error(`${args.join(' ')} exited ${code} before it was ready:\n${stderr}`)
  })
  // Read to the end, whatever it logs later, so that a full pipe never blocks it.
  let pending = ''
  const ready = new Promise<Ready>((resolve) => {
    child.stdout?.on('data', (chunk) => {
      const lines = (pending + chunk).split('\n')
      pending = lines.pop() ?? ''
      for (const line of lines) {
        const said = line.startsWith('{')
          ? (JSON.parse(line) as { url?: string; msg?: string })
          : {}
        if (said.url && (said.msg ?? 'listening') === 'listening') resolve(said as Ready)
      }
    })
  })
  const { url, node } = await Promise.race([ready, exited])
  exited.catch(() => {}) // from here on, an exit is the stop() below
  return {
    url,
    node,
    stderr: () => stderr,
    async stop() {
      if (child.exitCode !== null) return
      child.kill('SIGTERM')
      await once(child, 'exit')
    },
  } satisfies Service
}
