import { once } from 'node:events'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { describe, expect, it } from 'vitest'
import { closeServer, listenLoopback, PortTakenError } from '../src/listen.ts'

describe('listenLoopback', () => {
  it('names the port and its use when the port is taken', async () => {
    const holder = createServer().listen(0, '127.0.0.1')
    await once(holder, 'listening')
    const { port } = holder.address() as AddressInfo
    try {
      const error = await listenLoopback(createServer(), port, 'the identity provider').catch(
        (e: unknown) => e,
      )
      expect(error).toBeInstanceOf(PortTakenError)
      expect((error as Error).message).toBe(
        `port ${port} is already in use (needed for the identity provider)`,
      )
    } finally {
      await closeServer(holder)
    }
  })
})
