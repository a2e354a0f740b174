import { once } from 'node:events'
import { createServer } from 'node:net'
import { afterAll, describe, expect, it } from 'vitest'
import { tcpProxy } from '../../../test/support/tcp_proxy.ts'
import {
  memoryStore,
  postgresStore,
  probeStores,
  redisStore,
  type Store,
  StoreUnavailableError,
} from '../src/index.ts'

const closing: Store[] = []
afterAll(() => Promise.all(closing.map((store) => store.close())))
const track = <S extends Store>(store: S) => {
  closing.push(store)
  return store
}

const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => expect.fail('the probe passed'),
    (error: unknown) => error as StoreUnavailableError & { cause: NodeJS.ErrnoException },
  )

describe('probeStores', () => {
  it('passes when every store answers', async () => {
    const redis = track(redisStore({ url: 'redis://127.0.0.1:6379' }))
    const postgres = track(postgresStore({ url: 'postgres://postgres@127.0.0.1:5432/test' }))
    await probeStores({ durable: postgres, ephemeral: redis })
    await probeStores({ durable: memoryStore(), ephemeral: memoryStore() })
  })

  it('names the backend and keeps the cause when one does not answer', async () => {
    const proxy = await tcpProxy(6379)
    const redis = track(redisStore({ url: `redis://127.0.0.1:${proxy.port}` }))
    const stores = { durable: memoryStore(), ephemeral: redis }
    await probeStores(stores)
    proxy.cut()
    const error = await failure(probeStores(stores))
    expect(error).toBeInstanceOf(StoreUnavailableError)
    expect(error.kind).toBe('redis')
    proxy.restore()
    await expect
      .poll(() =>
        probeStores(stores).then(
          () => true,
          () => false,
        ),
      )
      .toBe(true)
    await proxy.close()

    const refused = track(postgresStore({ url: 'postgres://postgres@127.0.0.1:1/test' }))
    const pgError = await failure(probeStores({ durable: refused, ephemeral: memoryStore() }))
    expect(pgError.kind).toBe('postgres')
    expect(pgError.cause.code).toBe('ECONNREFUSED')
  })

  it('reports the reason Redis gave, not "Connection is closed"', async () => {
    const refused = track(redisStore({ url: 'redis://127.0.0.1:1' }))
    const error = await failure(probeStores({ durable: memoryStore(), ephemeral: refused }))
    expect(error.cause.code).toBe('ECONNREFUSED')
  })

  it('gives up on a store that accepts the connection but never answers', async () => {
    const silent = createServer(() => {}) // takes the connection, says nothing
    silent.listen(0, '127.0.0.1')
    await once(silent, 'listening')
    const { port } = silent.address() as { port: number }
    const hung = track(redisStore({ url: `redis://127.0.0.1:${port}` }))
    const error = await failure(probeStores({ durable: memoryStore(), ephemeral: hung }, 300))
    expect(error.kind).toBe('redis')
    silent.close()
  })
})
