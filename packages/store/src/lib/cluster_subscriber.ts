import type { Redis } from 'ioredis'

export interface ClusterNodeAddress {
  host: string
  port: number
}

export interface ClusterSubscriberOptions {
  /** The cluster's nodes as known now; a node that fails is skipped. */
  nodes(): Promise<ClusterNodeAddress[]>
  /** A lazy connection to one node that never reconnects by itself (this module moves it). */
  open(node: ClusterNodeAddress): Promise<Redis>
  deliver(channel: string, message: string): void
}

export interface ClusterSubscriber {
  subscribe(channel: string): Promise<void>
  unsubscribe(channel: string): Promise<void>
  close(): void
}

/**
 * One subscribed connection to any node of a Redis Cluster. A cluster relays every PUBLISH
 * to all its nodes over the cluster bus (Redis Cluster specification, "Publish/Subscribe"),
 * so one node, master or replica, hears every instance. When that node goes away (a killed
 * master), the channels move to another node, retried every 200 ms until one takes them.
 * ioredis has its own cluster subscriber, but it forgets its channels when it must move twice
 * in a row — first to the dying node it still lists, then to a live one — which a failover
 * does; messages sent while no node is subscribed are lost, as pub/sub always allows.
 */
export function clusterSubscriber(options: ClusterSubscriberOptions): ClusterSubscriber {
  const { nodes, open, deliver } = options
  const channels = new Set<string>()
  let connection: Promise<Redis> | undefined
  let retry: NodeJS.Timeout | undefined
  let closed = false

  const attach = async (): Promise<Redis> => {
    const candidates = await nodes()
    const first = Math.floor(Math.random() * candidates.length) // spread instances over nodes
    let failure: unknown = new Error('no node of the cluster is known')
    for (let i = 0; i < candidates.length; i++) {
      const node = candidates[(first + i) % candidates.length] as ClusterNodeAddress
      const redis = await open(node)
      let reason: Error | undefined
      redis.on('error', (error: Error) => {
        reason = error
      })
      try {
        if (closed) throw new Error('the store is closed')
        await redis.connect()
        if (channels.size > 0) await redis.subscribe(...channels)
      } catch (error) {
        redis.disconnect()
        failure = reason ?? error
        if (closed) break
        continue
      }
      redis.on('message', deliver)
      redis.once('end', () => {
        connection = undefined
        if (!closed && channels.size > 0) moveSoon()
      })
      return redis
    }
    throw failure
  }
  const current = () => {
    connection ??= attach().catch((error: unknown) => {
      connection = undefined
      throw error
    })
    return connection
  }
  const moveSoon = () => {
    clearTimeout(retry)
    if (closed || channels.size === 0) return
    retry = setTimeout(() => void current().catch(moveSoon), 200)
    retry.unref()
  }

  return {
    async subscribe(channel) {
      channels.add(channel)
      try {
        await (await current()).subscribe(channel)
      } catch (error) {
        channels.delete(channel)
        throw error
      }
    },
    async unsubscribe(channel) {
      channels.delete(channel)
      const redis = await connection?.catch(() => undefined)
      await redis?.unsubscribe(channel)
    },
    close() {
      closed = true
      clearTimeout(retry)
      void connection?.then((redis) => redis.disconnect()).catch(() => {})
    },
  }
}
