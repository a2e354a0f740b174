import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { boundFetch } from './bound_fetch.ts'
import { type Cluster, IP_LIMIT, startCluster } from './cluster.ts'
import { NGINX } from './nginx.ts'
import { signInAll, User } from './users.ts'

// Issue 11 point 1: nginx (Debian's) in front of three backend instances and two IdP
// instances, each a process of its own, on one PostgreSQL and one Redis. Whichever instance
// answers, a sign-in, refresh, logout or revocation is the same everywhere.

if (!NGINX) console.warn('scale_out: nginx is not installed (apt-get install nginx-light): skipped')

describe.skipIf(!NGINX)('behind nginx: 3 backend instances, 2 IdP instances', () => {
  let cluster: Cluster
  let sent = 0
  const count = async (response: Promise<Response>) => {
    sent++
    return response
  }

  beforeAll(async () => {
    cluster = await startCluster({ users: 8 })
  })
  afterAll(async () => {
    console.log(`scale_out balancer: ${sent} requests checked one by one`)
    await cluster?.close()
  })

  const direct = (port: number) => `http://127.0.0.1:${port}`
  const instanceOf = async (response: Response) =>
    ((await response.json()) as { instance?: string }).instance

  it('signs a user in through nginx; every backend instance then knows them', async () => {
    const [user] = (await signInAll(cluster.app, 1)) as [User]
    // Each instance, asked directly with the cookies nginx's answers set.
    for (const backend of cluster.backends) {
      const me = await count(user.me(direct(backend.port)))
      expect(me.status).toBe(200)
      expect(await me.json()).toEqual({ sub: expect.any(String), instance: backend.name })
    }
    // And through nginx, round robin: all three take turns.
    const seen = new Set<string | undefined>()
    for (let i = 0; i < 6; i++) seen.add(await instanceOf(await count(user.me())))
    expect(seen).toEqual(new Set(cluster.backends.map((b) => b.name)))
  })

  it('refreshes on whichever instance answers, each rotation seen by the next', async () => {
    const [user] = (await signInAll(cluster.app, 1, 1)) as [User]
    const tokens = new Set<string>()
    for (let i = 0; i < 6; i++) {
      const refreshed = await count(user.refresh())
      expect(refreshed.status).toBe(200)
      tokens.add(user.cookies.get('__Secure-refresh_token') ?? '')
      expect((await count(user.me())).status).toBe(200)
    }
    expect(tokens.size).toBe(6) // rotated every time, on instances taking turns
  })

  it('logs out through one instance: the session ends on every instance', async () => {
    const [user] = (await signInAll(cluster.app, 1, 2)) as [User]
    const stolen = new User(cluster.app, user.username)
    for (const [name, cookie] of user.jar) stolen.jar.set(name, { ...cookie })
    expect((await count(user.logout())).status).toBe(200)
    for (const backend of cluster.backends) {
      expect((await count(stolen.me(direct(backend.port)))).status).toBe(401)
    }
    expect((await count(stolen.refresh())).status).toBe(401)
  })

  it('ends a session revoked from "My sessions" on every backend within one second (back-channel logout)', async () => {
    const [user] = (await signInAll(cluster.app, 1, 3)) as [User]
    const bearer = { authorization: `Bearer ${user.accessToken}` }
    const listed = await count(fetch(`${cluster.issuer}/account/sessions`, { headers: bearer }))
    expect(listed.status).toBe(200)
    const { sessions } = (await listed.json()) as { sessions: { id: string }[] }
    expect(sessions).toHaveLength(1)
    const revoked = await count(
      fetch(`${cluster.issuer}/account/sessions/${sessions[0]?.id}`, {
        method: 'DELETE',
        headers: bearer,
      }),
    )
    expect(revoked.status).toBe(204)
    // The IdP told one backend (nginx picked it); that one told the others through Redis.
    for (const backend of cluster.backends) {
      await expect
        .poll(() => count(user.me(direct(backend.port))).then((r) => r.status), {
          timeout: 1000,
          interval: 25,
        })
        .toBe(401)
    }
    expect((await count(user.refresh())).status).toBe(401)
  })

  describe('X-Forwarded-For is believed from nginx only', () => {
    const idp = () => cluster.idps[0]?.port ?? 0

    /** A sign-in form opened through nginx by a client at `address`. */
    const signInForm = async (address: string) => {
      const browser = new User(cluster.app, 'nobody', boundFetch(address))
      const page = await browser.follow(`${cluster.app}/auth/login`)
      const html = await page.response.text()
      const action = /<form method="post" action="([^"]+)"/.exec(html)?.[1] ?? ''
      const csrf = /name="csrf" value="([^"]+)"/.exec(html)?.[1] ?? ''
      return { browser, action, csrf }
    }
    /** Wrong passwords posted at `base` (nginx or an instance), with a forged X-Forwarded-For. */
    const guess = async (address: string, base: string, times: number, forged: string) => {
      const { browser, action, csrf } = await signInForm(address)
      const statuses: number[] = []
      for (let i = 0; i < times; i++) {
        const response = await count(
          browser.request(new URL(action, base).href, {
            method: 'POST',
            headers: {
              'content-type': 'application/x-www-form-urlencoded',
              'x-forwarded-for': `${forged}, 198.51.100.${i}`,
            },
            // A different account each time, so that only the address rule applies.
            body: new URLSearchParams({ csrf, username: `ghost-${i}`, password: `wrong ${i}` }),
          }),
        )
        statuses.push(response.status)
      }
      return statuses
    }
    const refusedAfterLimit = [...Array(IP_LIMIT).fill(401), 429, 429]

    it('counts failed sign-ins against the real client: a forged header from a peer past nginx changes nothing', async () => {
      // 127.0.0.2 reaches an IdP instance directly, not through nginx, and names its victim.
      expect(await guess('127.0.0.2', direct(idp()), IP_LIMIT + 2, '127.0.0.9')).toEqual(
        refusedAfterLimit,
      )
      // Through nginx the forged entries come first; nginx's (the last) names 127.0.0.3.
      expect(await guess('127.0.0.3', cluster.issuer, IP_LIMIT + 2, '127.0.0.9')).toEqual(
        refusedAfterLimit,
      )
      // The victim, and everyone else behind the same nginx, still sign in.
      for (const address of ['127.0.0.9', '127.0.0.1']) {
        const victim = new User(cluster.app, 'user-7', boundFetch(address))
        expect((await count(victim.signIn())).status).toBe(200)
      }
    })

    it('believes X-Forwarded-Proto from the proxy address only', async () => {
      const hsts = async (address: string) =>
        (
          await count(
            boundFetch(address)(`${direct(idp())}/healthz`, {
              headers: { 'x-forwarded-proto': 'https' },
            }),
          )
        ).headers.get('strict-transport-security')
      expect(await hsts('127.0.0.1')).toMatch(/max-age=\d+/) // nginx's address
      expect(await hsts('127.0.0.2')).toBeNull()
    })
  })
})
