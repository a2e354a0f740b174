import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process'
import { join } from 'node:path'

const SOURCE = '--conditions=@latchkey/source' // the packages' TypeScript sources, no build

/**
 * A harness instance (IdP or backend) in a process of its own, so that a test can kill it the
 * way a crash or a deploy would, and start it again on the same port and settings.
 */
export class Instance {
  child: ChildProcessWithoutNullStreams | undefined
  /** What the process wrote on stderr, kept for the report of a failing test. */
  log = ''

  readonly name: string
  readonly port: number
  private readonly script: string
  private readonly env: NodeJS.ProcessEnv

  constructor(name: string, port: number, script: string, env: NodeJS.ProcessEnv) {
    this.name = name
    this.port = port
    this.script = script
    this.env = env
  }

  /** Starts the process; resolves once it says it listens. */
  async start(): Promise<void> {
    const child = spawn(process.execPath, [SOURCE, join(import.meta.dirname, this.script)], {
      env: { PATH: process.env.PATH, ...this.env, PORT: String(this.port) },
    })
    this.child = child
    child.stderr.on('data', (chunk) => {
      this.log = (this.log + chunk).slice(-20_000)
    })
    await new Promise<void>((resolve, reject) => {
      let out = ''
      child.stdout.on('data', (chunk) => {
        out += chunk
        if (out.includes('"listening"')) resolve()
      })
      child.once('exit', (code) =>
        reject(new Error(`${this.name} exited (${code}) before listening:\n${this.log}`)),
      )
    })
  }

  /** SIGKILL is a crash (nothing in flight finishes); SIGTERM a graceful stop. */
  async stop(signal: 'SIGKILL' | 'SIGTERM' = 'SIGTERM'): Promise<void> {
    const child = this.child
    if (!child || child.exitCode !== null || child.signalCode !== null) return
    const exited = new Promise((resolve) => child.once('exit', resolve))
    child.kill(signal)
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
    await exited
    clearTimeout(timer)
  }
}
