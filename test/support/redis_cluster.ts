import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { Redis } from 'ioredis'
import { freePort } from './free_port.ts'

const run = promisify(execFile)

export interface ClusterNode {
  port: number
  process: ChildProcess
}

export interface RedisCluster {
  nodes: ClusterNode[]
  /** `redis+cluster://127.0.0.1:<port>,…`, every node as a seed. */
  url: string
  /** The hash slot of a key (CLUSTER KEYSLOT). */
  slotOf(key: string): Promise<number>
  /** The node serving `slot` as master now, from a live node's CLUSTER SLOTS. */
  masterOf(slot: number): Promise<ClusterNode>
  /** Connections subscribed to at least one channel on a node (CLIENT LIST `sub=`). */
  subscribersOn(node: ClusterNode): Promise<number>
  /** Resolves once every live node reports `cluster_state:ok` and every replica is in sync. */
  settled(timeoutMs?: number): Promise<void>
  stop(): Promise<void>
}

/**
 * Why a local Redis Cluster cannot be started here (Debian's `redis-server` and `redis-cli`
 * missing), or undefined when it can.
 */
export async function redisClusterUnavailable(): Promise<string | undefined> {
  for (const tool of ['redis-server', 'redis-cli']) {
    try {
      await run(tool, ['--version'])
    } catch {
      return `${tool} is not installed (Debian: apt-get install redis-server)`
    }
  }
  return undefined
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** One short-lived connection to one node, for the helper's own questions. */
async function ask<T>(port: number, question: (redis: Redis) => Promise<T>): Promise<T> {
  const redis = new Redis(port, '127.0.0.1', {
    lazyConnect: true,
    retryStrategy: () => null,
    maxRetriesPerRequest: 0,
    connectTimeout: 500,
  })
  redis.on('error', () => {})
  try {
    await redis.connect()
    return await question(redis)
  } finally {
    redis.disconnect()
  }
}

const info = (port: number, section: string) =>
  ask(port, (redis) => (section === 'cluster' ? redis.cluster('INFO') : redis.info(section)))

async function until(what: string, timeoutMs: number, check: () => Promise<boolean>) {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (await check().catch(() => false)) return
    if (Date.now() > deadline) throw new Error(`redis cluster: timed out waiting for ${what}`)
    await sleep(50)
  }
}

/**
 * Starts a Redis Cluster of `masters` masters with one replica each, from Debian's
 * `redis-server`, on free loopback ports (client and bus ports both picked by the OS) in a
 * temporary directory, without persistence. `cluster-node-timeout` is 1 s so that a killed
 * master's replica takes over in about two; `cluster-require-full-coverage no` keeps the
 * other masters answering meanwhile (what docs/store.md recommends).
 */
export async function startRedisCluster(masters = 3): Promise<RedisCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'latchkey-redis-cluster-'))
  const nodes: ClusterNode[] = []
  const stop = async () => {
    await Promise.all(
      nodes.map(async ({ process }) => {
        if (process.exitCode !== null || process.signalCode !== null) return
        const exited = once(process, 'exit')
        process.kill('SIGKILL')
        await exited
      }),
    )
    rmSync(dir, { recursive: true, force: true })
  }
  try {
    for (let i = 0; i < masters * 2; i++) {
      const port = await freePort()
      const busPort = await freePort()
      const home = join(dir, String(port))
      mkdirSync(home)
      // biome-ignore format: one directive a line
      const args = [
        '--port', String(port), '--cluster-port', String(busPort), '--bind', '127.0.0.1',
        '--dir', home, '--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf',
        '--cluster-node-timeout', '1000', '--cluster-require-full-coverage', 'no',
        '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--logfile', 'redis.log',
      ]
      const process = spawn('redis-server', args, { stdio: 'ignore' })
      nodes.push({ port, process })
    }
    for (const { port } of nodes) {
      await until(
        `redis-server on ${port}`,
        10_000,
        async () => (await info(port, 'server')) !== '',
      )
    }
    await run('redis-cli', [
      '--cluster',
      'create',
      ...nodes.map(({ port }) => `127.0.0.1:${port}`),
      '--cluster-replicas',
      '1',
      '--cluster-yes',
    ])
  } catch (error) {
    await stop()
    throw error
  }

  const live = () => nodes.filter(({ process }) => process.exitCode === null && !process.killed)
  const cluster: RedisCluster = {
    nodes,
    url: `redis+cluster://${nodes.map(({ port }) => `127.0.0.1:${port}`).join(',')}`,
    slotOf: (key) => ask(live()[0]?.port ?? 0, (redis) => redis.cluster('KEYSLOT', key)),
    async masterOf(slot) {
      for (const { port } of live()) {
        const ranges = (await ask(port, (redis) => redis.cluster('SLOTS')).catch(() => [])) as [
          number,
          number,
          [string, number],
        ][]
        const range = ranges.find(([from, to]) => from <= slot && slot <= to)
        const master = nodes.find((node) => node.port === range?.[2][1])
        if (master) return master
      }
      throw new Error(`redis cluster: no live node knows a master for slot ${slot}`)
    },
    async subscribersOn({ port }) {
      const clients = (await ask(port, (redis) => redis.client('LIST'))) as string
      return clients.split('\n').filter((line) => /\bsub=[1-9]/.test(line)).length
    },
    async settled(timeoutMs = 20_000) {
      await until('cluster_state:ok on every node', timeoutMs, async () => {
        for (const { port } of live()) {
          if (!(await info(port, 'cluster')).includes('cluster_state:ok')) return false
          const replication = await info(port, 'replication')
          if (replication.includes('role:slave') && !replication.includes('master_link_status:up'))
            return false
        }
        return true
      })
    },
    stop,
  }
  try {
    await cluster.settled()
  } catch (error) {
    await stop()
    throw error
  }
  return cluster
}
