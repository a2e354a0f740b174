import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { existsSync, readFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'

export const REPO = join(import.meta.dirname, '../../../..')

export interface DemoProcess {
  /** The `npm start` process itself. */
  npm: ChildProcess
  /** The Node process that runs the stack, below npm. */
  stackPid: number
  /** Resolves when npm has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
  /** What npm and the stack printed so far (stdout and stderr). */
  output(): string
}

/** The child processes of `pid` (Linux: /proc). */
function children(pid: number): number[] {
  const path = `/proc/${pid}/task/${pid}/children`
  if (!existsSync(path)) return []
  return readFileSync(path, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number)
}

/** The process below `pid` (itself included) whose command line runs the demo's start.ts. */
function findStack(pid: number): number | undefined {
  const cmdline = existsSync(`/proc/${pid}/cmdline`)
    ? readFileSync(`/proc/${pid}/cmdline`, 'utf8')
    : ''
  if (cmdline.includes('start.ts') && !cmdline.startsWith('sh')) return pid
  for (const child of children(pid)) {
    const found = findStack(child)
    if (found) return found
  }
  return undefined
}

/** True while `pid` runs (a zombie, dead but not yet reaped, counts as gone). */
export function running(pid: number): boolean {
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'))
  } catch {
    return false
  }
}

/** The resident set size of `pid`, in MiB. */
export function rssMiB(pid: number): number {
  const kib = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]
  return Math.round(Number(kib) / 1024)
}

/** Runs `npm start` from the repository root, as a person does, and waits until it is ready. */
export async function startDemoProcess(dataDir: string): Promise<DemoProcess> {
  const npm = spawn('npm', ['start'], {
    cwd: REPO,
    env: { ...process.env, LATCHKEY_DATA_DIR: dataDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  npm.stdout?.on('data', (chunk: Buffer) => {
    output += chunk
  })
  npm.stderr?.on('data', (chunk: Buffer) => {
    output += chunk
  })
  const exited = once(npm, 'exit').then(([code, signal]) => ({ code, signal }))
  const ready = new Promise<void>((resolve, reject) => {
    const check = () => {
      if (output.includes('Latchkey demo is ready')) resolve()
    }
    npm.stdout?.on('data', check)
    void exited.then(() => reject(new Error(`npm start exited before it was ready:\n${output}`)))
  })
  await ready
  const stackPid = findStack(npm.pid as number)
  if (!stackPid) throw new Error('npm start is ready but its stack process was not found')
  return { npm, stackPid, exited, output: () => output }
}

/** Waits until `pid` has gone, checking every 50 ms. */
export async function gone(pid: number): Promise<void> {
  while (running(pid)) await new Promise((resolve) => setTimeout(resolve, 50))
}

/** Whether nothing listens on `port` of 127.0.0.1 any more. */
export async function portFree(port: number): Promise<boolean> {
  const server = createServer()
  try {
    server.listen(port, '127.0.0.1')
    await once(server, 'listening')
    return true
  } catch {
    return false
  } finally {
    server.close()
  }
}
