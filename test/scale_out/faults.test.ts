import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Cluster, startCluster } from './cluster.ts'
import { NGINX } from './nginx.ts'
import { type LoadCounts, signInAll, startLoad, User } from './users.ts'

// Issue 11 point 3: faults under a bounded load — 20 signed-in users, each looping GET
// /api/me and POST /auth/refresh through nginx — and what each fault costs, counted: requests
// sent, errors seen (by status), sessions lost (a user signed out; must be 0).
// LATCHKEY_SCALE_FULL=1: longer outages (the IdP down for a minute).

const FULL = process.env.LATCHKEY_SCALE_FULL === '1'
const USERS = 20
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

if (!NGINX) console.warn('scale_out: nginx is not installed (apt-get install nginx-light): skipped')

describe.skipIf(!NGINX)(
  'faults under load, behind nginx',
  { timeout: FULL ? 180_000 : 60_000 },
  () => {
    let cluster: Cluster
    let users: User[]
    const report: Record<string, LoadCounts> = {}

    beforeAll(async () => {
      cluster = await startCluster({ users: USERS + 4 })
      users = await signInAll(cluster.app, USERS).catch((error) => {
        console.log(cluster.logs())
        throw error
      })
    })
    afterAll(async () => {
      for (const [fault, c] of Object.entries(report)) {
        console.log(
          `scale_out fault "${fault}": ${c.sent} requests sent, errors ${JSON.stringify(c.errors)}, ${c.sessionsLost} sessions lost`,
        )
      }
      await cluster?.close()
    })

    /** Runs the load around `fault`, and keeps its counts for the report. */
    const underLoad = async (name: string, fault: () => Promise<void>, refreshEvery = 8) => {
      // Each fault counted on its own: users a previous one signed out sign in again first.
      for (const [i, user] of users.entries()) {
        if ((await user.me()).status !== 200) {
          users[i] = (await signInAll(cluster.app, 1, i))[0] as User
        }
      }
      const load = startLoad(users, { refreshEvery })
      await sleep(500) // the load under way first
      try {
        await fault()
      } catch (error) {
        await load.stop()
        throw error
      }
      await sleep(500)
      const counts = await load.stop()
      report[name] = counts
      if (counts.sessionsLost) console.log(counts.lostBecause, cluster.logs().slice(-5000))
      return counts
    }

    it('one backend instance killed and restarted: nobody signed out, nginx fails over', async () => {
      const [, victim] = cluster.backends
      const counts = await underLoad('backend killed', async () => {
        await victim?.stop('SIGKILL')
        await sleep(FULL ? 5000 : 1500)
        await victim?.start()
      })
      expect(counts.sessionsLost).toBe(0)
      // GETs in flight to the dead instance were retried at the next one; at most the requests
      // that were mid-way when it died (a refresh is not retried: it is not idempotent) fail.
      expect(counts.errors.network ?? 0).toBe(0)
      expect(counts.sent).toBeGreaterThan(USERS * 10)
    })

    it('one IdP instance killed mid-login and mid-refresh: each flow completes on the other', async () => {
      const [first, second] = cluster.idps as [Cluster['idps'][number], Cluster['idps'][number]]
      // Mid-login: the sign-in form came from either instance; one dies before it is sent.
      const user = new User(cluster.app, `user-${USERS}`)
      const form = await user.follow(`${cluster.app}/auth/login?returnTo=/api/me`)
      expect(form.response.status).toBe(200)
      await first.stop('SIGKILL')
      const { response } = await user.submit(form, {
        username: user.username,
        password: 'scale-out password, long enough',
      })
      expect(response.status).toBe(200)
      await first.start()
      // Mid-refresh: every few calls a refresh, while the other instance dies and comes back.
      const counts = await underLoad(
        'IdP killed',
        async () => {
          await second.stop('SIGKILL')
          await sleep(FULL ? 5000 : 1500)
          await second.start()
        },
        3,
      )
      expect(counts.sessionsLost).toBe(0)
    })

    it('PostgreSQL away: sign-in answers 503 with Retry-After, signed-in users keep working, all recovers', async () => {
      const newcomer = new User(cluster.app, `user-${USERS + 1}`)
      let refused: Response | undefined
      const counts = await underLoad('PostgreSQL cut', async () => {
        cluster.postgres.cut()
        // The IdP needs PostgreSQL to look the client and the account up: it says "later".
        const { response } = await newcomer.follow(`${cluster.app}/auth/login?returnTo=/api/me`)
        refused = response
        await sleep(FULL ? 10_000 : 1500)
        cluster.postgres.restore()
      })
      expect(refused?.status).toBe(503)
      expect(Number(refused?.headers.get('retry-after'))).toBeGreaterThan(0)
      expect(counts.sessionsLost).toBe(0)
      // Back on its own: the newcomer signs in (the pool reconnects at its own pace).
      await expect
        .poll(() => new User(cluster.app, newcomer.username).signIn().then((r) => r.status), {
          timeout: 15_000,
          interval: 250,
        })
        .toBe(200)
    })

    it('the IdP entirely down: APIs keep verifying with cached keys, refreshes fail with a clear 502, nobody signed out', async () => {
      let during: { me: number; refresh: number; body: unknown } | undefined
      const counts = await underLoad('IdP down', async () => {
        await Promise.all(cluster.idps.map((idp) => idp.stop('SIGKILL')))
        await sleep(FULL ? 60_000 : 3000)
        const [user] = users as [User]
        const me = await user.me()
        const refresh = await user.refresh()
        during = { me: me.status, refresh: refresh.status, body: await refresh.json() }
        await Promise.all(cluster.idps.map((idp) => idp.start()))
      })
      expect(during).toEqual({
        me: 200,
        refresh: 502,
        body: { error: 'idp_unavailable', message: expect.any(String) },
      })
      expect(counts.errors['502']).toBeGreaterThan(0) // the refreshes of the outage
      expect(counts.sessionsLost).toBe(0)
    })
  },
)
