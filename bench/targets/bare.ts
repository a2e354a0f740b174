/**
 * The baselines: each server's own "hello" for `GET /api/me`, no authentication, the same
 * JSON as the authenticated routes answer. A Latchkey adapter is compared with its own
 * framework's bare route, so the ratio is what Latchkey adds, not what the framework costs.
 */
import { createServer } from 'node:http'
import { getRequestListener } from '@hono/node-server'
import express from 'express'
import Fastify from 'fastify'
import { Hono } from 'hono'
import { ME } from './config.ts'
import { closer } from './latchkey.ts'

export type Framework = 'node' | 'express' | 'fastify' | 'hono'

export async function serveBare(framework: Framework, port: number) {
  const listen = (handler: Parameters<typeof createServer>[1]) =>
    new Promise<ReturnType<typeof closer>>((resolve) => {
      const server = createServer(handler)
      server.listen(port, '127.0.0.1', () => resolve(closer(server)))
    })
  switch (framework) {
    case 'node':
      return listen((_req, res) => {
        res.setHeader('content-type', 'application/json')
        res.end(JSON.stringify(ME))
      })
    case 'express': {
      const app = express()
      app.get('/api/me', (_req, res) => {
        res.json(ME)
      })
      return listen(app)
    }
    case 'fastify': {
      const app = Fastify()
      app.get('/api/me', async () => ME)
      await app.listen({ port, host: '127.0.0.1' })
      return { close: () => app.close() }
    }
    case 'hono': {
      const app = new Hono()
      app.get('/api/me', (c) => c.json(ME))
      return listen(getRequestListener(app.fetch))
    }
  }
}
