import { once } from 'node:events'
import type { Server } from 'node:http'

/** Thrown when a demo port is taken: the message names the port and what needs it. */
export class PortTakenError extends Error {
  override name = 'PortTakenError'
}

/** Listens on loopback only (127.0.0.1), never on every interface. */
export async function listenLoopback(server: Server, port: number, what: string): Promise<void> {
  server.listen(port, '127.0.0.1')
  try {
    await once(server, 'listening') // rejects with the server's 'error'
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE')
      throw new PortTakenError(`port ${port} is already in use (needed for ${what})`)
    throw error
  }
}

export function closeServer(server: Server): Promise<void> {
  server.closeAllConnections()
  return new Promise((resolve) => server.close(() => resolve()))
}
