import { randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { createServer, request, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { decodeProtectedHeader } from 'jose'
import * as oidc from 'openid-client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createAdmin, createIdentityProvider, type IdentityProvider } from '../src/index.ts'
import { Browser, login, type RelyingParty, relyingParty, storesFor } from './support.ts'

// Two IdP instances on shared PostgreSQL + Redis behind a round-robin proxy — every request
// of a flow lands on the other instance than the one before. Nothing may live in one
// process's memory: interactions, sessions, codes, grants, refresh rotation and keys.

const listen = async (server: Server) => {
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return (server.address() as AddressInfo).port
}

describe('identity provider: two instances behind a load balancer', () => {
  const run = randomBytes(6).toString('hex')
  const stores = [storesFor('postgres+redis', run), storesFor('postgres+redis', run)]
  const servers: Server[] = []
  const instances: IdentityProvider[] = []
  const ports: number[] = []
  const hits = [0, 0]
  let rp: RelyingParty
  const password = 'correct horse battery staple'

  beforeAll(async () => {
    let next = 0
    const proxy = createServer((req, res) => {
      const i = next++ % 2
      hits[i] = (hits[i] ?? 0) + 1
      const upstream = request(
        {
          host: '127.0.0.1',
          port: ports[i],
          path: req.url,
          method: req.method,
          headers: req.headers,
        },
        (response) => {
          res.writeHead(response.statusCode ?? 502, response.headers)
          response.pipe(res)
        },
      )
      req.pipe(upstream)
    })
    servers.push(proxy)
    const issuer = `http://127.0.0.1:${await listen(proxy)}`
    for (const s of stores) {
      let idp: IdentityProvider | undefined
      const server = createServer((req, res) => idp?.handler(req, res))
      servers.push(server)
      ports.push(await listen(server))
      idp = await createIdentityProvider({ issuer, stores: s })
      instances.push(idp)
    }
    const [first] = instances as [IdentityProvider]
    const t = { idp: first, issuer, stores: stores[0], server: proxy, close: async () => {} }
    rp = await relyingParty(t as never, 'app')
    await first.accounts.add({ username: 'alice', password, roles: ['USER'] })
  })
  afterAll(async () => {
    for (const idp of instances) await idp.close()
    for (const server of servers) {
      server.closeAllConnections()
      server.close()
    }
    for (const s of stores) await s.dispose()
  })

  it('signs in, rotates and detects reuse with every request on alternating instances', async () => {
    const before = [...hits]
    const { tokens } = await login(rp, new Browser(), { username: 'alice', password })
    expect(tokens.claims()?.sub).toBeTruthy()
    // Both instances took part in the one login.
    expect(hits[0]).toBeGreaterThan(before[0] ?? 0)
    expect(hits[1]).toBeGreaterThan(before[1] ?? 0)

    const rotated = await oidc.refreshTokenGrant(rp.config, tokens.refresh_token ?? '')
    const userinfo = await oidc.fetchUserInfo(
      rp.config,
      rotated.access_token,
      tokens.claims()?.sub ?? '',
    )
    expect(userinfo.sub).toBe(tokens.claims()?.sub)
    // The rotated-away token, replayed at whichever instance: reuse, and the family is dead.
    await expect(
      oidc.refreshTokenGrant(rp.config, tokens.refresh_token ?? ''),
    ).rejects.toMatchObject({ error: 'invalid_grant' })
    await expect(
      oidc.refreshTokenGrant(rp.config, rotated.refresh_token ?? ''),
    ).rejects.toMatchObject({ error: 'invalid_grant' })
  })

  it('switches both instances to a rotated key, announced through Redis', async () => {
    const key = await createAdmin(stores[0] as (typeof stores)[number]).rotateKey()
    for (const port of ports) {
      await expect
        .poll(async () => {
          const jwks = (await (await fetch(`http://127.0.0.1:${port}/jwks`)).json()) as {
            keys: { kid: string }[]
          }
          return jwks.keys[0]?.kid
        })
        .toBe(key.kid)
    }
    for (let i = 0; i < 2; i++) {
      const { tokens } = await login(rp, new Browser(), { username: 'alice', password })
      expect(decodeProtectedHeader(tokens.access_token).kid).toBe(key.kid)
    }
  })
})
