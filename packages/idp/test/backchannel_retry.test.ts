import { once } from 'node:events'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { memoryStore } from '@latchkey/store'
import { decodeJwt } from 'jose'
import { afterAll, expect, it } from 'vitest'
import { createIdentityProvider, type IdentityProvider } from '../src/index.ts'
import { Browser, login, relyingParty } from './support.ts'

// A backend that cannot take a logout token when the IdP sends it, and an IdP restarted
// before the retry is due: the retry is in the store, so the new process delivers it.

const servers: ReturnType<typeof createServer>[] = []
afterAll(() => {
  for (const server of servers) {
    server.closeAllConnections()
    server.close()
  }
})

const listen = async (server: ReturnType<typeof createServer>) => {
  servers.push(server)
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

it('delivers a failed back-channel logout from the store after an IdP restart', async () => {
  let refusing = true
  const received: string[] = []
  const receiver = await listen(
    createServer(async (req, res) => {
      let body = ''
      for await (const chunk of req) body += chunk
      if (refusing) return res.writeHead(503).end() // the backend's store is down
      received.push(new URLSearchParams(body).get('logout_token') ?? '')
      res.writeHead(200).end()
    }),
  )
  let current: IdentityProvider | undefined
  const issuer = await listen(createServer((req, res) => current?.handler(req, res)))
  const stores = { durable: memoryStore(), ephemeral: memoryStore() }
  const start = () => createIdentityProvider({ issuer, stores, backchannelRetryDelays: [0.2] })

  current = await start()
  const t = { idp: current, issuer, stores, server: servers[1], close: async () => {} }
  const rp = await relyingParty(t as never, 'app', { backchannelLogoutUri: `${receiver}/bcl` })
  const password = 'correct horse battery staple'
  const alice = await current.accounts.add({ username: 'alice', password })
  const { tokens } = await login(rp, new Browser(), { username: 'alice', password })
  await current.sessions.endAll(alice.id) // first delivery: refused, queued for 0.2 s later
  await current.close() // the IdP goes down before the retry is due
  // The retry outlives the process: it waits in the store.
  expect(await stores.ephemeral.list('backchannel:pending')).toHaveLength(1)

  refusing = false
  current = await start() // a new process on the same stores
  await expect.poll(() => received.length, { timeout: 5000 }).toBe(1)
  expect(decodeJwt(received[0] ?? '')).toMatchObject({
    iss: issuer,
    aud: 'app',
    sid: tokens.claims()?.sid,
  })
  await current.close()
})
