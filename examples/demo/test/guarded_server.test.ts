import { once } from 'node:events'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BODY_LIMIT, guardedServer } from '../src/guarded_server.ts'
import { rawExchange } from './support/raw_exchange.ts'

// The wrapper every demo origin is served through, on an ephemeral port with a listener that
// fails on purpose: one request's failure is that request's answer, never the process's end.

const body = (text: string) => JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4))

describe('guardedServer', () => {
  const server = guardedServer(
    (req, res) => {
      if (req.url === '/throw') throw new URIError('URI malformed')
      if (req.url === '/reject') return Promise.reject(new TypeError('Invalid URL'))
      res.setHeader('content-type', 'application/json')
      res.end(JSON.stringify({ url: req.url, host: req.headers.host }))
    },
    (error) => errors.push(error.message),
  )
  const errors: string[] = []
  let port = 0
  const send = (head: string, payload = '') =>
    rawExchange(port, Buffer.from(`${head}\r\n\r\n${payload}`), { deadlineMs: 5_000 })

  beforeAll(async () => {
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    port = (server.address() as AddressInfo).port
  })
  afterAll(() => server.close())

  it('answers a listener that throws, or rejects, with a bare 500 for that request alone', async () => {
    for (const path of ['/throw', '/reject']) {
      const answer = await send(`GET ${path} HTTP/1.1\r\nHost: a.localhost`)
      expect(answer.status).toBe(500)
      expect(body(answer.text)).toEqual({ error: 'server_error', message: expect.any(String) })
      expect(answer.text).not.toMatch(/URI malformed|Invalid URL| at /)
    }
    expect(errors).toEqual(['URI malformed', 'Invalid URL'])
    expect((await send('GET /after HTTP/1.1\r\nHost: a.localhost')).status).toBe(200)
  })

  it('takes an absolute-form target as origin-form with its authority as Host (RFC 9112 §3.2.2), and refuses one that is no URL', async () => {
    const absolute = await send('GET http://b.localhost:81/x?y=1 HTTP/1.1\r\nHost: a.localhost')
    expect(body(absolute.text)).toEqual({ url: '/x?y=1', host: 'b.localhost:81' })
    for (const target of ['http://idp.localhost:-1/x', 'http://u:p@a.localhost/', 'ftp://a/', 'x'])
      expect((await send(`GET ${target} HTTP/1.1\r\nHost: a.localhost`)).status).toBe(400)
    // `//` is a path, not a scheme-relative URL.
    expect(body((await send('GET // HTTP/1.1\r\nHost: a.localhost')).text).url).toBe('//')
  })

  it('refuses a Host that is repeated or not an authority with 400 (RFC 9112 §3.2)', async () => {
    for (const host of ['Host: a b', 'Host: u:p@a.localhost', 'Host: %zz', 'Host: a\r\nHost: b']) {
      const answer = await send(`GET / HTTP/1.1\r\n${host}`)
      expect(answer.status, host).toBe(400)
      expect(body(answer.text).error).toBe('invalid_request')
    }
    expect((await send('GET / HTTP/1.1\r\nHost: [::1]:3000')).status).toBe(200)
  })

  it('refuses a body over the limit with 413, and one of unknown length with 411, closing the connection', async () => {
    const big = await send(
      `POST / HTTP/1.1\r\nHost: a.localhost\r\nContent-Length: ${BODY_LIMIT + 1}`,
      'a'.repeat(BODY_LIMIT + 1),
    )
    expect(big.status).toBe(413)
    expect(body(big.text).error).toBe('payload_too_large')
    expect(big.text).toMatch(/^connection: close$/im)
    const chunked = await send(
      'POST / HTTP/1.1\r\nHost: a.localhost\r\nTransfer-Encoding: chunked',
      '1\r\na\r\n0\r\n\r\n',
    )
    expect(chunked.status).toBe(411)
    expect(chunked.text).toMatch(/^connection: close$/im)
  })

  it('answers a request Node cannot parse, and CONNECT, with the same JSON errors', async () => {
    const answer = await send('GET / HTTP/1.1\r\nHost: a.localhost\r\nContent-Length: abc')
    expect(answer.status).toBe(400)
    expect(body(answer.text)).toEqual({ error: 'invalid_request', message: 'Bad Request' })
    const connect = await send('CONNECT a.localhost:443 HTTP/1.1\r\nHost: a.localhost:443')
    expect(connect.status).toBe(501)
    expect(body(connect.text).error).toBe('not_implemented')
  })
})
