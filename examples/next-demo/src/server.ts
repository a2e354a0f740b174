import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'

// The demo's Next app, as the stack starts it: `next start`, but listening on loopback only
// like the stack's other servers (the stack preloads its *.localhost resolution).
const port = Number(process.env.PORT ?? 3002)
// Loaded by name, untyped: next's type entry point redeclares Node's process.env globally
// (NODE_ENV read-only), which the rest of the repository's type check must not inherit.
const nextModule = 'next'
const next = (await import(nextModule)).default as (options: object) => {
  prepare(): Promise<void>
  getRequestHandler(): (req: IncomingMessage, res: ServerResponse) => Promise<void>
}
const app = next({
  dev: false,
  dir: new URL('..', import.meta.url).pathname,
  port,
  hostname: 'next.localhost',
})
await app.prepare()
const handle = app.getRequestHandler()
const server = createServer((req, res) => void handle(req, res))
server.on('error', (error) => {
  console.error(`next demo: ${error.message}`)
  process.exit(1)
})
server.listen(port, '127.0.0.1', () => process.send?.('ready'))
// Ends with the stack: when its parent goes (the IPC channel closes), so does this process.
process.on('disconnect', () => process.exit(0))
process.on('SIGTERM', () => server.close(() => process.exit(0)))
