import { once } from 'node:events'
import { createServer } from 'node:net'

/** A loopback port nobody listens on right now, for a server that must name its port first. */
export async function freePort(): Promise<number> {
  const probe = createServer().listen(0, '127.0.0.1')
  await once(probe, 'listening')
  const { port } = probe.address() as { port: number }
  await new Promise((resolve) => probe.close(resolve))
  return port
}
