/**
 * Child processes for the benchmark: every server under test and the load generator run in
 * processes of their own, so none shares an event loop (or a core's time slice, beyond what
 * the OS schedules) with another. A child says it is ready with one IPC message and stops,
 * writing its CPU profile if it has one, when told to.
 */
import { type ChildProcess, fork } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'

export interface Child<Ready> {
  ready: Ready
  process: ChildProcess
  /** Asks the child to exit (so `--cpu-prof` writes its profile); kills it after 5 s. */
  stop(): Promise<void>
}

/** Starts `bench/<script>` with `args` and waits for its `{ ready }` message. */
export async function startChild<Ready>(
  script: string,
  args: string[],
  { execArgv = [] as string[], env = {} as Record<string, string> } = {},
): Promise<Child<Ready>> {
  const child = fork(fileURLToPath(new URL(`../${script}`, import.meta.url)), args, {
    execArgv: [
      '--conditions=@latchkey/source',
      '--disable-warning=ExperimentalWarning',
      ...execArgv,
    ],
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  const ready = await new Promise<Ready>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${script} ${args.join(' ')} exited: ${code}`)))
    child.once('error', reject)
    child.on('message', (message: { ready?: Ready }) => {
      if (message.ready) resolve(message.ready)
    })
  })
  child.removeAllListeners('exit')
  return {
    ready,
    process: child,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return
      const exited = once(child, 'exit')
      child.send({ stop: true })
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
      await exited
      clearTimeout(timer)
    },
  }
}

/** In a child: reports readiness and exits cleanly when the parent says stop (or goes away). */
export function serveChild(ready: unknown, onStop: () => Promise<void> | void = () => undefined) {
  const stop = async () => {
    await onStop()
    process.exit(0)
  }
  process.on('message', (message: { stop?: boolean }) => {
    if (message.stop) void stop()
  })
  process.on('disconnect', () => void stop())
  process.send?.({ ready })
}

/** Sends a request to a child and waits for the answer with the same `id`. */
export function requester(child: ChildProcess) {
  let next = 0
  return <T>(message: object): Promise<T> => {
    const id = ++next
    return new Promise<T>((resolve, reject) => {
      const onMessage = (answer: { id?: number; result?: T; error?: string }) => {
        if (answer.id !== id) return
        child.off('message', onMessage)
        if (answer.error) reject(new Error(answer.error))
        else resolve(answer.result as T)
      }
      child.on('message', onMessage)
      child.send({ ...message, id })
    })
  }
}
