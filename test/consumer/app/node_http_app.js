import { createLatchkey } from '@latchkey/server'
import { latchkey, requireAuth } from '@latchkey/server/node'
import { listenWithSettings } from './settings.js'

// Plain node:http: Latchkey answers /auth/*, the app routes the rest itself.
const { server, options, ready } = await listenWithSettings()
const auth = createLatchkey(options)
const handleAuth = latchkey(auth)
server.on('request', async (req, res) => {
  if (await handleAuth(req, res)) return
  if (req.method !== 'GET' || req.url !== '/api/me') {
    res.writeHead(404, { 'content-type': 'application/json' })
    res.end(JSON.stringify({ error: 'not_found' }))
    return
  }
  const user = await requireAuth(auth)(req, res)
  if (!user) return
  res.writeHead(200, { 'content-type': 'application/json' })
  res.end(JSON.stringify({ sub: user.sub, roles: user.roles, via: 'node:http' }))
})
ready()
